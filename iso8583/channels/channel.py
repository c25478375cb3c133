"""The one ``Channel`` interface, and the channel that moves length-framed messages.

Terminal and host both talk through a ``Channel``: send a payload, receive a payload within
a timeout, close. Underneath, a channel owns a ``ByteStream`` (a transport) and a ``Framer``.
One background task per channel reads the stream and feeds the framer, so reads never race,
cancelling a ``receive`` never loses bytes, and every ``receive`` has its own timeout.

A server's channels also carry an :class:`~iso8583.channels.guard.InboundGuard`: then the
reader reads no more than the connection's bytes-in-flight allowance, hands decoded frames
to the handler no faster than the frame rate (holding the others, and reading nothing more
while it holds any), watches the partial-frame and idle deadlines, and drops empty frames
(they never reach the handler). Every ``receive`` first yields to the other tasks, so a connection with
many queued requests is served one request at a time, in turn with the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import deque
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from iso8583.channels.errors import (
    ChannelClosed,
    ChannelError,
    ChannelTimeout,
    FrameTooLarge,
    FramingError,
    LimitExceeded,
)
from iso8583.channels.framing import Framer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.limits import LimitEvent
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

    async def receive(self, timeout: float | None) -> bytes:
        """The next message; ChannelTimeout if none is complete within ``timeout`` seconds (None: no limit)."""
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

    def __init__(
        self,
        stream: ByteStream,
        framer: Framer,
        *,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        guard: InboundGuard | None = None,
    ) -> None:
        self.peer = stream.peer
        self.framer = framer
        self.guard = guard
        self._stream = stream
        self._write_timeout = write_timeout
        self._write_lock = asyncio.Lock()
        self._inbox: asyncio.Queue[bytes | ChannelError] = asyncio.Queue()
        self._inbox_bytes = 0
        self._held: deque[bytes] = deque()  # decoded, waiting for the frame rate to allow them (guarded only)
        self._held_bytes = 0
        self._taken = asyncio.Event()  # set when receive takes a message: room for the reader again
        self._ended: ChannelError | None = None  # the reader's error, once a receive has raised it
        self._reader_error: ChannelError | None = None
        self._closed = False
        self._pump = asyncio.get_running_loop().create_task(self._run_pump(), name=f"channel reader {self.peer}")

    @property
    def closed(self) -> bool:
        """True once ``close`` was called or the channel ended on an error."""
        return self._closed or self._reader_error is not None

    async def _run_pump(self) -> None:
        # The deadlines are checked before each read (in _wait_for_room on a guarded channel; an unguarded
        # one has none), so a passed deadline is acted on whether the last read brought bytes or not.
        try:
            while True:
                budget = await self._wait_for_room() if self.guard is not None else None
                data = await self._stream.read_some(self._read_timeout(), budget)
                if data:
                    log.debug("%s << %d raw bytes", self.peer, len(data))
                    await self._take_chunk(data)
                else:
                    self._on_idle()
        except asyncio.CancelledError:
            raise
        except LimitExceeded as exc:
            self._fail(exc)
        except ChannelClosed as exc:
            if self.framer.pending:
                exc = ChannelClosed(f"{exc} in the middle of a frame ({self.framer.pending} bytes pending)")
            self._fail(exc)
        except ChannelError as exc:
            self._fail(exc)
        except Exception as exc:  # a transport bug must not leave receivers waiting forever
            log.exception("reader of %s failed", self.peer)
            self._fail(ChannelClosed(f"reader of {self.peer} failed: {exc!r}"))

    async def _take_chunk(self, data: bytes) -> None:
        if self.guard is None:
            await self._on_data(data)
            return
        pending, frames = self.framer.pending, self.guard.frames
        await self._on_data(data)
        self.guard.after_chunk(pending, frames, self.framer.pending)

    def _read_timeout(self) -> float | None:
        """How long the reader may wait for bytes before ``_on_idle``; None: no limit."""
        return self.guard.next_deadline(self.framer.pending) if self.guard is not None else None

    def _on_idle(self) -> None:
        """Called when ``_read_timeout`` passed without bytes."""

    # -- limits (servers only) -------------------------------------------------------------------

    @property
    def bytes_in_flight(self) -> int:
        """Received bytes not yet taken by ``receive``: queued and held messages and the partial frame."""
        return self._inbox_bytes + self._held_bytes + self.framer.pending

    def idle_for(self) -> float | None:
        """Seconds this channel has waited for a request with nothing to answer; None if busy or unguarded."""
        if self.guard is None or self._held:
            return None
        return self.guard.idle_for(self._inbox.empty())

    async def _wait_for_room(self) -> int | None:
        """Wait until held frames are handed over and the bytes in flight allow reading; how much to read."""
        guard = self.guard
        assert guard is not None
        slowed: LimitEvent | None = None
        while True:
            self._check_deadlines()
            self._release_held()
            budget = guard.read_budget(self.bytes_in_flight)
            if not self._held and budget != 0:
                return budget
            kind = LimitEvent.FRAME_RATE if self._held else LimitEvent.BYTES_IN_FLIGHT
            if slowed is not kind:
                slowed = kind
                limits = guard.limits
                if self._held:
                    detail = f"{len(self._held)} frames over max_frames_per_second = {limits.max_frames_per_second:g}"
                else:
                    detail = f"{self.bytes_in_flight} bytes unanswered, max_bytes_in_flight = {limits.max_bytes_in_flight}"
                guard.events.report(kind, "%s: reading paused (%s)", self.peer, detail)
            deadline = guard.next_deadline(self.framer.pending, reading=False)
            paused_at = guard.clock()
            if self._held:
                delay = guard.rate_delay()
                await asyncio.sleep(delay if deadline is None else min(delay, deadline))
            else:
                self._taken.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(deadline):
                        await self._taken.wait()
            guard.reading_paused(guard.clock() - paused_at)

    def _check_deadlines(self) -> None:
        """Act on a passed partial-frame or idle deadline: raise LimitExceeded, or drop the partial frame."""
        if self.guard is None:
            return
        error = self.guard.expired(self.framer.pending, self._inbox.empty() and not self._held, self.peer)
        if error is None:
            return
        if error.kind == LimitEvent.PARTIAL_FRAME and not self.guard.closes:
            self.framer.reset()
            self.guard.partial_frame_dropped()
            return
        raise error

    def _accept_frames(self, payloads: list[bytes]) -> None:
        """Hand decoded payloads to ``receive``; on a guarded channel, within the frame rate.

        Frames beyond the rate are held (and the reader reads nothing more until they are
        handed over); a TCP peer holding more than ``RATE_CLOSE_AFTER`` seconds' worth at
        once is a flood and is closed. Empty frames count against the rate but are dropped.
        """
        if self.guard is None:
            for payload in payloads:
                self._deliver(payload)
            return
        self.guard.frames_decoded(len(payloads))
        self._held.extend(payloads)
        self._held_bytes += sum(map(len, payloads))
        flood = self.guard.flood(len(self._held), self.peer)
        if flood is not None:
            raise flood
        self._release_held()

    def _release_held(self) -> None:
        empty = 0
        while self._held and self.guard is not None and self.guard.take_token():
            payload = self._held.popleft()
            self._held_bytes -= len(payload)
            if payload:
                self._deliver(payload)
            else:
                empty += 1
        if empty and self.guard is not None:
            self.guard.events.report(
                LimitEvent.EMPTY_FRAME, "%s: %d empty frame(s) dropped (a frame must carry a message)",
                self.peer, empty,
            )

    def _as_limit(self, error: FramingError) -> ChannelError:
        """On a guarded channel a frame over the size limit is a limit event, not a link error."""
        if self.guard is None or not isinstance(error, FrameTooLarge):
            return error
        return self.guard.exceeded(LimitEvent.FRAME_SIZE, f"{self.peer}: {error}: closed")

    def abort(self, error: ChannelError) -> None:
        """End the channel from outside (a server making room): reading stops, ``receive`` raises ``error``."""
        if self.closed:
            return
        self._pump.cancel()
        self._fail(error)

    @abstractmethod
    async def _on_data(self, data: bytes) -> None:
        """Handle received bytes: decode them and ``_deliver`` each message."""

    def _deliver(self, payload: bytes) -> None:
        log.debug("%s << %d-byte message", self.peer, len(payload))
        if self.guard is not None:
            self.guard.note_activity()
        self._inbox_bytes += len(payload)
        self._inbox.put_nowait(payload)

    def _fail(self, error: ChannelError) -> None:
        """End reading: queue ``error`` for the next ``receive`` after the good messages.

        A LimitExceeded (already logged by the guard) drops the queued messages first: the
        connection is being closed for what it sent, and unanswered requests are safe to drop
        (the terminal reverses what it gets no answer to).
        """
        if isinstance(error, LimitExceeded):
            while not self._inbox.empty():
                self._inbox.get_nowait()
            self._inbox_bytes = 0
            self._held.clear()
            self._held_bytes = 0
        elif isinstance(error, ChannelClosed) and not self.framer.pending:
            # A peer hanging up between messages is how one-exchange-per-connection links end: not a warning.
            log.debug("channel %s: %s", self.peer, error)
        elif self.guard is not None:  # a server: one line per interval, however many peers misbehave
            self.guard.events.report(LimitEvent.BROKEN_FRAME, "channel %s: %s", self.peer, error)
        else:
            log.warning("channel %s: %s", self.peer, error)
        self._reader_error = error
        self._inbox.put_nowait(error)

    async def receive(self, timeout: float | None) -> bytes:
        """The next message; ChannelTimeout after ``timeout`` seconds without one (None: wait without limit)."""
        if not self._inbox.empty():
            # One request at a time: let the other connections have their turn first. (With nothing
            # queued, waiting for the next message below lets them run anyway.)
            await asyncio.sleep(0)
        if self._closed:
            raise ChannelClosed(f"channel to {self.peer} is closed")
        if self._ended is not None and self._inbox.empty():
            raise ChannelClosed(f"channel to {self.peer} is closed ({self._ended})")
        if self.guard is not None:
            self.guard.receivers += 1
        try:
            if timeout is None:
                item = await self._inbox.get()
            else:
                async with asyncio.timeout(timeout):  # not wait_for: on 3.11 it can swallow a cancel
                    item = await self._inbox.get()
        except TimeoutError:
            raise ChannelTimeout(f"receive from {self.peer}", timeout or 0.0) from None
        finally:
            if self.guard is not None:
                self.guard.receivers -= 1
        if isinstance(item, ChannelError):
            self._ended = self._ended or item
            raise item
        self._inbox_bytes -= len(item)
        self._taken.set()
        return item

    async def _write(self, data: bytes) -> None:
        async with self._write_lock:
            await self._stream.write(data, self._write_timeout)

    def _note_sent(self) -> None:
        """A message went out: for a server, the connection is not idle."""
        if self.guard is not None:
            self.guard.note_activity()

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
        self._release_buffers()
        self._inbox.put_nowait(ChannelClosed(f"channel to {self.peer} is closed"))  # wakes a waiting receive
        log.debug("channel %s closed", self.peer)

    def _release_buffers(self) -> None:
        """Free what a closed channel holds now, not when the garbage collector gets to it.

        Nothing queued can be received any more. The stored error's traceback holds the frames
        that raised it, and they hold this channel: without it the channel and its buffers would
        wait in a reference cycle for a full collection (a server closing hundreds of
        connections with half-sent frames would keep all their bytes meanwhile).
        """
        self.framer.reset()
        self._held.clear()
        self._held_bytes = 0
        while not self._inbox.empty():
            self._inbox.get_nowait()
        self._inbox_bytes = 0
        for error in (self._reader_error, self._ended):
            if error is not None:
                error.__traceback__ = None

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
            self._accept_frames(list(exc.decoded))
            raise self._as_limit(exc) from None
        self._accept_frames(payloads)

    async def send(self, payload: bytes) -> None:
        self._check_open()
        frame = self.framer.encode(payload)
        log.debug("%s >> %d-byte message", self.peer, len(payload))
        await self._write(frame)
        self._note_sent()
