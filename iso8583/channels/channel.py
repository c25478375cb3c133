"""The one ``Channel`` interface, and the channel that moves length-framed messages.

Terminal and host both talk through a ``Channel``: send a payload, receive a payload within
a timeout, close. Underneath, a channel owns a ``ByteStream`` (a transport) and a ``Framer``.
One background task per channel reads the stream and feeds the framer, so reads never race,
cancelling a ``receive`` never loses bytes, and every ``receive`` has its own timeout.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from iso8583.channels.errors import ChannelClosed, ChannelError, ChannelTimeout, FramingError
from iso8583.channels.framing import Framer
from iso8583.channels.streams import ByteStream

log = logging.getLogger(__name__)

DEFAULT_WRITE_TIMEOUT = 10.0


@runtime_checkable
class Channel(Protocol):
    """Whole messages to and from one peer, whatever the framing and transport."""

    peer: str
    """The other end, for logs: ``tcp://127.0.0.1:5000``, ``serial:///dev/ttyS0``, ``loop://``."""

    async def send(self, payload: bytes) -> None:
        """Send one message. ChannelClosed if the channel is closed, ChannelTimeout if stuck."""
        ...

    async def receive(self, timeout: float) -> bytes:
        """The next message; ChannelTimeout if none is complete within ``timeout`` seconds."""
        ...

    async def close(self) -> None:
        """Close the channel and its transport. Idempotent."""
        ...


class BaseChannel(ABC):
    """Base of the concrete channels: the reading task, the inbox, closing and timeouts.

    Subclasses say what to do with received bytes (``_on_data``) and how to send. A fatal
    condition (peer closed, framing error on a stream that cannot resynchronise) is queued
    behind the messages already received, so a caller first gets every good message, then
    that error once, then ChannelClosed.
    """

    def __init__(self, stream: ByteStream, framer: Framer, *, write_timeout: float = DEFAULT_WRITE_TIMEOUT) -> None:
        self.peer = stream.peer
        self.framer = framer
        self._stream = stream
        self._write_timeout = write_timeout
        self._write_lock = asyncio.Lock()
        self._inbox: asyncio.Queue[bytes | ChannelError] = asyncio.Queue()
        self._ended: ChannelError | None = None  # the reader's error, once a receive has raised it
        self._reader_error: ChannelError | None = None
        self._closed = False
        self._pump = asyncio.get_running_loop().create_task(self._run_pump(), name=f"channel reader {self.peer}")

    @property
    def closed(self) -> bool:
        """True once ``close`` was called or the channel ended on an error."""
        return self._closed or self._reader_error is not None

    async def _run_pump(self) -> None:
        try:
            while True:
                data = await self._stream.read_some(self._read_timeout())
                if data:
                    log.debug("%s << %d raw bytes", self.peer, len(data))
                    await self._on_data(data)
                else:
                    self._on_idle()
        except asyncio.CancelledError:
            raise
        except ChannelClosed as exc:
            if self.framer.pending:
                exc = ChannelClosed(f"{exc} in the middle of a frame ({self.framer.pending} bytes pending)")
            self._fail(exc)
        except ChannelError as exc:
            self._fail(exc)
        except Exception as exc:  # a transport bug must not leave receivers waiting forever
            log.exception("reader of %s failed", self.peer)
            self._fail(ChannelClosed(f"reader of {self.peer} failed: {exc!r}"))

    def _read_timeout(self) -> float | None:
        """How long the reader may wait for bytes before ``_on_idle``; None: no limit."""
        return None

    def _on_idle(self) -> None:
        """Called when ``_read_timeout`` passed without bytes."""

    @abstractmethod
    async def _on_data(self, data: bytes) -> None:
        """Handle received bytes: decode them and ``_deliver`` each message."""

    def _deliver(self, payload: bytes) -> None:
        log.debug("%s << %d-byte message", self.peer, len(payload))
        self._inbox.put_nowait(payload)

    def _fail(self, error: ChannelError) -> None:
        """End reading: queue ``error`` for the next ``receive`` after the good messages."""
        # A peer hanging up between messages is how one-exchange-per-connection links end: not a warning.
        quiet = isinstance(error, ChannelClosed) and not self.framer.pending
        (log.debug if quiet else log.warning)("channel %s: %s", self.peer, error)
        self._reader_error = error
        self._inbox.put_nowait(error)

    async def receive(self, timeout: float) -> bytes:
        if self._closed:
            raise ChannelClosed(f"channel to {self.peer} is closed")
        if self._ended is not None and self._inbox.empty():
            raise ChannelClosed(f"channel to {self.peer} is closed ({self._ended})")
        try:
            async with asyncio.timeout(timeout):  # not wait_for: on 3.11 it can swallow a cancel
                item = await self._inbox.get()
        except TimeoutError:
            raise ChannelTimeout(f"receive from {self.peer}", timeout) from None
        if isinstance(item, ChannelError):
            self._ended = self._ended or item
            raise item
        return item

    async def _write(self, data: bytes) -> None:
        async with self._write_lock:
            await self._stream.write(data, self._write_timeout)

    def _check_open(self) -> None:
        if self._closed:
            raise ChannelClosed(f"channel to {self.peer} is closed")
        if self._reader_error is not None:
            raise ChannelClosed(f"channel to {self.peer} is closed ({self._reader_error})")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pump.cancel()
        try:
            # asyncio.wait, not "await self._pump": suppressing the pump's CancelledError
            # would also swallow a cancellation of the task calling close().
            await asyncio.wait([self._pump])
        finally:
            await self._stream.close()
        self._inbox.put_nowait(ChannelClosed(f"channel to {self.peer} is closed"))  # wakes a waiting receive
        log.debug("channel %s closed", self.peer)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class StreamChannel(BaseChannel):
    """A channel over a reliable stream (TCP, or serial without a link protocol).

    A framing error means the stream has lost frame sync, so the channel stops reading and
    the next ``receive`` (after the good messages) raises that FramingError.
    """

    async def _on_data(self, data: bytes) -> None:
        try:
            payloads = self.framer.feed(data)
        except FramingError as exc:
            for payload in exc.decoded:
                self._deliver(payload)
            raise
        for payload in payloads:
            self._deliver(payload)

    async def send(self, payload: bytes) -> None:
        self._check_open()
        frame = self.framer.encode(payload)
        log.debug("%s >> %d-byte message", self.peer, len(payload))
        await self._write(frame)
