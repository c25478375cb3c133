"""The load terminal's TCP link (simulator.load.link.AsyncLink): one request, its answer or a Lost, on 127.0.0.1.

Each test runs a small asyncio server speaking the default TCP framing (a 2-byte big-endian length, then the
message) and tells it what to do with a request: answer, stay silent, or hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from simulator.load.link import AsyncLink
from simulator.load.terminal import Lost, Outgoing

Behaviour = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


def request(payload: bytes) -> Outgoing:
    return Outgoing("sale", "0200/000000", payload)


@asynccontextmanager
async def server(behaviour: Behaviour) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(2), "big")
                await behaviour(await reader.readexactly(size), writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        listener.close()
        await listener.wait_closed()


async def answer_reversed(message: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(len(message).to_bytes(2, "big") + message[::-1])
    await writer.drain()


async def stay_silent(message: bytes, writer: asyncio.StreamWriter) -> None:
    return None


async def hang_up(message: bytes, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def two_answers_in_one_write(message: bytes, writer: asyncio.StreamWriter) -> None:
    frame = len(message).to_bytes(2, "big") + message
    writer.write(frame + frame[:2] + b"X" * (len(message) - 1) + b"Y")
    await writer.drain()


async def test_an_answer_comes_back_unframed_over_one_kept_connection() -> None:
    async with server(answer_reversed) as url:
        link = AsyncLink(url, response_timeout=5.0)
        try:
            answers = [await link.exchange(request(b"0200abc")), await link.exchange(request(b"0200def"))]
        finally:
            await link.close()
    assert (answers, link.connects) == ([b"cba0020", b"fed0020"], 1)


async def test_no_answer_in_time_is_lost_after_sending_and_the_next_exchange_reconnects() -> None:
    async with server(stay_silent) as url:
        link = AsyncLink(url, response_timeout=0.2)
        try:
            first = await link.exchange(request(b"0200abc"))
            await link.exchange(request(b"0200def"))
        finally:
            await link.close()
    assert isinstance(first, Lost) and first.sent and "timed out after 0.2 s" in first.reason
    assert link.connects == 2


async def test_a_host_that_hangs_up_loses_the_answer_after_sending() -> None:
    async with server(hang_up) as url:
        link = AsyncLink(url, response_timeout=5.0)
        try:
            lost = await link.exchange(request(b"0200abc"))
        finally:
            await link.close()
    assert isinstance(lost, Lost) and lost.sent and "closed the connection" in lost.reason


async def test_nothing_listening_is_lost_before_sending() -> None:
    async with server(answer_reversed) as url:
        pass  # the port is free again
    link = AsyncLink(url, response_timeout=5.0, connect_timeout=2.0)
    lost = await link.exchange(request(b"0200abc"))
    assert isinstance(lost, Lost) and not lost.sent and "host unreachable" in lost.reason


async def test_a_frame_that_came_unasked_is_the_next_exchange_s_answer_as_on_a_channel() -> None:
    async with server(two_answers_in_one_write) as url:
        link = AsyncLink(url, response_timeout=5.0)
        try:
            first = await link.exchange(request(b"0200abc"))
            second = await link.exchange(request(b"0200def"))
        finally:
            await link.close()
    assert (first, second[-1:]) == (b"0200abc", b"Y")


async def answer_a_frame_too_short_for_its_tpdu(message: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(b"\x00\x01X")  # one byte: a TPDU-framed message starts with its 5-byte TPDU
    await writer.drain()


async def answer_late(message: bytes, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(0.3)
    await answer_reversed(message, writer)


async def test_a_malformed_frame_is_lost_after_sending_and_the_next_exchange_reconnects() -> None:
    async with server(answer_a_frame_too_short_for_its_tpdu) as url:
        link = AsyncLink(f"{url}?framing=tpdu&tpdu=6000010000", response_timeout=5.0)
        try:
            lost = await link.exchange(request(b"0200abc"))
            await link.exchange(request(b"0200def"))
        finally:
            await link.close()
    assert isinstance(lost, Lost) and lost.sent and "below the minimum" in lost.reason
    assert link.connects == 2


async def test_after_a_cancelled_exchange_its_late_answer_is_never_taken_for_the_next_request() -> None:
    async with server(answer_late) as url:
        link = AsyncLink(url, response_timeout=5.0)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(link.exchange(request(b"0200abc")), timeout=0.05)
            answer = await link.exchange(request(b"0200def"))
        finally:
            await link.close()
    assert (answer, link.connects) == (b"fed0020", 2)


async def test_an_answer_and_its_timeout_in_the_same_turn_of_the_loop_keep_the_connection() -> None:
    """The answer completed the exchange first: the timer that fires before the exchange resumes changes nothing."""
    from iso8583.channels.framing.binary_length import TwoByteLengthFramer
    from simulator.load.link import _TcpLine

    class Transport:
        closed = False

        def write(self, data: bytes) -> None:
            pass

        def is_closing(self) -> bool:
            return self.closed

        def close(self) -> None:
            self.closed = True

    line = _TcpLine(TwoByteLengthFramer(), "tcp://127.0.0.1:1")
    transport = Transport()
    line.connection_made(transport)  # type: ignore[arg-type]
    exchange = asyncio.ensure_future(line.exchange(b"0200abc", timeout=5.0))
    await asyncio.sleep(0)  # the request is written; the exchange waits
    line.data_received(b"\x00\x040210")
    line._time_out(5.0)
    assert await exchange == b"0210"
    assert not line.closed and not transport.closed
