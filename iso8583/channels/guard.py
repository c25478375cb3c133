"""The per-connection half of :class:`.limits.ServerLimits`: what one peer may make a server hold.

A channel built with an :class:`InboundGuard` (servers build them; a terminal's channels have
none) asks it, around every read, how much it may read (bytes in flight), whether it must
wait first (frame rate) and whether a deadline has passed (partial frame, idle). The guard
keeps the clocks and the token bucket; the channel decides what to do (close a TCP
connection, drop a serial line's partial frame) and the :class:`.events.EventLog` shared by
the server's connections logs each class of event at most once per interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from iso8583.channels.errors import LimitExceeded
from iso8583.channels.events import EventLog
from iso8583.channels.limits import RATE_CLOSE_AFTER, LimitEvent, ServerLimits

BUSY_RECHECK = 1.0
"""While a connection is busy (a request being answered), how often its idle deadline is looked at again."""


class InboundGuard:
    """Clocks, token bucket and counters of one connection (see the module docstring).

    ``closes``: True for a TCP connection (a timeout or a flood ends it); False for a serial
    line, which is never closed for these: its stale partial frame is dropped instead and a
    flood is only slowed.
    """

    def __init__(
        self,
        limits: ServerLimits,
        events: EventLog,
        *,
        closes: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.events = events
        self.closes = closes
        self.clock = clock
        now = clock()
        self._tokens = self._burst()
        self._refilled_at = now
        self._last_activity = now
        self._frame_started: float | None = None
        self.frames = 0
        """Frames received so far, empty and rejected ones included."""
        self.receivers = 0
        """Handlers waiting in ``receive``: a connection with none is busy answering, never idle."""

    # -- activity and idleness -------------------------------------------------------------

    def note_activity(self) -> None:
        """A complete frame was received or a message sent: the idle clock restarts."""
        self._last_activity = self.clock()

    def idle_for(self, inbox_empty: bool) -> float | None:
        """Seconds this connection has been idle, or None while it is busy answering."""
        if self.receivers == 0 or not inbox_empty:
            return None
        return self.clock() - self._last_activity

    # -- frames ------------------------------------------------------------------------------

    def after_chunk(self, pending_before: int, frames_before: int, pending_after: int) -> None:
        """Track when the frame now in the decoder started (its first byte's arrival)."""
        if not pending_after:
            self._frame_started = None
        elif self.frames > frames_before or not pending_before:
            self._frame_started = self.clock()

    def partial_frame_dropped(self) -> None:
        self._frame_started = None

    def frames_decoded(self, count: int) -> None:
        """``count`` frames (empty and rejected ones included) were cut out of the stream."""
        self.frames += count

    def take_token(self) -> bool:
        """Spend one frame's allowance if there is one (always True without a rate)."""
        rate = self.limits.max_frames_per_second
        if not rate:
            return True
        self._refill(rate)
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def rate_delay(self) -> float:
        """Seconds until the next frame's allowance (0: now)."""
        rate = self.limits.max_frames_per_second
        if not rate:
            return 0.0
        self._refill(rate)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / rate

    def flood(self, held: int, peer: str) -> LimitExceeded | None:
        """The error to close with when ``held`` frames wait for their allowance: a TCP peer that has
        sent ``RATE_CLOSE_AFTER`` seconds' worth of frames ahead of its rate at once; else None."""
        rate = self.limits.max_frames_per_second
        if not (self.closes and rate and held > rate * RATE_CLOSE_AFTER):
            return None
        message = (f"{peer} sent {held} frames at once, more than {RATE_CLOSE_AFTER:g} s' worth"
                   f" of max_frames_per_second = {rate:g}: closed")
        return self.exceeded(LimitEvent.FRAME_RATE, message)

    def _burst(self) -> float:
        """The bucket's size: one second's worth of frames, and at least one frame."""
        return max(1.0, float(self.limits.max_frames_per_second))

    def _refill(self, rate: float) -> None:
        now = self.clock()
        self._tokens = min(self._burst(), self._tokens + (now - self._refilled_at) * rate)
        self._refilled_at = now

    # -- bytes in flight ---------------------------------------------------------------------

    def read_budget(self, in_flight: int) -> int | None:
        """How many bytes the channel may read now (None: no bound); 0 means wait for the handler."""
        bound = self.limits.max_bytes_in_flight
        return None if not bound else max(0, bound - in_flight)

    # -- deadlines ---------------------------------------------------------------------------

    def reading_paused(self, seconds: float) -> None:
        """The channel read nothing for ``seconds`` (rate or bytes in flight): not the peer's delay,
        so the partial frame's clock does not count them."""
        if self._frame_started is not None:
            self._frame_started += seconds

    def next_deadline(self, pending: int, *, reading: bool = True) -> float | None:
        """Seconds until the next deadline may pass (None: none to watch); while the channel is not
        ``reading``, only the idle deadline counts (see :meth:`reading_paused`)."""
        now = self.clock()
        waits: list[float] = []
        if reading and pending and self.limits.partial_frame_timeout and self._frame_started is not None:
            waits.append(self._frame_started + self.limits.partial_frame_timeout - now)
        if self.closes and self.limits.idle_timeout:
            until_idle = self._last_activity + self.limits.idle_timeout - now
            waits.append(until_idle if until_idle > 0 else min(BUSY_RECHECK, self.limits.idle_timeout))
        return max(0.0, min(waits)) if waits else None

    def expired(self, pending: int, inbox_empty: bool, peer: str) -> LimitExceeded | None:
        """The deadline that has passed (reported to the event log), or None."""
        now = self.clock()
        timeout = self.limits.partial_frame_timeout
        if pending and timeout and self._frame_started is not None and now - self._frame_started >= timeout:
            action = "closed" if self.closes else "dropped"
            message = (f"{peer}: a frame started {now - self._frame_started:.1f} s ago is still incomplete"
                       f" ({pending} bytes; partial_frame_timeout = {timeout:g} s): {action}")
            return self.exceeded(LimitEvent.PARTIAL_FRAME, message)
        idle = self.idle_for(inbox_empty)
        if self.closes and self.limits.idle_timeout and idle is not None and idle >= self.limits.idle_timeout:
            message = (f"{peer}: no complete frame for {idle:.1f} s"
                       f" (idle_timeout = {self.limits.idle_timeout:g} s): closed")
            return self.exceeded(LimitEvent.IDLE, message)
        return None

    def exceeded(self, kind: LimitEvent, message: str) -> LimitExceeded:
        """Log ``message`` (rate-limited per ``kind``; idle closures at INFO) and return the matching error."""
        self.events.report(kind, "%s", message, level=logging.INFO if kind is LimitEvent.IDLE else logging.WARNING)
        return LimitExceeded(kind, message)
