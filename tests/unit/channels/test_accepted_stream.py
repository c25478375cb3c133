"""The server's accepted TCP connections as byte streams (iso8583.channels.accepted): reads into a bounded
buffer through a transport, one re-armed deadline timer per connection, writes that wait for the kernel."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest

from iso8583.channels.accepted import READ_CHUNK, AcceptedStream
from iso8583.channels.errors import ChannelClosed, ChannelTimeout

LOOPBACK = "127.0.0.1"


@pytest.fixture
async def pair() -> AsyncIterator[tuple[AcceptedStream, socket.socket]]:
    """A server-side stream over an accepted 127.0.0.1 connection, and the peer's (blocking) socket."""
    listener = socket.create_server((LOOPBACK, 0))
    peer = socket.create_connection(listener.getsockname(), timeout=2.0)
    accepted, _ = listener.accept()
    listener.close()
    stream = await AcceptedStream.accept(accepted)
    try:
        yield stream, peer
    finally:
        await stream.close()
        peer.close()


async def test_bytes_are_read_as_they_come_and_at_most_max_bytes_at_a_time(
        pair: tuple[AcceptedStream, socket.socket]) -> None:
    stream, peer = pair
    peer.sendall(b"0123456789" * 3)
    await asyncio.sleep(0.05)
    assert await stream.read_some(1.0, 10) == b"0123456789"
    assert await stream.read_some(1.0) == b"0123456789" * 2
    assert stream.peer == f"tcp://{LOOPBACK}:{peer.getsockname()[1]}"


async def test_more_than_the_buffer_holds_arrives_whole_and_in_order(
        pair: tuple[AcceptedStream, socket.socket]) -> None:
    """The transport is paused while the buffer is full; what the peer sent meanwhile waits in the kernel."""
    stream, peer = pair
    sent = bytes(range(256)) * (4 * READ_CHUNK // 256 + 3)
    peer.sendall(sent)
    received = b""
    while len(received) < len(sent):
        received += await stream.read_some(1.0, 1000)
    assert received == sent


async def test_a_read_returns_nothing_at_its_own_deadline_not_at_an_earlier_reads(
        pair: tuple[AcceptedStream, socket.socket]) -> None:
    stream, peer = pair
    with pytest.raises(TimeoutError):  # arms the connection's timer 0.2 s ahead, then stops waiting
        async with asyncio.timeout(0.05):
            await stream.read_some(0.2)
    started = time.monotonic()
    assert await stream.read_some(0.5) == b""  # the timer fires at 0.2 s and is moved to this read's deadline
    assert time.monotonic() - started >= 0.45
    started = time.monotonic()
    async with asyncio.timeout(5):  # a timer left at a later deadline (or none) would wait past this
        assert await stream.read_some(0.1) == b""  # an earlier deadline than the timer's: the timer moves earlier
    assert time.monotonic() - started < 2  # 0.1 s, with room for a busy 2-core machine


async def test_the_peer_hanging_up_ends_reading_after_what_it_sent(
        pair: tuple[AcceptedStream, socket.socket]) -> None:
    stream, peer = pair
    peer.sendall(b"last words")
    peer.shutdown(socket.SHUT_WR)
    await asyncio.sleep(0.05)
    assert await stream.read_some(1.0) == b"last words"
    with pytest.raises(ChannelClosed, match="closed the connection"):
        await stream.read_some(1.0)


async def test_a_write_waits_for_the_kernel_and_times_out_when_the_peer_reads_nothing(
        pair: tuple[AcceptedStream, socket.socket]) -> None:
    """No write buffer in the process: a peer that does not read is a ChannelTimeout, not growing memory."""
    stream, _ = pair
    with pytest.raises(ChannelTimeout, match=r"send to tcp://127\.0\.0\.1:\d+"):
        for _ in range(1000):  # the kernel's buffers hold a few MB at most
            await stream.write(bytes(65536), timeout=0.2)


async def test_a_closed_stream_refuses_reads_and_writes(pair: tuple[AcceptedStream, socket.socket]) -> None:
    stream, peer = pair
    await stream.close()
    with pytest.raises(ChannelClosed):
        await stream.read_some(1.0)
    with pytest.raises(ChannelClosed):
        await stream.write(b"x", 1.0)
    assert peer.recv(10) == b""  # the socket is closed, not just forgotten
