"""One persistent connection per simulated terminal, over :mod:`iso8583.channels` (asyncio).

The connection is opened on the first exchange and kept; a failure (no answer in time, the
peer hung up, a broken frame) closes it, and the next exchange opens a new one. A late answer
to a request that timed out is never taken for the answer of the next request: the connection
it would arrive on is gone. After a failed connect the next attempt waits a little longer each
time (up to :data:`MAX_BACKOFF`), so terminals facing a dead host do not spin.

Over TCP the link reads and writes the connection itself (:class:`_TcpLine`: an asyncio protocol
feeding the address's framer, one future and one timer per answer), not through a general
:class:`~iso8583.channels.BaseChannel`, whose reading task, inbox queue, write lock and three
timeouts per exchange suit a terminal or a server but cost a load terminal, which has one request
in flight and nothing else to read, about a sixth of its CPU per sale (docs/performance.md).
Serial addresses go through the channel.
"""

from __future__ import annotations

import asyncio
from collections import deque

from iso8583.channels import BaseChannel, ChannelError, connect
from iso8583.channels.address import ChannelAddress, Transport, parse_channel_url
from iso8583.channels.errors import ChannelClosed, ChannelTimeout
from iso8583.channels.framing.base import Framer
from simulator.load.terminal import Incoming, Lost, OpOutcome, Operation, Outgoing

FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0


class _TcpLine(asyncio.Protocol):
    """A TCP connection framed by its address's framer, for one exchange at a time: write the framed request,
    wait for the next message the framer completes. Frames that come unasked wait for the next exchange, as in a
    channel's inbox (the terminal then refuses them: not the answer to its request).

    An asyncio protocol, not a stream: the loop hands the received bytes to :meth:`data_received`, which feeds the
    framer and completes the waiting exchange's future at once, so an answer costs one wake-up of the terminal's
    task and one timer (the response timeout), instead of a stream reader's waiter, a timeout context and a drain.
    With one request in flight per connection the transport's write buffer never holds more than a frame, so there
    is nothing to drain: a request not yet written out times out like one not answered.
    """

    def __init__(self, framer: Framer, peer: str) -> None:
        self._framer, self.peer = framer, peer
        self._frames: deque[bytes] = deque()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._failure: ChannelError | None = None
        """Why the connection is broken (the next exchange raises it), None while it works."""

    @classmethod
    async def open(cls, address: ChannelAddress, connect_timeout: float) -> _TcpLine:
        """Connect; ChannelTimeout or ChannelError (the channel's own errors and texts) when that fails."""
        peer = f"tcp://{address.host}:{address.port}"
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(connect_timeout):
                _, line = await loop.create_connection(lambda: cls(address.framer(), peer), address.host, address.port)
        except TimeoutError:
            raise ChannelTimeout(f"connect to {peer}", connect_timeout) from None
        except OSError as exc:
            raise ChannelError(f"cannot connect to {peer}: {exc}") from exc
        return line

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._framer.feed(data)
        except ChannelError as error:  # a malformed frame: this connection is done
            self._fail(error)
            return
        if frames:
            self._frames.extend(frames)
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def eof_received(self) -> bool:
        self._fail(ChannelClosed(f"{self.peer} closed the connection"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ChannelClosed(f"connection to {self.peer} failed: {exc}") if exc is not None
                   else ChannelClosed(f"{self.peer} closed the connection"))

    # ------------------------------------------------------------------ the link's side

    def _fail(self, error: ChannelError) -> None:
        """Mark the connection broken (the first reason stays), wake a waiting exchange with it, close."""
        if self._failure is None:
            self._failure = error
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(self._failure)
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _time_out(self, timeout: float) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():  # not when the answer came in the same turn of the loop
            self._fail(ChannelTimeout(f"receive from {self.peer}", timeout))

    @property
    def closed(self) -> bool:
        return self._failure is not None or self._transport is None or self._transport.is_closing()

    async def exchange(self, payload: bytes, timeout: float) -> bytes:
        """Send ``payload`` and return the next message received; ChannelError (the connection is then broken)
        when it is not answered within ``timeout`` seconds, the peer hangs up, or the frame is malformed."""
        if self._failure is not None:
            raise self._failure
        transport = self._transport
        assert transport is not None
        frames = self._frames
        try:
            transport.write(self._framer.encode(payload))
        except (OSError, RuntimeError) as exc:
            self._fail(ChannelClosed(f"connection to {self.peer} failed: {exc}"))
            raise self._failure from exc  # type: ignore[misc]
        if not frames:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(timeout, self._time_out, timeout)
            try:
                await waiter
            except asyncio.CancelledError:  # the answer may still come: never take it for the next request's
                self._fail(ChannelClosed(f"exchange with {self.peer} cancelled"))
                raise
            finally:
                timer.cancel()
                self._waiter = None
        return frames.popleft()

    async def close(self) -> None:
        if self._failure is None:
            self._failure = ChannelClosed(f"connection to {self.peer} closed")
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.close()


class AsyncLink:
    """A terminal's connection to its host: ``exchange`` one request at a time."""

    def __init__(self, url: str, *, response_timeout: float, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.response_timeout = response_timeout
        self.connect_timeout = connect_timeout
        self.connects = 0
        """Connections opened so far (1 for a run without failures)."""
        self._channel: BaseChannel | _TcpLine | None = None
        self._backoff = 0.0

    async def _open(self) -> BaseChannel | _TcpLine:
        address = parse_channel_url(self.url)
        if address.transport is Transport.TCP:
            return await _TcpLine.open(address, self.connect_timeout)
        return await connect(address, connect_timeout=self.connect_timeout)

    async def exchange(self, outgoing: Outgoing) -> Incoming:
        """Send ``outgoing`` and return the answer's bytes, or :class:`Lost`."""
        channel = self._channel
        if channel is None or channel.closed:
            if self._backoff:
                await asyncio.sleep(self._backoff)
            try:
                channel = await self._open()
            except (ChannelError, OSError) as error:
                self._backoff = min(MAX_BACKOFF, max(FIRST_BACKOFF, 2 * self._backoff))
                return Lost(f"host unreachable: {error}", sent=False)
            self._channel, self._backoff = channel, 0.0
            self.connects += 1
        try:
            if isinstance(channel, _TcpLine):
                return await channel.exchange(outgoing.payload, self.response_timeout)
            await channel.send(outgoing.payload)
            return await channel.receive(timeout=self.response_timeout)
        except (ChannelError, OSError) as error:
            await self.close()
            return Lost(f"no response: {error}", sent=True)

    async def close(self) -> None:
        """Close the connection (the next exchange reconnects)."""
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()


async def perform(link: AsyncLink, operation: Operation) -> OpOutcome:
    """Run one terminal operation to its end over ``link``."""
    try:
        outgoing = next(operation)
        while True:
            outgoing = operation.send(await link.exchange(outgoing))
    except StopIteration as finished:
        return finished.value
