"""STX / BCD length / data / ETX / LRC framing of terminal serial links.

Wire format of one frame::

    STX (0x02) | LEN (2 bytes BCD) | DATA (LEN bytes) | ETX (0x03) | LRC (1 byte)

* LEN is the number of DATA bytes as four packed BCD digits, e.g. 0x01 0x23 = 123 bytes
  (the convention of most countertop terminals' RS-232 host links; max 9999). Being a
  length-delimited framing, DATA may contain any byte, including STX, ETX, ACK and NAK.
* LRC is the XOR of every byte after STX up to and including ETX (LEN, DATA, ETX).

Between frames a line carries the one-byte link answers ACK (0x06, frame good) and NAK
(0x15, frame bad: resend). ``feed_events`` reports them alongside frames so the link layer
(:mod:`iso8583.channels.link`) can run the ACK/NAK protocol; plain ``feed`` skips them.
Any other byte between frames is line noise and is skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import IntEnum
from functools import reduce
from typing import ClassVar, Self

from iso8583.channels.errors import FramingError, FrameTooLarge

log = logging.getLogger(__name__)

STX = 0x02
ETX = 0x03
MAX_LENGTH = 9999
_HEADER = 3  # STX + 2 length bytes
_TRAILER = 2  # ETX + LRC


class LinkControl(IntEnum):
    """The one-byte answers of the serial link protocol."""

    ACK = 0x06
    NAK = 0x15


@dataclass(frozen=True)
class FrameReceived:
    """A well-formed frame with a good LRC."""

    payload: bytes


@dataclass(frozen=True)
class FrameRejected:
    """A frame that must be NAKed: bad LRC, bad BCD length or missing ETX."""

    error: FramingError


StxEvent = FrameReceived | FrameRejected | LinkControl


def lrc(data: bytes) -> int:
    """XOR of all bytes of ``data``."""
    return reduce(lambda acc, byte: acc ^ byte, data, 0)


def _bcd_length(length: int) -> bytes:
    digits = f"{length:04d}"
    return bytes([int(digits[0]) << 4 | int(digits[1]), int(digits[2]) << 4 | int(digits[3])])


def _read_bcd_length(raw: bytes) -> int | None:
    """The value of two packed BCD bytes, or None if a nibble is above 9."""
    nibbles = [raw[0] >> 4, raw[0] & 0x0F, raw[1] >> 4, raw[1] & 0x0F]
    if any(n > 9 for n in nibbles):
        return None
    return int("".join(map(str, nibbles)))


class StxEtxLrcFramer:
    """Encoder and incremental decoder of STX/ETX/LRC frames (see the module docstring)."""

    description: ClassVar[str] = "STX/ETX/LRC framing"
    max_length: ClassVar[int] = MAX_LENGTH

    def __init__(self, *, receive_limit: int | None = None) -> None:
        self._buffer = bytearray()
        self._offset = 0
        self.receive_limit = receive_limit
        """The largest payload accepted (None: 9999); a longer frame is rejected (NAK) unread."""

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def fresh(self) -> Self:
        return type(self)(receive_limit=self.receive_limit)

    def limited(self, max_length: int) -> Self:
        """A fresh framer rejecting frames that announce more than ``max_length`` bytes."""
        framer = self.fresh()
        framer.receive_limit = max_length
        return framer

    def reset(self) -> None:
        if self._buffer:
            log.debug("%s decoder reset, dropping %d bytes", self.description, len(self._buffer))
        self._consume(len(self._buffer))

    def encode(self, payload: bytes) -> bytes:
        """Return STX, BCD length, ``payload``, ETX and the LRC."""
        if len(payload) > MAX_LENGTH:
            raise FramingError(
                f"{self.description}: a payload of {len(payload)} bytes exceeds the maximum of {MAX_LENGTH}"
            )
        checked = _bcd_length(len(payload)) + payload + bytes([ETX])
        return bytes([STX]) + checked + bytes([lrc(checked)])

    def feed(self, data: bytes) -> list[bytes]:
        """Return the payloads completed by ``data``; ACK/NAK and noise between frames are skipped.

        Raises the first rejected frame's FramingError (with the good payloads before it in
        ``decoded``); whatever followed it in the same chunk is dropped with it.
        """
        payloads: list[bytes] = []
        for event in self.feed_events(data):
            if isinstance(event, FrameRejected):
                self.reset()
                raise event.error.with_decoded(payloads)
            if isinstance(event, FrameReceived):
                payloads.append(event.payload)
        return payloads

    def feed_events(self, data: bytes) -> list[StxEvent]:
        """Append ``data`` and return frames, rejected frames and ACK/NAK bytes in arrival order.

        A frame with a bad LRC is dropped alone (its extent is known). A bad length or a
        missing ETX leaves the frame's end unknown, so the whole buffer is dropped.
        """
        self._buffer += data
        events: list[StxEvent] = []
        while self._buffer:
            first = self._buffer[0]
            if first != STX:
                if first in (LinkControl.ACK, LinkControl.NAK):
                    events.append(LinkControl(first))
                else:
                    log.debug("skipping noise byte 0x%02X at offset %d", first, self._offset)
                self._consume(1)
                continue
            if len(self._buffer) < _HEADER:
                break
            start = self._offset
            length = _read_bcd_length(bytes(self._buffer[1:_HEADER]))
            if length is None:
                raw = self._buffer[1:_HEADER].hex().upper()
                events.append(self._reject(f"length 0x{raw} at offset {start + 1} is not 2 BCD bytes", start + 1))
                self.reset()
                break
            if self.receive_limit is not None and length > self.receive_limit:
                message = (f"{self.description}: length {length} at offset {start + 1} is over"
                           f" the {self.receive_limit} bytes accepted")
                events.append(FrameRejected(FrameTooLarge(message, start + 1)))
                self.reset()
                break
            end = _HEADER + length + _TRAILER
            if len(self._buffer) < end:
                break
            etx_at = _HEADER + length
            if self._buffer[etx_at] != ETX:
                got = self._buffer[etx_at]
                events.append(self._reject(f"expected ETX 0x03 at offset {start + etx_at}, got 0x{got:02X}", start + etx_at))
                self.reset()
                break
            got, computed = self._buffer[end - 1], lrc(self._buffer[1 : end - 1])
            if got != computed:
                message = f"LRC mismatch: got 0x{got:02X}, computed 0x{computed:02X} (frame at offset {start})"
                events.append(self._reject(message, start + end - 1))
            else:
                events.append(FrameReceived(bytes(self._buffer[_HEADER:etx_at])))
            self._consume(end)
        return events

    def _reject(self, message: str, offset: int) -> FrameRejected:
        return FrameRejected(FramingError(f"{self.description}: {message}", offset))

    def _consume(self, count: int) -> None:
        del self._buffer[:count]
        self._offset += count
