"""Character sets of the content classes and the EBCDIC translation tables.

The codec validates characters with C-speed ``bytes`` operations: a value is
valid when deleting every allowed byte (``bytes.translate(None, allowed)``)
leaves nothing. EBCDIC (code page 500) is handled by translating to ASCII
first, so every class check is written once, for ASCII. EBCDIC bytes that
have no printable-ASCII counterpart translate to NUL, which no class allows.
"""

from __future__ import annotations

import types
from collections.abc import Mapping

from iso8583.fieldspec import ContentClass

DIGITS = b"0123456789"
LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
PRINTABLE = bytes(range(0x20, 0x7F))
HEX_UPPER = b"0123456789ABCDEF"
TRACK_SEPARATOR = "="
"""Field separator of track 2 data (ISO 7813); BCD nibble 0xD."""

ALLOWED: Mapping[ContentClass, bytes] = types.MappingProxyType({
    ContentClass.N: DIGITS,
    ContentClass.AN: DIGITS + LETTERS,
    ContentClass.ANS: PRINTABLE,
    ContentClass.Z: DIGITS + TRACK_SEPARATOR.encode(),
    ContentClass.XN: DIGITS + b"CD",
    ContentClass.B: HEX_UPPER,
})
"""Bytes (in ASCII) a text representation of each class may contain (b: its hex text)."""

EXPECTED: Mapping[ContentClass, str] = types.MappingProxyType({
    ContentClass.N: "a digit",
    ContentClass.AN: "a letter or digit",
    ContentClass.ANS: "printable ASCII (0x20-0x7E)",
    ContentClass.Z: "a digit or '='",
    ContentClass.XN: "C or D then digits",
    ContentClass.B: "an upper-case hex digit",
})
"""How error messages describe what each class expects."""

UNIT: Mapping[ContentClass, str] = types.MappingProxyType({
    ContentClass.N: "digits",
    ContentClass.AN: "characters",
    ContentClass.ANS: "characters",
    ContentClass.Z: "characters",
    ContentClass.XN: "digits",
    ContentClass.B: "bytes",
})
"""The unit lengths of each class are counted in (ISO 8583:1987 section 4.2)."""

EBCDIC_CODEC = "cp500"


def _ascii_to_ebcdic() -> bytes:
    table = bytearray(256)
    for code in range(128):
        table[code] = chr(code).encode(EBCDIC_CODEC)[0]
    return bytes(table)


def _ebcdic_to_ascii() -> bytes:
    table = bytearray(256)
    for code in range(256):
        char = bytes([code]).decode(EBCDIC_CODEC)
        table[code] = ord(char) if 0x20 <= ord(char) < 0x7F else 0
    return bytes(table)


ASCII_TO_EBCDIC = _ascii_to_ebcdic()
"""``bytes.translate`` table from ASCII to EBCDIC (code page 500)."""
EBCDIC_TO_ASCII = _ebcdic_to_ascii()
"""``bytes.translate`` table from EBCDIC to ASCII; non-printable characters become NUL."""


def first_invalid(data: bytes, allowed: bytes) -> int:
    """Index of the first byte of ``data`` not in ``allowed`` (-1 when all are allowed)."""
    allowed_set = frozenset(allowed)
    for index, byte in enumerate(data):
        if byte not in allowed_set:
            return index
    return -1
