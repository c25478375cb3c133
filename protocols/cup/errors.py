"""Typed errors of the CUP sub-field codecs: which sub-field, at which offset, what was wrong.

Offsets count inside the field's value as the ISO 8583 codec hands it over: digits for the n
fields (48, 53, 60, 61), bytes for the b field 62. Messages never carry the value itself: DE 62
holds key ciphertexts and DE 48 the day's totals, and errors end up in logs.
"""

from __future__ import annotations


class CupFieldError(ValueError):
    """A CUP field or sub-field cannot be encoded or decoded.

    ``field`` is the data element number, ``subfield`` its label ("60.2", "62 MAK check value"),
    ``offset`` the position in the field value (digits, or bytes for DE 62), ``reason`` the rule
    that was broken.
    """

    def __init__(self, field: int, subfield: str, offset: int, reason: str) -> None:
        super().__init__(f"field {subfield}: offset {offset}: {reason}")
        self.field = field
        self.subfield = subfield
        self.offset = offset
        self.reason = reason

    def __reduce__(self) -> tuple[type[CupFieldError], tuple[int, str, int, str]]:
        return (type(self), (self.field, self.subfield, self.offset, self.reason))


class CheckValueError(CupFieldError):
    """A working key deciphered from DE 62 does not match the check value sent with it."""
