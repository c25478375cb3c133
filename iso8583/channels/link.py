"""The ACK/NAK link protocol of STX/ETX/LRC serial links, as a channel.

Stop-and-wait, as countertop terminals do it on RS-232:

* The receiver answers every well-formed frame with ACK (0x06) and every damaged one (bad
  LRC, bad length, missing ETX) with NAK (0x15).
* The sender sends one frame and waits up to ``ack_timeout`` for the answer. On NAK or on
  silence it resends, at most ``max_retries`` times (so at most ``max_retries + 1`` tries),
  then raises DeliveryFailed (a ChannelError).
* A receiver that holds part of a frame and hears nothing more for ``frame_timeout`` drops
  it, so that the sender's resend starts on a clean decoder.

The protocol has no sequence numbers: if an ACK is lost, the resent frame is delivered twice.
ISO 8583 already handles that one level up (a retransmission is recognised by its STAN).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from iso8583.channels.channel import DEFAULT_WRITE_TIMEOUT, BaseChannel
from iso8583.channels.errors import ChannelError, DeliveryFailed, FramingError, FrameTooLarge
from iso8583.channels.framing import FrameReceived, FrameRejected, LinkControl, StxEtxLrcFramer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.limits import LimitEvent
from iso8583.channels.streams import ByteStream

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkPolicy:
    """Timing and retry rules of the ACK/NAK protocol."""

    ack_timeout: float = 2.0
    """Seconds to wait for ACK/NAK after sending a frame."""
    max_retries: int = 3
    """Resends after the first try before giving up."""
    frame_timeout: float = 1.0
    """Seconds of silence after which a partial frame is dropped."""

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.ack_timeout <= 0 or self.frame_timeout <= 0:
            raise ChannelError(f"invalid link policy {self!r}: timeouts must be > 0 and retries >= 0")


class LinkChannel(BaseChannel):
    """A channel running the STX/ETX/LRC framing with the ACK/NAK protocol on any byte stream."""

    framer: StxEtxLrcFramer

    def __init__(
        self,
        stream: ByteStream,
        framer: StxEtxLrcFramer,
        policy: LinkPolicy | None = None,
        *,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        guard: InboundGuard | None = None,
    ) -> None:
        self.policy = policy or LinkPolicy()
        self._answers: asyncio.Queue[LinkControl] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self._last_byte_at = 0.0
        super().__init__(stream, framer, write_timeout=write_timeout, guard=guard)

    def _silence(self) -> float:
        return asyncio.get_running_loop().time() - self._last_byte_at

    def _read_timeout(self) -> float | None:
        limit = super()._read_timeout()
        if not self.framer.pending:
            return limit
        until_silent = max(0.0, self.policy.frame_timeout - self._silence())
        return until_silent if limit is None else min(limit, until_silent)

    def _on_idle(self) -> None:
        if self.framer.pending and self._silence() >= self.policy.frame_timeout:
            self._warn(
                LimitEvent.PARTIAL_FRAME, "%s: dropping a partial frame (%d bytes) after %g s of silence",
                self.peer, self.framer.pending, self.policy.frame_timeout,
            )
            self.framer.reset()

    async def _on_data(self, data: bytes) -> None:
        self._last_byte_at = asyncio.get_running_loop().time()
        events = self.framer.feed_events(data)
        if self.guard is not None:
            self.guard.frames_decoded(sum(isinstance(event, FrameRejected) for event in events))
        for event in events:
            if isinstance(event, FrameReceived):
                await self._write(bytes([LinkControl.ACK]))
                self._accept_frames([event.payload])
            elif isinstance(event, FrameRejected):
                self._warn(self._rejection_kind(event.error), "%s: NAK: %s", self.peer, event.error)
                await self._write(bytes([LinkControl.NAK]))
            else:
                log.debug("%s << %s", self.peer, event.name)
                self._answers.put_nowait(event)

    @staticmethod
    def _rejection_kind(error: FramingError) -> LimitEvent:
        return LimitEvent.FRAME_SIZE if isinstance(error, FrameTooLarge) else LimitEvent.BROKEN_FRAME

    def _warn(self, kind: LimitEvent, message: str, *args: object) -> None:
        """A warning about the line; on a server's line, at most one per interval per ``kind``."""
        if self.guard is not None:
            self.guard.events.report(kind, message, *args)
        else:
            log.warning(message, *args)

    async def send(self, payload: bytes) -> None:
        """Send ``payload`` and wait for its ACK, resending on NAK or silence (see the module)."""
        self._check_open()
        frame = self.framer.encode(payload)
        tries = self.policy.max_retries + 1
        async with self._send_lock:
            log.debug("%s >> %d-byte message", self.peer, len(payload))
            for attempt in range(1, tries + 1):
                self._drain_stale_answers()
                await self._write(frame)
                answer = await self._wait_answer()
                if answer is LinkControl.ACK:
                    self._note_sent()
                    return
                self._check_open()
                why = "NAK" if answer is LinkControl.NAK else f"no answer within {self.policy.ack_timeout:g} s"
                log.warning("%s: try %d/%d of a %d-byte frame: %s", self.peer, attempt, tries, len(payload), why)
        raise DeliveryFailed(f"{self.peer} did not acknowledge a frame after {tries} tries")

    async def _wait_answer(self) -> LinkControl | None:
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that coincides with the ACK's arrival, and close() would then wait forever.
            async with asyncio.timeout(self.policy.ack_timeout):
                return await self._answers.get()
        except TimeoutError:
            return None

    def _drain_stale_answers(self) -> None:
        while not self._answers.empty():
            log.debug("%s: ignoring a late %s", self.peer, self._answers.get_nowait().name)
