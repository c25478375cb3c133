"""Dialects as data: how each data element of an ISO 8583 message is laid out.

ISO 8583:1987 fixes the *meaning* of the 128 data elements (section 4.3,
table 1 gives each one's attributes: content class such as ``n``, ``an``,
``ans``, ``b``, ``z``, ``x+n`` and a fixed or variable length); it leaves the
*representation* (ASCII, EBCDIC, BCD or binary; length prefixes; padding) to
the networks. A :class:`Dialect` pins both down. It is plain, frozen data:
the codec compiles it once into per-field encoders and decoders (see
:mod:`iso8583.compiler`) and caches the result on the dialect object.

The field-level building blocks (content classes, encodings, :class:`FieldSpec`,
and how lengths are counted) live in :mod:`iso8583.fieldspec`; this module
re-exports them.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from iso8583.errors import DialectError
from iso8583.fieldspec import (
    MAX_FIELD,
    MIN_FIELD,
    BitmapEncoding,
    ContentClass,
    Encoding,
    FieldSpec,
    LengthCount,
    LengthKind,
    PadSide,
    SecondaryBitmap,
    prefix_capacity,
    prefix_width,
)

if TYPE_CHECKING:
    from iso8583.compiler import CompiledDialect

__all__ = [
    "MAX_FIELD", "MIN_FIELD", "BitmapEncoding", "ContentClass", "Dialect", "Encoding", "FieldSpec", "LengthCount",
    "LengthKind", "PadSide", "SecondaryBitmap", "prefix_capacity", "prefix_width",
]


@dataclass(frozen=True)
class Dialect:
    """A complete message layout: MTI, bitmaps, optional header and field specs.

    ``header_length`` is the length of a fixed header sent before the MTI (a
    5-byte TPDU for terminal dialects, 0 for none); its bytes travel in
    :attr:`Message.header <iso8583.message.Message.header>`.
    """

    name: str
    fields: Mapping[int, FieldSpec] = field(hash=False)
    mti_encoding: Encoding = Encoding.ASCII
    bitmap_encoding: BitmapEncoding = BitmapEncoding.BINARY
    secondary_bitmap: SecondaryBitmap = SecondaryBitmap.AUTO
    header_length: int = 0
    description: str = ""
    protocol: str = "possim-87"
    """The network whose message contract rides on this layout (``possim-87``, ``cup-pos``...): the terminal
    profile and the host protocol are looked up by this name in their registries (docs/profiles.md)."""
    masked_fields: frozenset[int] = frozenset()
    """Fields this dialect's dumps mask entirely besides the cardholder data every dialect masks (cup-pos:
    DE 62, the working keys of a sign-on answer)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise DialectError("a dialect needs a non-empty name")
        masked = frozenset(self.masked_fields)
        if any(isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 128 for n in masked):
            raise DialectError(f"dialect {self.name}: masked_fields must be field numbers 2..128")
        object.__setattr__(self, "masked_fields", masked)
        if not isinstance(self.protocol, str) or not self.protocol:
            raise DialectError(f"dialect {self.name}: protocol must be a non-empty network name")
        if not isinstance(self.fields, Mapping):
            raise DialectError(f"dialect {self.name}: fields must be a mapping of number to FieldSpec")
        ordered: dict[int, FieldSpec] = {}
        for number in sorted(self.fields):
            spec = self.fields[number]
            if not isinstance(spec, FieldSpec):
                raise DialectError(f"dialect {self.name}: field {number} is not a FieldSpec")
            if spec.number != number:
                raise DialectError(f"dialect {self.name}: field {number} is declared as number {spec.number}")
            if self.secondary_bitmap is SecondaryBitmap.NEVER and number > 64:
                raise DialectError(f"dialect {self.name}: field {number} needs a secondary bitmap, which is 'never'")
            ordered[number] = spec
        object.__setattr__(self, "fields", types.MappingProxyType(ordered))
        if self.mti_encoding not in (Encoding.ASCII, Encoding.EBCDIC, Encoding.BCD):
            raise DialectError(f"dialect {self.name}: the MTI is ascii, ebcdic or bcd")
        if not isinstance(self.bitmap_encoding, BitmapEncoding):
            raise DialectError(f"dialect {self.name}: bitmap_encoding must be a BitmapEncoding")
        if not isinstance(self.secondary_bitmap, SecondaryBitmap):
            raise DialectError(f"dialect {self.name}: secondary_bitmap must be a SecondaryBitmap")
        if isinstance(self.header_length, bool) or not isinstance(self.header_length, int) or self.header_length < 0:
            raise DialectError(f"dialect {self.name}: header_length must be a non-negative integer")

    def replace(self, **changes: object) -> Dialect:
        """A copy with some attributes changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @cached_property
    def compiled(self) -> CompiledDialect:
        """The per-field encoders and decoders, built on first use and kept with the dialect."""
        from iso8583.compiler import compile_dialect

        return compile_dialect(self)
