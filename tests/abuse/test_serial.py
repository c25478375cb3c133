"""The host's serial line: garbage and half frames from a peer must not stall it.

Before issue 14 an STX with a length of 9999 followed by a byte now and then (never a second
of silence) held the line: every frame the terminal sent became part of that frame, for hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import Iterator

import pytest

from iso8583 import decode
from iso8583.channels import ChannelError, LinkPolicy, open_fd_channel
from iso8583.channels.framing import lrc

from tests.abuse.conftest import DIALECT, HostStarter, echo_request, wait_until

FAST = LinkPolicy(ack_timeout=0.3, max_retries=1, frame_timeout=1.0)


@pytest.fixture
def line() -> Iterator[tuple[int, str]]:
    """A pseudo-terminal: the master fd (the terminal's end, kept here) and the slave path (the host's)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)


async def echo_over(master: int, stan: int) -> str | None:
    """One echo test from the terminal's end of the line: the response code, or None if it failed."""
    channel = await open_fd_channel(master, close_fd=False, link_policy=FAST)
    try:
        await channel.send(echo_request(stan))
        response = decode(await channel.receive(1.0), DIALECT)
    except ChannelError:
        return None
    finally:
        await channel.close()
    value = response.get(39)
    return value if isinstance(value, str) else None


async def test_a_half_frame_kept_alive_byte_by_byte_is_dropped_and_the_terminal_gets_through(
    start_host: HostStarter, line: tuple[int, str]
) -> None:
    master, slave_path = line
    host = await start_host("partial_frame_timeout = 0.5", listen=f"serial://{slave_path}")
    await asyncio.sleep(0.2)  # the host opens the port
    os.write(master, b"\x02\x99\x99")  # STX, then a length of 9999 bytes ...

    async def trickle() -> None:
        while True:  # ... of which one comes every 0.2 s: the line is never silent for a second
            os.write(master, b"A")
            await asyncio.sleep(0.2)

    trickler = asyncio.create_task(trickle())
    try:
        answer = None
        for stan in range(1, 6):  # a terminal retries; each try takes about a second
            answer = await echo_over(master, stan)
            if answer is not None:
                break
        assert answer == "00"
    finally:
        trickler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await trickler
    assert host.handled  # the echo reached the host once the half frame was dropped


async def test_an_empty_stx_frame_is_acknowledged_but_never_reaches_the_host_logic(
    start_host: HostStarter, line: tuple[int, str]
) -> None:
    master, slave_path = line
    host = await start_host(listen=f"serial://{slave_path}")
    await asyncio.sleep(0.2)
    body = b"\x00\x00\x03"  # length 0000, no data, ETX
    os.write(master, b"\x02" + body + bytes([lrc(body)]))
    assert await echo_over(master, 1) == "00"
    assert await wait_until(lambda: len(host.handled) == 1, timeout=1)  # the echo, not the empty frame
