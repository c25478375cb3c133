"""One persistent connection per simulated terminal, over :mod:`iso8583.channels` (asyncio).

The connection is opened on the first exchange and kept; a failure (no answer in time, the
peer hung up, a broken frame) closes it, and the next exchange opens a new one. A late answer
to a request that timed out is never taken for the answer of the next request: the connection
it would arrive on is gone. After a failed connect the next attempt waits a little longer each
time (up to :data:`MAX_BACKOFF`), so terminals facing a dead host do not spin.

Over TCP the link reads and writes the connection itself (:class:`_TcpLine`: the address's framer
on an asyncio stream, one awaited read per answer), not through a general
:class:`~iso8583.channels.BaseChannel`, whose reading task, inbox queue, write lock and three
timeouts per exchange suit a terminal or a server but cost a load terminal, which has one request
in flight and nothing else to read, about a sixth of its CPU per sale (docs/performance.md).
Serial addresses go through the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from iso8583.channels import BaseChannel, ChannelError, connect
from iso8583.channels.address import ChannelAddress, Transport, parse_channel_url
from iso8583.channels.errors import ChannelClosed, ChannelTimeout
from iso8583.channels.framing.base import Framer
from simulator.load.terminal import Incoming, Lost, OpOutcome, Operation, Outgoing

FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0
READ_CHUNK = 65536


class _TcpLine:
    """A TCP connection framed by its address's framer, for one exchange at a time: write the framed request,
    read until the framer gives a message. Frames that come unasked wait for the next exchange, as in a channel's
    inbox (the terminal then refuses them: not the answer to its request)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, framer: Framer, peer: str) -> None:
        self._reader, self._writer, self._framer, self.peer = reader, writer, framer, peer
        self._frames: deque[bytes] = deque()
        self._broken = False

    @classmethod
    async def open(cls, address: ChannelAddress, connect_timeout: float) -> _TcpLine:
        """Connect; ChannelTimeout or ChannelError (the channel's own errors and texts) when that fails."""
        peer = f"tcp://{address.host}:{address.port}"
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(address.host, address.port)
        except TimeoutError:
            raise ChannelTimeout(f"connect to {peer}", connect_timeout) from None
        except OSError as exc:
            raise ChannelError(f"cannot connect to {peer}: {exc}") from exc
        return cls(reader, writer, address.framer(), peer)

    @property
    def closed(self) -> bool:
        return self._broken or self._writer.is_closing()

    async def exchange(self, payload: bytes, timeout: float) -> bytes:
        """Send ``payload`` and return the next message received; ChannelError (the connection is then broken)
        when it is not answered within ``timeout`` seconds, the peer hangs up, or the frame is malformed."""
        try:
            self._writer.write(self._framer.encode(payload))
            async with asyncio.timeout(timeout):
                await self._writer.drain()
                while not self._frames:
                    data = await self._reader.read(READ_CHUNK)
                    if not data:
                        raise ChannelClosed(f"{self.peer} closed the connection")
                    self._frames.extend(self._framer.feed(data))
        except TimeoutError:
            self._broken = True
            raise ChannelTimeout(f"receive from {self.peer}", timeout) from None
        except OSError as exc:
            self._broken = True
            raise ChannelClosed(f"connection to {self.peer} failed: {exc}") from exc
        except ChannelError:
            self._broken = True
            raise
        return self._frames.popleft()

    async def close(self) -> None:
        self._broken = True
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()


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
