"""Field layouts as data: the attribute enums of ISO 8583 and one data element's :class:`FieldSpec`.

ISO 8583:1987 section 4.2 gives each data element a content class (``n``,
``an``, ``ans``, ``b``, ``z``, ``x+n``) and a fixed or variable length; the
networks choose the representation (ASCII, EBCDIC, BCD or binary; length
prefixes; padding). This module holds those building blocks; a whole message
layout is a :class:`~iso8583.dialect.Dialect`. The codec modules (bitmap, MTI,
prefixes, field codecs, compiler) depend on this module, never on the dialect,
so the dialect can compile itself without an import circle.

Lengths are counted in the units of the content class: digits for ``n`` and
``x+n`` (the sign character is extra, as in the standard's "x+n 16"),
characters for ``z``, ``an`` and ``ans``, bytes for ``b``. A variable field's
length prefix counts those units too, unless the field says
``length_count=LengthCount.ENCODED`` (the prefix then counts the bytes that
follow, which is what some hosts do for BCD data or for binary data sent as
hex text).
"""

from __future__ import annotations

import enum
import types
from collections.abc import Mapping
from dataclasses import dataclass

from iso8583.errors import DialectError

MIN_FIELD = 2
"""Field 1 is the secondary bitmap: it is computed, never declared."""
MAX_FIELD = 128


class ContentClass(enum.Enum):
    """ISO 8583:1987 section 4.2 attribute notation, restricted to what POS traffic uses."""

    N = "n"
    """Numeric digits 0-9."""
    AN = "an"
    """Letters and digits."""
    ANS = "ans"
    """Letters, digits, space and special characters (printable ASCII 0x20-0x7E)."""
    B = "b"
    """Binary data; in a message value, ``bytes``."""
    Z = "z"
    """Track 2/3 code set (ISO 7811/7813): digits and the field separator ``=``."""
    XN = "x+n"
    """A sign, C (credit) or D (debit), followed by digits; fixed length only."""


class LengthKind(enum.Enum):
    """Fixed length, or a variable length with a 2, 3 or 4 digit prefix (LLVAR...)."""

    FIXED = 0
    LL = 2
    LLL = 3
    LLLL = 4

    @property
    def digits(self) -> int:
        """Number of decimal digits of the prefix (0 for fixed fields)."""
        return self.value


class Encoding(enum.Enum):
    """Representation of characters, digits or lengths on the wire."""

    ASCII = "ascii"
    EBCDIC = "ebcdic"
    """EBCDIC code page 500 (international); digits are 0xF0-0xF9."""
    BCD = "bcd"
    """Packed decimal: two digits per byte."""
    BINARY = "binary"
    """Raw bytes (b fields) or an unsigned big-endian integer (length prefixes)."""


class PadSide(enum.Enum):
    """Where the pad nibble goes when an odd number of digits is packed into BCD."""

    LEFT = "left"
    RIGHT = "right"


class LengthCount(enum.Enum):
    """What a variable field's length prefix counts."""

    CONTENT = "content"
    """Digits, characters or bytes of the value (the ISO 8583 convention)."""
    ENCODED = "encoded"
    """Bytes on the wire after the prefix (hex text: two per byte; BCD: half the digits)."""


class BitmapEncoding(enum.Enum):
    """How the primary and secondary bitmaps are sent."""

    BINARY = "binary"
    """8 bytes each."""
    HEX_ASCII = "hex-ascii"
    """16 upper-case hexadecimal ASCII characters each."""


class SecondaryBitmap(enum.Enum):
    """When the secondary bitmap (field 1) is present."""

    AUTO = "auto"
    """Only when a field 65-128 is present (ISO 8583:1987 section 4.3.1)."""
    ALWAYS = "always"
    """Always sent (bit 1 always set), as some hosts require."""
    NEVER = "never"
    """Never: the dialect has fields 2-64 only, bit 1 set is an error."""


_TEXT_ENCODINGS = frozenset({Encoding.ASCII, Encoding.EBCDIC})
_ALLOWED_DATA_ENCODINGS: Mapping[ContentClass, frozenset[Encoding]] = types.MappingProxyType({
    ContentClass.N: frozenset({Encoding.ASCII, Encoding.EBCDIC, Encoding.BCD}),
    ContentClass.Z: frozenset({Encoding.ASCII, Encoding.EBCDIC, Encoding.BCD}),
    ContentClass.AN: _TEXT_ENCODINGS,
    ContentClass.ANS: _TEXT_ENCODINGS,
    ContentClass.XN: _TEXT_ENCODINGS,
    ContentClass.B: frozenset({Encoding.BINARY, Encoding.ASCII, Encoding.EBCDIC}),
})
_DEFAULT_PAD: Mapping[ContentClass, tuple[PadSide, str]] = types.MappingProxyType({
    ContentClass.Z: (PadSide.RIGHT, "F"),
})
_HEX_DIGITS = frozenset("0123456789ABCDEF")


def prefix_width(kind: LengthKind, encoding: Encoding) -> int:
    """Bytes taken by a length prefix: ASCII/EBCDIC one per digit, BCD two digits per byte,
    binary one byte for LL and two for LLL/LLLL (the convention pyiso8583 and most hosts share)."""
    if kind is LengthKind.FIXED:
        return 0
    if encoding in _TEXT_ENCODINGS:
        return kind.digits
    if encoding is Encoding.BCD:
        return (kind.digits + 1) // 2
    return 1 if kind is LengthKind.LL else 2


def prefix_capacity(kind: LengthKind, encoding: Encoding) -> int:
    """Largest number a length prefix of this kind and encoding can carry."""
    if encoding is Encoding.BINARY:
        return 256 ** prefix_width(kind, encoding) - 1
    return 10 ** kind.digits - 1


@dataclass(frozen=True)
class FieldSpec:
    """One data element: its number, name and representation.

    ``max_length`` is the length of a fixed field, or the maximum of a variable
    one, in content units (see the module docstring). ``pad_side`` and
    ``pad_char`` apply to BCD data with an odd number of digits; None means the
    customary default for the class: a trailing ``F`` for ``z``, a leading ``0``
    otherwise.
    """

    number: int
    name: str
    content: ContentClass
    length_kind: LengthKind
    max_length: int
    data_encoding: Encoding = Encoding.ASCII
    length_encoding: Encoding = Encoding.ASCII
    length_count: LengthCount = LengthCount.CONTENT
    pad_side: PadSide | None = None
    pad_char: str | None = None

    def __post_init__(self) -> None:
        side, char = _DEFAULT_PAD.get(self.content, (PadSide.LEFT, "0"))
        if self.pad_side is None:
            object.__setattr__(self, "pad_side", side)
        if self.pad_char is None:
            object.__setattr__(self, "pad_char", char)
        self._validate()

    @property
    def is_fixed(self) -> bool:
        """True for fixed-length fields (no length prefix)."""
        return self.length_kind is LengthKind.FIXED

    def max_encoded_length(self) -> int:
        """Bytes of data (prefix excluded) that the largest value takes on the wire."""
        return self.encoded_length(self.max_length)

    def encoded_length(self, units: int) -> int:
        """Bytes of data (prefix excluded) that a value of ``units`` content units takes."""
        if self.content is ContentClass.B:
            return units if self.data_encoding is Encoding.BINARY else 2 * units
        if self.data_encoding is Encoding.BCD:
            return (units + 1) // 2
        if self.content is ContentClass.XN:
            return units + 1
        return units

    def _fail(self, reason: str) -> DialectError:
        return DialectError(f"field {self.number} ({self.name}): {reason}")

    def _validate(self) -> None:
        if not MIN_FIELD <= self.number <= MAX_FIELD:
            raise self._fail(f"number must be {MIN_FIELD}..{MAX_FIELD} (field 1 is the secondary bitmap)")
        for name, kind in (("content", ContentClass), ("length_kind", LengthKind), ("data_encoding", Encoding),
                           ("length_encoding", Encoding), ("length_count", LengthCount), ("pad_side", PadSide)):
            if not isinstance(getattr(self, name), kind):
                raise self._fail(f"{name} must be a {kind.__name__}")
        if isinstance(self.max_length, bool) or not isinstance(self.max_length, int):
            raise self._fail("max_length must be an integer")
        if self.data_encoding not in _ALLOWED_DATA_ENCODINGS[self.content]:
            allowed = ", ".join(sorted(e.value for e in _ALLOWED_DATA_ENCODINGS[self.content]))
            raise self._fail(f"class {self.content.value} cannot use {self.data_encoding.value} data (allowed: {allowed})")
        if self.content is ContentClass.XN and not self.is_fixed:
            raise self._fail("class x+n is fixed length only (ISO 8583:1987 defines no variable x+n field)")
        if self.is_fixed:
            if self.max_length < 1:
                raise self._fail("a fixed field needs a length of at least 1")
        else:
            if self.max_length < 0:
                raise self._fail("max_length must not be negative")
            counted = self.max_length if self.length_count is LengthCount.CONTENT else self.max_encoded_length()
            capacity = prefix_capacity(self.length_kind, self.length_encoding)
            if counted > capacity:
                raise self._fail(
                    f"a {self.length_kind.name} {self.length_encoding.value} prefix holds at most {capacity}, "
                    f"max_length needs {counted}"
                )
        if not (isinstance(self.pad_char, str) and len(self.pad_char) == 1 and self.pad_char.upper() in _HEX_DIGITS):
            raise self._fail("pad_char must be one hexadecimal digit")
        if self.data_encoding is Encoding.BCD and self.content is ContentClass.N and not self.pad_char.isdigit() \
                and self.pad_side is PadSide.LEFT:
            # A leading non-digit pad would make the first digit ambiguous for nothing; keep it simple.
            raise self._fail("a leading pad nibble of a BCD n field must be a digit")
