"""The one exception family of :mod:`iso8583`.

Every class derives from :class:`ValueError` so the command line reports any of
them as bad input (exit 2, one line on stderr). Messages name the field, the
byte offset and what was expected; they never contain field *values*: a PAN,
track data or a PIN block must not end up in a log because a message was
malformed.
"""

from __future__ import annotations

FieldRef = int | str | None
"""A field number (2..128), a part name ("MTI", "header", "primary bitmap"), or None for the whole message."""


def _where(field: FieldRef) -> str:
    return f"field {field}" if isinstance(field, int) else str(field)


class Iso8583Error(ValueError):
    """Base class of every error raised by :mod:`iso8583`."""


class EncodeError(Iso8583Error):
    """A :class:`~iso8583.message.Message` cannot be encoded with the dialect.

    ``field`` is the field number or the part ("MTI", "header"); ``reason`` says
    what was expected, e.g. "field 4: 13 digits, max 12".
    """

    def __init__(self, field: int | str, reason: str) -> None:
        super().__init__(f"{_where(field)}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[EncodeError], tuple[int | str, str]]:
        return (type(self), (self.field, self.reason))


class DecodeError(Iso8583Error):
    """Bytes cannot be decoded with the dialect.

    ``offset`` is the position, from the first byte handed to
    :func:`~iso8583.codec.decode`, of the byte that was wrong (or where a
    missing byte was expected). ``field`` is the field number, the part name,
    or None for faults of the message as a whole (trailing bytes), whose
    ``reason`` then carries the offset itself.
    """

    def __init__(self, field: FieldRef, offset: int, reason: str) -> None:
        text = reason if field is None else f"{_where(field)}: offset {offset}: {reason}"
        super().__init__(text)
        self.field = field
        self.offset = offset
        self.reason = reason

    def __reduce__(self) -> tuple[type[DecodeError], tuple[FieldRef, int, str]]:
        return (type(self), (self.field, self.offset, self.reason))


class DialectError(Iso8583Error):
    """A dialect definition is invalid (an impossible field spec, a bad TOML file, an unknown name)."""
