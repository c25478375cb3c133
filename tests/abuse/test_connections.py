"""Connections that take a socket and never finish: the host must bound them and keep serving.

Before issue 14 the host had no connection cap and no timeout: 1000 slowloris connections were
held forever, 1500 connections with 64 KB partial frames added 208 MB, and at the file-descriptor
limit idle connections locked every terminal out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from tests.abuse.conftest import HostStarter, LogLines, closed_by_peer, raw_connections, wait_until


async def test_an_idle_connection_is_closed_after_the_idle_timeout(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host("idle_timeout = 0.3")
    reader, writer = await host.raw()
    assert await closed_by_peer(reader, timeout=3)
    assert any("idle_timeout" in line for line in log_lines.at_least(logging.INFO))
    writer.close()


async def test_a_frame_dribbled_byte_by_byte_is_closed_after_the_partial_frame_timeout(start_host: HostStarter) -> None:
    host = await start_host("partial_frame_timeout = 0.5\nidle_timeout = 0")
    reader, writer = await host.raw()

    async def dribble() -> None:
        writer.write(b"\x00\x40")  # a 64-byte frame ...
        while True:  # ... one byte every 0.1 s: never silent, never finished
            await asyncio.sleep(0.1)
            writer.write(b"A")

    dribbler = asyncio.create_task(dribble())
    try:
        assert await closed_by_peer(reader, timeout=3)
    finally:
        dribbler.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await dribbler
        writer.close()


async def test_a_length_prefix_over_the_dialects_largest_message_is_closed_before_the_body(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host()
    reader, writer = await host.raw()
    writer.write(b"\xff\xff")  # announces 65,535 bytes; terminal87's largest message is 35,444
    assert await closed_by_peer(reader, timeout=2)
    assert host.handled == []
    assert any("bytes accepted" in line for line in log_lines.at_least(logging.WARNING))
    writer.close()


async def test_at_the_connection_cap_an_idle_connection_makes_room_for_a_terminal(start_host: HostStarter) -> None:
    host = await start_host("max_connections = 4")
    most = 0

    async def watch() -> None:
        nonlocal most
        while True:
            most = max(most, host.connections)
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    async with raw_connections(host, 4):
        assert await wait_until(lambda: host.connections == 4, timeout=2)
        await asyncio.sleep(1.1)  # idle long enough to be closed for a waiting terminal
        assert await host.echo() == "00"
    watcher.cancel()
    assert most <= 4


async def test_at_the_connection_cap_with_every_connection_busy_a_new_one_waits_its_turn(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host("max_connections = 2", rules='[[rule]]\nmti = "0800"\ndelay = 0.5\ntimes = 2\n')
    busy = [asyncio.create_task(host.echo(stan)) for stan in (1, 2)]  # each answered after 0.5 s
    assert await wait_until(lambda: len(host.handled) == 2, timeout=2)
    waiting = asyncio.create_task(host.echo(3))
    await asyncio.sleep(0.2)
    assert host.connections == 2 and not waiting.done()  # not accepted while both are busy
    assert await asyncio.gather(*busy, waiting) == ["00", "00", "00"]  # then served
    assert any("max_connections = 2" in line for line in log_lines.at_least(logging.WARNING))


async def test_hundreds_of_slowloris_connections_are_all_closed_and_terminals_still_served(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host("max_connections = 40\npartial_frame_timeout = 0.5")
    async with raw_connections(host, 120) as attackers:
        for _, writer in attackers:
            writer.write(b"\x00")  # half a length prefix, and nothing more
        assert await host.echo() == "00"
        closed = await asyncio.gather(*(closed_by_peer(reader, timeout=10) for reader, _ in attackers))
        assert all(closed)
        assert await wait_until(lambda: host.connections == 0, timeout=2)
    assert host.handled.count(host.handled[0]) == 1  # only the terminal's echo reached the logic
    assert len(log_lines.at_least(logging.WARNING)) <= 3  # one per event class, not one per connection


async def test_broken_frames_from_many_connections_cost_one_journaled_link_error_per_interval(
    start_host: HostStarter, log_lines: LogLines
) -> None:
    host = await start_host(listen="tcp://127.0.0.1:0?framing=ascii4")
    journaled: list[str] = []
    record = host.server.logic.record_link_error

    def counting(peer: str, reason: str, now: object) -> None:
        journaled.append(reason)
        record(peer, reason, now)  # type: ignore[arg-type]

    host.server.logic.record_link_error = counting  # type: ignore[method-assign]
    async with raw_connections(host, 20) as peers:
        for _, writer in peers:
            writer.write(b"XXXX")  # not a 4-digit length: the stream has lost sync
        assert all(await asyncio.gather(*(closed_by_peer(reader, timeout=3) for reader, _ in peers)))
    assert len(journaled) == 1
    assert len(log_lines.at_least(logging.WARNING)) <= 2  # the channel's line and the journal's, once
