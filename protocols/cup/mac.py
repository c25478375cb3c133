"""DE 64 of ``cup-pos`` messages: the CUP ECB MAC over the bytes from the MTI to the end of DE 63.

The MAC element block (MAB) is the encoded message without the 11-byte header and without
DE 64 itself. :func:`apply_mac` sets DE 64 of a message to be sent; :func:`verify_frame_mac`
checks a received frame as it came off the wire, before anything else trusts it.
"""

from __future__ import annotations

from iso8583.codec import encode
from iso8583.dialect import Dialect
from iso8583.dialects import get_dialect
from iso8583.dialects.cup_pos import HEADER_LENGTH
from iso8583.dialects.cup_pos import NAME as CUP_POS
from iso8583.message import Message
from keys.cup_mac import CUP_ECB_MAC_LENGTH, cup_ecb_mac, verify_cup_ecb_mac
from protocols.cup.errors import CupFieldError

_BITMAP_LAST_BYTE = HEADER_LENGTH + 2 + 7
"""Offset of the bitmap byte holding bit 64 (after the header and the 2-byte BCD MTI)."""
_MINIMUM_FRAME = HEADER_LENGTH + 2 + 8 + CUP_ECB_MAC_LENGTH
_PLACEHOLDER = bytes(CUP_ECB_MAC_LENGTH)


def mac_block(frame: bytes) -> bytes:
    """The MAB of a ``cup-pos`` frame (header to DE 64, without the channel length) that has DE 64."""
    if len(frame) < _MINIMUM_FRAME:
        raise CupFieldError(64, "64", len(frame), f"a frame with DE 64 has at least {_MINIMUM_FRAME} bytes, "
                                                  f"got {len(frame)}")
    if not frame[_BITMAP_LAST_BYTE] & 0x01:
        raise CupFieldError(64, "64", _BITMAP_LAST_BYTE, "bit 64 is not set: the frame carries no MAC")
    return bytes(frame[HEADER_LENGTH:-CUP_ECB_MAC_LENGTH])


def apply_mac(message: Message, mak: bytes, dialect: Dialect | None = None) -> Message:
    """A copy of ``message`` with DE 64 set to the CUP ECB MAC of its MTI..DE 63 bytes under ``mak``."""
    fields = dict(message.fields)
    fields[64] = _PLACEHOLDER
    unsigned = Message(message.mti, fields, message.header)
    frame = encode(unsigned, dialect or get_dialect(CUP_POS))
    fields[64] = cup_ecb_mac(mak, mac_block(frame))
    return Message(message.mti, fields, message.header)


def verify_frame_mac(frame: bytes, mak: bytes) -> None:
    """Return if DE 64 of the received ``frame`` is right; raise otherwise.

    :class:`~keys.errors.MacVerificationError` for a wrong MAC (compared in constant time),
    :class:`~protocols.cup.errors.CupFieldError` for a frame without DE 64.
    """
    verify_cup_ecb_mac(mak, mac_block(frame), bytes(frame[-CUP_ECB_MAC_LENGTH:]))
