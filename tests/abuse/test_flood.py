"""One connection pipelining frames must cost the host little and the other terminals nothing.

Before issue 14 the host took every frame a connection pipelined in one go, without letting
another connection in: 40 KB of zero-length frames (20,000 frames) or 3000 echo tests delayed
every other terminal by seconds, and each empty frame cost a journal row and a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from emv.cards import EntryMode
from pos_terminal.state.cards import present_test_card
from pos_terminal.engine.terminal import TerminalEngine

from tests.abuse.conftest import HostStarter, LogLines, closed_by_peer, echo_request, len2, wait_until


def peer_of(writer: object) -> str:
    host, port = writer.get_extra_info("sockname")[:2]  # type: ignore[attr-defined]
    return f"tcp://{host}:{port}"


async def test_empty_frames_are_dropped_before_the_host_logic(start_host: HostStarter, log_lines: LogLines) -> None:
    host = await start_host()
    reader, writer = await host.raw()
    writer.write(b"\x00\x00" * 10 + len2(echo_request(1)))
    head = await reader.readexactly(2)
    await reader.readexactly(int.from_bytes(head, "big"))  # the echo behind them is answered
    writer.close()
    assert host.handled == [peer_of(writer)]  # the echo only: no empty frame reached the logic
    assert len(log_lines.at_least(logging.WARNING)) <= 1


async def test_a_flood_of_empty_frames_closes_that_connection_with_one_log_line(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host()
    reader, writer = await host.raw()
    writer.write(b"\x00\x00" * 20_000)  # 40 KB
    assert await closed_by_peer(reader, timeout=5)
    assert await host.echo() == "00"
    assert peer_of(writer) not in host.handled
    warnings = log_lines.at_least(logging.WARNING)
    assert len(warnings) == 1 and "max_frames_per_second" in warnings[0]


async def test_a_pipelining_connection_takes_turns_with_another_terminal(start_host: HostStarter) -> None:
    host = await start_host("max_frames_per_second = 0")  # no rate limit: fairness alone
    reader, writer = await host.raw()
    attacker = peer_of(writer)
    writer.write(b"".join(len2(echo_request(stan)) for stan in range(1, 301)))
    await writer.drain()
    assert await wait_until(lambda: attacker in host.handled, timeout=5)
    assert await host.echo() == "00"
    first_other = next(index for index, peer in enumerate(host.handled) if peer != attacker)
    assert first_other < 150  # served in turn, not after all 300 pipelined requests
    writer.close()


async def test_a_connection_over_its_frame_rate_is_slowed_then_served(start_host: HostStarter) -> None:
    host = await start_host("max_frames_per_second = 20")
    reader, writer = await host.raw()
    writer.write(b"".join(len2(echo_request(stan)) for stan in range(1, 41)))  # a one-second burst, twice over
    await writer.drain()
    assert await wait_until(lambda: len(host.handled) >= 1, timeout=5)
    await wait_until(lambda: False, timeout=0.3)
    assert len(host.handled) <= 20 + 0.5 * 20  # the burst and what the rate allows, not all 40
    answered = 0
    while answered < 40:  # slowed, not dropped: every request is answered
        head = await reader.readexactly(2)
        await reader.readexactly(int.from_bytes(head, "big"))
        answered += 1
    writer.close()


async def test_3000_pipelined_echo_tests_are_slowed_to_the_rate_while_a_terminal_sells(
    start_host: HostStarter, open_terminal: Callable[..., TerminalEngine], log_lines: LogLines
) -> None:
    host = await start_host()  # the default limits: 50 frames per second per connection
    terminal = open_terminal(host)
    assert (await terminal.sign_on()).approved
    reader, writer = await host.raw()
    writer.write(b"".join(len2(echo_request(stan)) for stan in range(1, 3001)))
    result = await terminal.sale(present_test_card("visa_credit", EntryMode.CHIP), 1500, pin="1234")
    assert result.approved, result
    assert host.handled.count(peer_of(writer)) < 200  # not 3000 first: about 50 a second
    assert len(log_lines.at_least(logging.WARNING)) <= 1  # "reading paused", once
    writer.close()
