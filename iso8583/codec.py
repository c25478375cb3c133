"""Encode and decode ISO 8583 messages with a dialect: the two functions the rest of possim uses."""

from __future__ import annotations

from iso8583.dialect import Dialect
from iso8583.message import Message


def encode(message: Message, dialect: Dialect) -> bytes:
    """The wire bytes of ``message`` in ``dialect``: header, MTI, bitmaps, then the fields in order.

    The primary and secondary bitmaps are computed from the field numbers
    present (bit 1 set when a field 65-128 is, or always if the dialect says
    so). Raises :class:`~iso8583.errors.EncodeError` naming the field and what
    was expected (e.g. "field 4: 13 digits, max 12").
    """
    return dialect.compiled.encode(message)


def decode(data: bytes, dialect: Dialect) -> Message:
    """The message in ``data`` (bytes, bytearray or memoryview), validated against ``dialect``.

    Every byte must be accounted for: bitmaps name only defined fields, each
    field has the class, length and padding the dialect says, and nothing
    trails the last field. Raises :class:`~iso8583.errors.DecodeError` naming
    the field, the byte offset and what was expected. Decoding then encoding
    gives back the same bytes.
    """
    return dialect.compiled.decode(data)
