"""TCP channels on 127.0.0.1: client, server, timeouts, and a server that survives bad clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from iso8583.channels import (
    AsciiLengthFramer,
    BaseChannel,
    Channel,
    ChannelClosed,
    ChannelError,
    ChannelTimeout,
    FramingError,
    TcpServer,
    Tpdu,
    TpduFramer,
    TwoByteLengthFramer,
    connect,
    open_tcp_channel,
    serve_tcp,
)

LOOPBACK = "127.0.0.1"


async def echo(channel: BaseChannel) -> None:
    """Answer every message with itself until the client goes away."""
    while True:
        message = await channel.receive(timeout=5)
        await channel.send(message)


@pytest.fixture
async def echo_server() -> AsyncIterator[TcpServer]:
    server = await serve_tcp(LOOPBACK, 0, TwoByteLengthFramer(), echo)
    yield server
    await server.close()


@contextlib.asynccontextmanager
async def raw_server(script: Callable[[asyncio.StreamWriter], Awaitable[None]]) -> AsyncIterator[int]:
    """A plain asyncio server whose peer does what ``script`` writes: bytes we control exactly.

    Yields the bound port; on exit stops the scripts and closes every connection.
    """
    writers: list[asyncio.StreamWriter] = []
    tasks: list[asyncio.Task[None]] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        tasks.append(task)
        await script(writer)

    server = await asyncio.start_server(on_connect, LOOPBACK, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        await server.wait_closed()


async def test_server_on_port_0_exposes_the_real_bound_port(echo_server: TcpServer) -> None:
    assert echo_server.port > 0
    assert echo_server.url == f"tcp://127.0.0.1:{echo_server.port}"


async def test_client_and_server_exchange_a_message(echo_server: TcpServer) -> None:
    async with await open_tcp_channel(LOOPBACK, echo_server.port, TwoByteLengthFramer()) as channel:
        await channel.send(b"0800 echo")
        assert await channel.receive(timeout=2) == b"0800 echo"


async def test_tcp_channel_satisfies_the_channel_protocol(echo_server: TcpServer) -> None:
    async with await open_tcp_channel(LOOPBACK, echo_server.port) as channel:
        assert isinstance(channel, Channel)
        assert channel.peer == echo_server.url


async def test_connect_by_url_uses_the_framing_parameter() -> None:
    seen: asyncio.Queue[bytes] = asyncio.Queue()

    async def record(channel: BaseChannel) -> None:
        seen.put_nowait(await channel.receive(timeout=2))

    async with await serve_tcp(LOOPBACK, 0, AsciiLengthFramer(), record) as server:
        async with await connect(f"tcp://127.0.0.1:{server.port}?framing=ascii4") as channel:
            await channel.send(b"hello")
            assert await asyncio.wait_for(seen.get(), 2) == b"hello"


async def test_frame_cut_in_half_waits_for_the_rest() -> None:
    second_half = asyncio.Event()
    wire = TwoByteLengthFramer().encode(b"0810 approved")

    async def halves(writer: asyncio.StreamWriter) -> None:
        writer.write(wire[:6])
        await second_half.wait()
        writer.write(wire[6:])

    async with raw_server(halves) as port, await open_tcp_channel(LOOPBACK, port) as channel:
        with pytest.raises(ChannelTimeout):
            await channel.receive(timeout=0.2)
        second_half.set()
        assert await channel.receive(timeout=2) == b"0810 approved"


async def test_silent_peer_raises_channel_timeout_naming_operation_and_timeout() -> None:
    async def silent(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with raw_server(silent) as port, await open_tcp_channel(LOOPBACK, port) as channel:
        with pytest.raises(ChannelTimeout, match=r"receive from tcp://127.0.0.1:\d+ timed out after 0.1 s"):
            await channel.receive(timeout=0.1)


async def test_peer_closing_mid_frame_raises_channel_closed_with_the_pending_count() -> None:
    async def half_then_close(writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x00\x10abc")
        await writer.drain()
        writer.close()

    async with raw_server(half_then_close) as port, await open_tcp_channel(LOOPBACK, port) as channel:
        with pytest.raises(ChannelClosed, match="in the middle of a frame \\(5 bytes pending\\)"):
            await channel.receive(timeout=2)


async def test_messages_received_before_the_peer_closed_are_still_delivered() -> None:
    async def two_then_close(writer: asyncio.StreamWriter) -> None:
        framer = TwoByteLengthFramer()
        writer.write(framer.encode(b"one") + framer.encode(b"two"))
        await writer.drain()
        writer.close()

    async with raw_server(two_then_close) as port, await open_tcp_channel(LOOPBACK, port) as channel:
        assert await channel.receive(timeout=2) == b"one"
        assert await channel.receive(timeout=2) == b"two"
        with pytest.raises(ChannelClosed):
            await channel.receive(timeout=2)


async def test_malformed_length_prefix_raises_framing_error_on_the_receiver() -> None:
    async def garbage(writer: asyncio.StreamWriter) -> None:
        writer.write(b"A3x0junk")
        await writer.drain()
        await asyncio.sleep(1)

    async with raw_server(garbage) as port, await open_tcp_channel(LOOPBACK, port, AsciiLengthFramer()) as channel:
        with pytest.raises(FramingError, match="length prefix 'A3x0' at offset 0 is not 4 ASCII digits"):
            await channel.receive(timeout=2)
        with pytest.raises(ChannelClosed):
            await channel.send(b"anything")


async def test_malformed_frame_closes_that_connection_and_the_server_keeps_serving() -> None:
    async with await serve_tcp(LOOPBACK, 0, AsciiLengthFramer(), echo) as server:
        reader, writer = await asyncio.open_connection(LOOPBACK, server.port)
        writer.write(b"A3x0")
        assert await asyncio.wait_for(reader.read(), 2) == b""  # the server hung up on us
        writer.close()
        await writer.wait_closed()
        async with await open_tcp_channel(LOOPBACK, server.port, AsciiLengthFramer()) as good:
            await good.send(b"still here")
            assert await good.receive(timeout=2) == b"still here"


async def test_handler_exception_closes_that_connection_only() -> None:
    async def fragile(channel: BaseChannel) -> None:
        message = await channel.receive(timeout=2)
        if message == b"boom":
            raise RuntimeError("handler bug")
        await channel.send(message)

    async with await serve_tcp(LOOPBACK, 0, None, fragile) as server:
        async with await open_tcp_channel(LOOPBACK, server.port) as victim:
            await victim.send(b"boom")
            with pytest.raises(ChannelClosed):
                await victim.receive(timeout=2)
        async with await open_tcp_channel(LOOPBACK, server.port) as other:
            await other.send(b"fine")
            assert await other.receive(timeout=2) == b"fine"


async def test_each_connection_gets_its_own_decoder() -> None:
    async with await serve_tcp(LOOPBACK, 0, TwoByteLengthFramer(), echo) as server:
        first = await open_tcp_channel(LOOPBACK, server.port)
        second = await open_tcp_channel(LOOPBACK, server.port)
        async with first, second:
            await first.send(b"from first")
            await second.send(b"from second")
            assert await second.receive(timeout=2) == b"from second"
            assert await first.receive(timeout=2) == b"from first"


async def test_server_close_ends_open_connections_and_stops_listening() -> None:
    connected = asyncio.Event()

    async def wait_forever(channel: BaseChannel) -> None:
        connected.set()
        await asyncio.sleep(60)

    server = await serve_tcp(LOOPBACK, 0, None, wait_forever)
    channel = await open_tcp_channel(LOOPBACK, server.port)
    await asyncio.wait_for(connected.wait(), 2)
    await server.close()
    assert server.connection_count == 0
    with pytest.raises(ChannelClosed):
        await channel.receive(timeout=2)
    await channel.close()
    with pytest.raises(ChannelError, match="cannot connect"):
        await open_tcp_channel(LOOPBACK, server.port)


async def test_server_close_with_open_connections_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    connected = asyncio.Event()

    async def wait_forever(channel: BaseChannel) -> None:
        connected.set()
        await asyncio.sleep(60)

    server = await serve_tcp(LOOPBACK, 0, None, wait_forever)
    async with await open_tcp_channel(LOOPBACK, server.port):
        await asyncio.wait_for(connected.wait(), 2)
        with caplog.at_level(logging.WARNING):
            await server.close()
            await asyncio.sleep(0.05)  # let asyncio run the connection tasks' done-callbacks
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_refused_connection_is_a_channel_error_naming_the_address() -> None:
    server = await serve_tcp(LOOPBACK, 0, None, echo)
    port = server.port
    await server.close()
    with pytest.raises(ChannelError, match=f"cannot connect to tcp://127.0.0.1:{port}"):
        await open_tcp_channel(LOOPBACK, port, connect_timeout=1)


async def test_receive_after_close_raises_channel_closed(echo_server: TcpServer) -> None:
    channel = await open_tcp_channel(LOOPBACK, echo_server.port)
    await channel.close()
    with pytest.raises(ChannelClosed):
        await channel.receive(timeout=1)
    with pytest.raises(ChannelClosed):
        await channel.send(b"x")


async def test_close_wakes_a_receive_that_is_waiting() -> None:
    async with await serve_tcp(LOOPBACK, 0, None, echo) as server:
        channel = await open_tcp_channel(LOOPBACK, server.port)
        waiting = asyncio.create_task(channel.receive(timeout=10))
        await asyncio.sleep(0.05)
        await channel.close()
        with pytest.raises(ChannelClosed):
            await asyncio.wait_for(waiting, 2)


async def test_host_in_tpdu_answer_mode_replies_with_swapped_addresses() -> None:
    terminal_tpdu = Tpdu(destination=0x0001, source=0x0000)
    async with await serve_tcp(LOOPBACK, 0, TpduFramer(), echo) as server:
        async with await open_tcp_channel(LOOPBACK, server.port, TpduFramer(terminal_tpdu)) as terminal:
            await terminal.send(b"0200")
            assert await terminal.receive(timeout=2) == b"0200"
            assert isinstance(terminal.framer, TpduFramer)
            assert terminal.framer.last_tpdu == terminal_tpdu.response()
