"""The TCP server within its ServerLimits, on 127.0.0.1: bytes in flight, turns, abort, caps."""

from __future__ import annotations

import asyncio
import logging

import pytest

from iso8583.channels import (
    BaseChannel,
    ChannelClosed,
    LimitEvent,
    LimitExceeded,
    LinkPolicy,
    ServerLimits,
    StxEtxLrcFramer,
    TwoByteLengthFramer,
    open_tcp_channel,
    serve,
    serve_tcp,
)
from iso8583.channels.limits import UNLIMITED
from iso8583.channels.tcp_server import FD_RESERVE, fd_ceiling

from .conftest import PtyPair, RawPeer

LOOPBACK = "127.0.0.1"
FRAMER = TwoByteLengthFramer()


async def test_bytes_in_flight_stay_bounded_while_the_handler_is_busy_and_nothing_is_lost() -> None:
    release = asyncio.Event()
    channels: list[BaseChannel] = []
    received: list[bytes] = []

    async def slow(channel: BaseChannel) -> None:
        channels.append(channel)
        received.append(await channel.receive(5))
        await release.wait()  # busy: the peer keeps pipelining meanwhile
        while len(received) < 2000:
            received.append(await channel.receive(5))

    limits = ServerLimits(max_bytes_in_flight=2048, max_frames_per_second=0)
    async with await serve_tcp(LOOPBACK, 0, None, slow, limits=limits) as server:
        reader, writer = await asyncio.open_connection(LOOPBACK, server.port)
        messages = [b"%04d" % n + bytes(60) for n in range(2000)]  # 128 KB in all
        writer.write(b"".join(FRAMER.encode(message) for message in messages))
        await asyncio.sleep(0.3)
        assert channels and channels[0].bytes_in_flight <= 2048
        release.set()
        async with asyncio.timeout(10):
            while len(received) < 2000:
                await asyncio.sleep(0.01)
        assert received == messages
        writer.close()


async def test_two_pipelining_connections_are_served_in_turn() -> None:
    order: list[int] = []

    async def record(channel: BaseChannel) -> None:
        while True:
            try:
                message = await channel.receive(5)
            except ChannelClosed:
                return
            order.append(message[0])

    async with await serve_tcp(LOOPBACK, 0, None, record, limits=UNLIMITED) as server:
        writers = []
        for tag in (1, 2):
            _, writer = await asyncio.open_connection(LOOPBACK, server.port)
            writer.write(FRAMER.encode(bytes([tag])) * 100)
            writers.append(writer)
        async with asyncio.timeout(5):
            while len(order) < 200:
                await asyncio.sleep(0.01)
        switches = sum(a != b for a, b in zip(order, order[1:], strict=False))
        assert switches > 50  # interleaved one by one, not 100 of one then 100 of the other
        for writer in writers:
            writer.close()


async def test_abort_ends_a_channel_with_the_error_and_drops_what_was_queued() -> None:
    got: asyncio.Queue[BaseException | bytes] = asyncio.Queue()
    channels: list[BaseChannel] = []

    async def hold(channel: BaseChannel) -> None:
        channels.append(channel)
        await asyncio.sleep(0.2)  # two messages queue up meanwhile
        channel.abort(LimitExceeded(LimitEvent.CONNECTION_CAP, "made room"))
        try:
            got.put_nowait(await channel.receive(1))
        except LimitExceeded as exc:
            got.put_nowait(exc)

    async with await serve_tcp(LOOPBACK, 0, None, hold) as server:
        async with await open_tcp_channel(LOOPBACK, server.port) as client:
            await client.send(b"one")
            await client.send(b"two")
            outcome = await asyncio.wait_for(got.get(), 2)
            assert isinstance(outcome, LimitExceeded) and outcome.kind == LimitEvent.CONNECTION_CAP
            with pytest.raises(ChannelClosed):
                await client.receive(2)


async def test_a_server_without_limits_keeps_an_idle_connection() -> None:
    async def wait(channel: BaseChannel) -> None:
        await channel.receive(5)

    async with await serve_tcp(LOOPBACK, 0, None, wait, limits=UNLIMITED) as server:
        reader, writer = await asyncio.open_connection(LOOPBACK, server.port)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await reader.read()
        assert server.connection_count == 1
        writer.close()


async def test_the_handler_sees_an_oversized_frame_as_a_limit_not_a_framing_error() -> None:
    seen: asyncio.Queue[BaseException] = asyncio.Queue()

    async def handler(channel: BaseChannel) -> None:
        try:
            await channel.receive(5)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            seen.put_nowait(exc)

    async with await serve_tcp(LOOPBACK, 0, None, handler, limits=ServerLimits(max_frame_size=100)) as server:
        _, writer = await asyncio.open_connection(LOOPBACK, server.port)
        writer.write(b"\x00\x65")  # 101 bytes announced
        error = await asyncio.wait_for(seen.get(), 2)
        assert isinstance(error, LimitExceeded) and error.kind == LimitEvent.FRAME_SIZE
        writer.close()


async def test_the_connection_cap_never_exceeds_what_the_descriptor_limit_allows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ceiling = fd_ceiling()
    if ceiling is None:
        pytest.skip("no file-descriptor limit on this platform")

    async def nothing(channel: BaseChannel) -> None:
        return

    with caplog.at_level(logging.WARNING):
        server = await serve_tcp(LOOPBACK, 0, None, nothing, limits=ServerLimits(max_connections=10**7))
    async with server:
        assert server.max_connections == ceiling
    assert any(f"keeps {FD_RESERVE} for itself" in record.getMessage() for record in caplog.records)


async def test_a_serial_servers_stale_partial_frame_is_dropped_and_the_line_carries_on(
    pty_pair: PtyPair, raw_master: RawPeer
) -> None:
    async def echo(channel: BaseChannel) -> None:
        while True:
            await channel.send(await channel.receive(30))

    policy = LinkPolicy(ack_timeout=0.3, max_retries=1, frame_timeout=5.0)
    limits = ServerLimits(partial_frame_timeout=0.3)
    async with await serve(f"serial://{pty_pair.slave_path}", echo, link_policy=policy, limits=limits):
        await asyncio.sleep(0.2)
        raw_master.write(b"\x02\x00\x99")  # a 99-byte frame that never ends ...
        for _ in range(6):
            await asyncio.sleep(0.1)
            raw_master.write(b"A")  # ... though the line is never silent long
        raw_master.write(StxEtxLrcFramer().encode(b"0800"))
        assert await raw_master.read_exactly(1) == b"\x06"  # ACK: the new frame was received


def test_fd_ceiling_leaves_the_reserve() -> None:
    resource = pytest.importorskip("resource")
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = fd_ceiling()
    assert ceiling is None or ceiling == max(1, soft - FD_RESERVE)


async def test_a_closed_channel_lets_go_of_the_bytes_it_held_at_once() -> None:
    closed: asyncio.Queue[BaseChannel] = asyncio.Queue()

    async def give_up(channel: BaseChannel) -> None:
        await asyncio.sleep(0.2)  # a half-sent frame arrives meanwhile
        await channel.close()
        closed.put_nowait(channel)

    async with await serve_tcp(LOOPBACK, 0, None, give_up) as server:
        _, writer = await asyncio.open_connection(LOOPBACK, server.port)
        writer.write(b"\x10\x00" + bytes(3000))
        channel = await asyncio.wait_for(closed.get(), 2)
        assert channel.framer.pending == 0 and channel.bytes_in_flight == 0
        writer.close()


async def test_bytes_in_flight_stay_bounded_when_requests_queue_up_one_read_at_a_time() -> None:
    """Requests queued one read at a time use up the allowance: a larger chunk then gets only what is left of it."""
    release = asyncio.Event()
    channels: list[BaseChannel] = []

    async def busy(channel: BaseChannel) -> None:
        channels.append(channel)
        await channel.receive(5)
        await release.wait()

    limits = ServerLimits(max_bytes_in_flight=1024, max_frames_per_second=0)
    async with await serve_tcp(LOOPBACK, 0, None, busy, limits=limits) as server:
        _, writer = await asyncio.open_connection(LOOPBACK, server.port)
        writer.write(FRAMER.encode(b"first"))
        await asyncio.sleep(0.1)
        for _ in range(10):  # one request per read, queued behind the busy handler: 640 bytes
            writer.write(FRAMER.encode(bytes(62)))
            await asyncio.sleep(0.02)
        writer.write(FRAMER.encode(bytes(62)) * 30)  # 1920 bytes at once
        await asyncio.sleep(0.2)
        assert channels and channels[0].bytes_in_flight <= 1024
        release.set()
        writer.close()
