"""Two-byte length + 5-byte TPDU header: the framing of terminals behind a NAC.

The header is :class:`iso8583.tpdu.Tpdu` (``60 DDDD SSSS``: the ID 0x60, a 2-byte destination
address, often the host's NII, and a 2-byte source address). The 2-byte big-endian length counts
the TPDU plus the message. A host answers with the addresses swapped, which is what terminals
check; :meth:`Tpdu.response` gives that header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar, Self

from iso8583.channels.errors import ChannelError, FramingError
from iso8583.channels.framing.binary_length import TwoByteLengthFramer
from iso8583.errors import Iso8583Error
from iso8583.tpdu import TPDU_LENGTH, TRANSACTION_ID, Tpdu

log = logging.getLogger(__name__)

__all__ = ["Tpdu", "TpduFrame", "TpduFramer"]


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

    min_length: ClassVar[int] = TPDU_LENGTH
    max_length: ClassVar[int] = 0xFFFF
    description: ClassVar[str] = "2-byte length + TPDU framing"

    def __init__(self, tpdu: Tpdu | None = None, *, receive_limit: int | None = None) -> None:
        super().__init__(receive_limit=receive_limit)
        self.tpdu = tpdu
        self.last_tpdu: Tpdu | None = None

    def _check_body(self, body: bytes, offset: int) -> None:
        _read_tpdu(body, offset)

    def outgoing_tpdu(self) -> Tpdu:
        """The header the next ``encode`` will use."""
        if self.tpdu is not None:
            return self.tpdu
        if self.last_tpdu is None:
            raise ChannelError("TPDU framer in answer mode has no received TPDU to answer yet")
        return self.last_tpdu.response()

    def encode(self, payload: bytes) -> bytes:
        """Frame ``payload`` behind the outgoing TPDU (see the class docstring)."""
        return self.encode_frame(TpduFrame(self.outgoing_tpdu(), payload))

    def encode_frame(self, frame: TpduFrame) -> bytes:
        """Frame ``frame.payload`` behind an explicit ``frame.tpdu``."""
        return self._frame_body(frame.tpdu.build() + frame.payload)

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
        frame = TpduFrame(_read_tpdu(body, 0), body[TPDU_LENGTH:])
        self.last_tpdu = frame.tpdu
        return frame

    def fresh(self) -> Self:
        return type(self)(self.tpdu, receive_limit=self.receive_limit)


def _read_tpdu(body: bytes, offset: int) -> Tpdu:
    """The TPDU at the start of a frame body found at stream ``offset``; FramingError if it is not one."""
    try:
        tpdu = Tpdu.parse(body[:TPDU_LENGTH])
    except Iso8583Error:
        raise FramingError(f"TPDU at offset {offset} has {len(body[:TPDU_LENGTH])} bytes, "
                           f"expected {TPDU_LENGTH}", offset) from None
    if tpdu.id != TRANSACTION_ID:
        raise FramingError(f"TPDU ID at offset {offset} is 0x{tpdu.id:02X}, expected 0x{TRANSACTION_ID:02X}", offset)
    return tpdu
