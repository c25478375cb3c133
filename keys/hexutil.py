"""Parsing of hexadecimal text into bytes, with errors that name the argument.

The calculator and configuration files hand us hex strings; a bad one must
produce an error that says *which* argument and *why*, never echoing a key.
"""

from __future__ import annotations

from collections.abc import Collection

from keys.errors import InvalidHexError, KeyLengthError

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_hex(text: str, what: str, lengths: Collection[int] | None = None) -> bytes:
    """Return the bytes that ``text`` spells in hex.

    ``what`` names the argument in error messages ("--key", "KSN"...).
    ``lengths``, when given, is the set of accepted lengths in bytes; a key of
    another length raises :class:`KeyLengthError`. The message gives the
    length, never the value, so a mistyped key is not leaked to a log.
    """
    cleaned = "".join(text.split())
    for index, char in enumerate(cleaned):
        if char not in _HEX_DIGITS:
            raise InvalidHexError(f"{what}: character {index + 1} is not a hex digit")
    if len(cleaned) % 2:
        raise InvalidHexError(f"{what}: odd number of hex digits ({len(cleaned)})")
    value = bytes.fromhex(cleaned)
    if lengths is not None and len(value) not in lengths:
        accepted = ", ".join(str(n) for n in sorted(lengths))
        raise KeyLengthError(f"{what}: {len(value)} bytes, expected one of {accepted}")
    return value


def to_hex(data: bytes) -> str:
    """Upper-case hex, the form payment engineers read and every CLI answer uses."""
    return data.hex().upper()
