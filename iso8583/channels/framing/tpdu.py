"""Two-byte length + 5-byte TPDU header: the framing of terminals behind a NAC.

A TPDU (Transport Protocol Data Unit header) is ``60 DDDD OOOO``: the ID 0x60, a 2-byte
destination address and a 2-byte origin address (often the host's NII, e.g. ``0001``). The
2-byte big-endian length counts the TPDU plus the message. A host answers with the
addresses swapped, which is what terminals check; :meth:`Tpdu.swap` gives that header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar, Self

from iso8583.channels.errors import ChannelError, FramingError
from iso8583.channels.framing.binary_length import TwoByteLengthFramer

log = logging.getLogger(__name__)

TPDU_ID = 0x60
TPDU_SIZE = 5


@dataclass(frozen=True)
class Tpdu:
    """A TPDU header: ID 0x60, destination and origin addresses (0..0xFFFF each)."""

    destination: int
    origin: int

    def __post_init__(self) -> None:
        for name in ("destination", "origin"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFFFF:
                raise ChannelError(f"TPDU {name} address {value!r} is not in 0..0xFFFF")

    def to_bytes(self) -> bytes:
        """The 5 header bytes as sent on the wire."""
        return bytes([TPDU_ID]) + self.destination.to_bytes(2, "big") + self.origin.to_bytes(2, "big")

    @classmethod
    def from_bytes(cls, raw: bytes, offset: int = 0) -> Tpdu:
        """Parse 5 header bytes found at stream ``offset``; FramingError if not a TPDU."""
        if len(raw) != TPDU_SIZE:
            raise FramingError(f"TPDU at offset {offset} has {len(raw)} bytes, expected {TPDU_SIZE}", offset)
        if raw[0] != TPDU_ID:
            raise FramingError(f"TPDU ID at offset {offset} is 0x{raw[0]:02X}, expected 0x{TPDU_ID:02X}", offset)
        return cls(destination=int.from_bytes(raw[1:3], "big"), origin=int.from_bytes(raw[3:5], "big"))

    @classmethod
    def from_hex(cls, text: str) -> Tpdu:
        """Parse the usual 10-hex-digit notation, e.g. ``"6000010000"``."""
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ChannelError(f"TPDU {text!r} is not 10 hex digits") from None
        if len(raw) != TPDU_SIZE:
            raise ChannelError(f"TPDU {text!r} is not 10 hex digits")
        return cls.from_bytes(raw)

    def swap(self) -> Tpdu:
        """The header of the answer: destination and origin exchanged."""
        return Tpdu(destination=self.origin, origin=self.destination)

    def __str__(self) -> str:
        return self.to_bytes().hex().upper()


@dataclass(frozen=True)
class TpduFrame:
    """One received frame: its TPDU header and the message after it."""

    tpdu: Tpdu
    payload: bytes


class TpduFramer(TwoByteLengthFramer):
    """2-byte length, TPDU, message.

    ``tpdu`` is the header put on every frame sent (a terminal's). Leave it ``None`` for
    *answer mode* (a host's): each frame sent carries the swapped TPDU of the last frame
    received. ``feed`` returns messages without their header, like every framer; use
    ``feed_frames`` to get the headers too, or ``last_tpdu`` for the latest one.
    """

    min_length: ClassVar[int] = TPDU_SIZE
    max_length: ClassVar[int] = 0xFFFF
    description: ClassVar[str] = "2-byte length + TPDU framing"

    def __init__(self, tpdu: Tpdu | None = None, *, receive_limit: int | None = None) -> None:
        super().__init__(receive_limit=receive_limit)
        self.tpdu = tpdu
        self.last_tpdu: Tpdu | None = None

    def _check_body(self, body: bytes, offset: int) -> None:
        Tpdu.from_bytes(body[:TPDU_SIZE], offset)

    def outgoing_tpdu(self) -> Tpdu:
        """The header the next ``encode`` will use."""
        if self.tpdu is not None:
            return self.tpdu
        if self.last_tpdu is None:
            raise ChannelError("TPDU framer in answer mode has no received TPDU to answer yet")
        return self.last_tpdu.swap()

    def encode(self, payload: bytes) -> bytes:
        """Frame ``payload`` behind the outgoing TPDU (see the class docstring)."""
        return self.encode_frame(TpduFrame(self.outgoing_tpdu(), payload))

    def encode_frame(self, frame: TpduFrame) -> bytes:
        """Frame ``frame.payload`` behind an explicit ``frame.tpdu``."""
        return self._frame_body(frame.tpdu.to_bytes() + frame.payload)

    def feed_frames(self, data: bytes) -> list[TpduFrame]:
        """Like ``feed`` but return each message with its TPDU."""
        try:
            bodies = self._feed_bodies(data)
        except FramingError as exc:
            frames = [self._split(body) for body in exc.decoded]
            raise exc.with_decoded(frame.payload for frame in frames) from None
        return [self._split(body) for body in bodies]

    def feed(self, data: bytes) -> list[bytes]:
        """Return the messages (TPDU removed) completed by ``data``."""
        return [frame.payload for frame in self.feed_frames(data)]

    def _split(self, body: bytes) -> TpduFrame:
        frame = TpduFrame(Tpdu.from_bytes(body[:TPDU_SIZE]), body[TPDU_SIZE:])
        self.last_tpdu = frame.tpdu
        return frame

    def fresh(self) -> Self:
        return type(self)(self.tpdu, receive_limit=self.receive_limit)
