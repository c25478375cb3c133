"""An accepted TCP connection as a ``ByteStream``, read through a buffered protocol.

The server's channels read with ``read_some`` and write with ``write`` (:mod:`.streams`). Reading
a raw socket with ``loop.sock_recv`` registers it with the event loop's selector for every read
and removes it afterwards (two ``epoll_ctl`` calls per request, and a ``recv`` answered EAGAIN
first); a transport stays registered, and its :class:`asyncio.BufferedProtocol` receives the bytes
straight into a buffer owned here, so one request costs one ``recv``.

The buffer is bounded: the transport is given at most ``READ_CHUNK`` bytes of room and is paused
(the socket leaves the selector, what the peer sends waits in the kernel and TCP flow control
slows it) while the channel has not taken them. A connection thus holds at most ``READ_CHUNK``
bytes here besides its channel's bytes in flight, as when it was read ``READ_CHUNK`` at a time.

Writes go to the transport with no write buffer of its own (its high-water mark is 0): ``write``
returns once the kernel has taken every byte, which is at once in the usual case (one ``send``);
when the peer does not read, it waits up to its timeout, as ``loop.sock_sendall`` did.
"""

from __future__ import annotations

import asyncio
import socket
from typing import cast

from iso8583.channels.errors import ChannelClosed, ChannelTimeout
from iso8583.channels.tcp import tcp_url

READ_CHUNK = 4096
"""Bytes the transport may receive ahead of the channel: a whole request in the usual case, and little
memory per connection when hundreds of peers send at once (a large frame takes a few reads)."""


class _Reads(asyncio.BufferedProtocol):
    """The protocol half: fills the stream's bounded buffer and wakes whoever waits for it."""

    def __init__(self, stream: AcceptedStream) -> None:
        self._stream = stream

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream_transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        stream_transport.set_write_buffer_limits(high=0)  # write() waits until the kernel has taken the bytes
        self._stream._transport = stream_transport

    def get_buffer(self, sizehint: int) -> memoryview:
        stream = self._stream
        return memoryview(stream._buffer)[stream._filled:]

    def buffer_updated(self, nbytes: int) -> None:
        stream = self._stream
        stream._filled += nbytes
        if stream._filled == READ_CHUNK and stream._transport is not None:
            stream._transport.pause_reading()  # full: the rest stays in the kernel until the channel takes some
            stream._paused = True
        stream._wake(stream._reader)

    def eof_received(self) -> bool:
        self._stream._eof = True
        self._stream._wake(self._stream._reader)
        return False  # close the transport: a half-closed peer sends no more requests

    def pause_writing(self) -> None:
        self._stream._writing_paused = True

    def resume_writing(self) -> None:
        self._stream._writing_paused = False
        self._stream._wake(self._stream._drained)

    def connection_lost(self, exc: Exception | None) -> None:
        stream = self._stream
        stream._lost = exc if exc is not None else stream._lost
        stream._gone = True
        stream._writing_paused = False
        stream._wake(stream._reader)
        stream._wake(stream._drained)
        stream._wake(stream._closed_waiter)


class AcceptedStream:
    """A ``ByteStream`` over an accepted socket, through a transport and :class:`_Reads` (see the module)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        """The event loop serving the connection, asked once (``asyncio.get_running_loop`` is a getpid
        system call per use on Python 3.11), not per read."""
        self.peer = "tcp://?"
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray(READ_CHUNK)
        self._filled = 0
        self._paused = False
        self._eof = False
        self._gone = False
        self._lost: Exception | None = None
        self._writing_paused = False
        self._reader: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._closed_waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._deadline: float | None = None
        """When the waiting read returns empty-handed (the event loop's clock; None: it waits without limit)."""
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    async def accept(cls, sock: socket.socket) -> AcceptedStream:
        """Wrap ``sock`` (just accepted) in a transport reading into a new stream's buffer."""
        loop = asyncio.get_running_loop()
        stream = cls(loop)
        try:
            peername = sock.getpeername()
            stream.peer = tcp_url(peername[0], peername[1])
        except OSError:  # the peer is already gone
            pass
        await loop.connect_accepted_socket(lambda: _Reads(stream), sock)
        return stream

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_timer(self) -> None:
        """The read deadline's timer: wake the waiting read if its deadline has passed, else wait again.

        One timer per connection, kept across reads and moved only when a read's deadline is earlier:
        a deadline that moved later (the idle timeout, pushed back by every request) re-arms it when it
        fires, so a connection answering requests schedules no timer per request."""
        self._timer = None
        if self._reader is None or self._deadline is None:
            return  # no read waiting: the next one arms the timer again
        loop = self._loop
        if loop.time() >= self._deadline:
            self._wake(self._reader)
        else:
            self._timer = loop.call_at(self._deadline, self._on_timer)

    def _take(self, max_bytes: int | None) -> bytes:
        count = min(self._filled, max_bytes or READ_CHUNK)
        data = bytes(self._buffer[:count])
        rest = self._filled - count
        if rest:  # moved down in place: the buffer never changes size (the transport may hold a view of it)
            self._buffer[:rest] = self._buffer[count:self._filled]
        self._filled = rest
        if self._paused and self._transport is not None and not self._gone:
            self._paused = False
            self._transport.resume_reading()
        return data

    async def read_some(self, timeout: float | None, max_bytes: int | None = None) -> bytes:
        if self._closed:
            raise ChannelClosed(f"connection to {self.peer} is closed")
        if not self._filled and not self._eof and not self._gone:
            if timeout is not None and timeout <= 0:
                return b""
            loop = self._loop
            self._deadline = None if timeout is None else loop.time() + timeout
            if self._deadline is not None and (self._timer is None or self._timer.when() > self._deadline):
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = loop.call_at(self._deadline, self._on_timer)
            waiter = self._reader = loop.create_future()
            try:
                await waiter
            finally:
                self._reader = None
        if self._filled:
            return self._take(max_bytes)
        if self._eof:
            raise ChannelClosed(f"{self.peer} closed the connection")
        if self._gone:
            reason = f"failed: {self._lost}" if self._lost is not None else "closed"
            raise ChannelClosed(f"connection to {self.peer} {reason}")
        return b""  # the timeout passed

    async def write(self, data: bytes, timeout: float) -> None:
        transport = self._transport
        if self._closed or self._gone or transport is None or transport.is_closing():
            raise ChannelClosed(f"connection to {self.peer} is closed")
        transport.write(data)
        if not self._writing_paused:
            return
        waiter = self._drained = self._loop.create_future()
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            raise ChannelTimeout(f"send to {self.peer}", timeout) from None
        finally:
            self._drained = None
        if self._gone:
            raise ChannelClosed(f"connection to {self.peer} failed: {self._lost or 'closed while sending'}")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        transport = self._transport
        if transport is None or self._gone:
            return
        waiter = self._closed_waiter = self._loop.create_future()
        transport.abort()  # nothing queued is worth waiting for: write() returns only once the kernel has it
        await waiter  # connection_lost: the socket is closed
