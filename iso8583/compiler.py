"""Compile a :class:`~iso8583.dialect.Dialect` into a fast encoder/decoder.

The dialect is data; this module turns it, once, into tuples of per-field
closures indexed by field number plus the MTI and bitmap codecs. The message
loop then does no dispatch on encodings at all: per field, one tuple lookup
and one call. :attr:`Dialect.compiled <iso8583.dialect.Dialect.compiled>`
caches the result on the dialect object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from iso8583.bitmap import BIT, BitmapCodec
from iso8583.errors import DecodeError, EncodeError
from iso8583.fieldcodecs import FieldCodec, FieldDecoder, FieldEncoder, build_field_codec
from iso8583.fieldspec import (
    MAX_FIELD,
    MIN_FIELD,
    BitmapEncoding,
    Encoding,
    FieldSpec,
    LengthKind,
    SecondaryBitmap,
)
from iso8583.message import FieldValue, Message
from iso8583.mti import MtiCodec
from iso8583.prefixes import prefix_table

HEADER = "header"


class Layout(Protocol):
    """What the compiler reads of a :class:`~iso8583.dialect.Dialect` (which compiles itself through this module,
    so the compiler names the shape it needs instead of importing the dialect)."""

    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> Mapping[int, FieldSpec]: ...
    @property
    def mti_encoding(self) -> Encoding: ...
    @property
    def bitmap_encoding(self) -> BitmapEncoding: ...
    @property
    def secondary_bitmap(self) -> SecondaryBitmap: ...
    @property
    def header_length(self) -> int: ...


@dataclass(frozen=True)
class CompiledDialect:
    """A dialect compiled for speed: use :func:`iso8583.codec.encode`/``decode`` rather than this directly."""

    dialect: Layout
    codecs: tuple[FieldCodec | None, ...]
    mti: MtiCodec
    bitmap: BitmapCodec
    encoders: tuple[FieldEncoder | None, ...] = field(init=False, repr=False)
    decoders: tuple[FieldDecoder | None, ...] = field(init=False, repr=False)
    defined: frozenset[int] = field(init=False, repr=False)
    header_length: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoders", tuple(c.encode if c else None for c in self.codecs))
        object.__setattr__(self, "decoders", tuple(c.decode if c else None for c in self.codecs))
        object.__setattr__(self, "defined", frozenset(n for n, c in enumerate(self.codecs) if c))
        object.__setattr__(self, "header_length", self.dialect.header_length)

    # -- encoding -----------------------------------------------------------------------------

    def encode(self, message: Message) -> bytes:
        """The wire bytes of ``message``; raises :class:`EncodeError` naming the faulty field."""
        values = message.fields
        encoders = self.encoders
        try:
            numbers = sorted(values)
            if numbers and numbers[0] < MIN_FIELD:
                raise IndexError
            parts = [encoders[n](values[n]) for n in numbers]  # type: ignore[misc]
        except (TypeError, IndexError):
            raise self._key_error(values) from None
        header = message.header
        if header.__class__ is not bytes or len(header) != self.header_length:
            header = self._header(message)
        # Header, MTI and bitmaps in front of the fields, the whole message joined once.
        parts[0:0] = (header, self.mti.encode(message.mti), self.bitmap.encode(sum(map(BIT.__getitem__, numbers))))
        return b"".join(parts)

    def encode_field(self, number: int, value: FieldValue) -> bytes:
        """Field ``number``'s wire bytes (length prefix and data) for ``value``."""
        codec = self.codecs[number] if MIN_FIELD <= number <= MAX_FIELD else None
        if codec is None:
            raise EncodeError(number, f"the dialect {self.dialect.name} defines no field {number}")
        return codec.encode(value)

    def _header(self, message: Message) -> bytes:
        size = self.dialect.header_length
        header = message.header
        if header.__class__ is not bytes or len(header) != size:
            if not isinstance(header, (bytes, bytearray)):
                raise EncodeError(HEADER, f"expected bytes, got {type(header).__name__}")
            if len(header) != size:
                raise EncodeError(HEADER, f"{len(header)} bytes, the dialect {self.dialect.name} expects {size}")
            return bytes(header)
        return header

    def _key_error(self, values: object) -> EncodeError:
        """Explain why the field keys of a message could not be encoded (the slow path)."""
        for key in values:  # type: ignore[attr-defined]
            if isinstance(key, bool) or not isinstance(key, int):
                return EncodeError(repr(key)[:20], "field keys must be integers 2..128")
            if key == 1:
                return EncodeError(1, "field 1 is the secondary bitmap, which the encoder computes; leave it out")
            if not MIN_FIELD <= key <= MAX_FIELD:
                return EncodeError(key, f"no such field (fields are {MIN_FIELD}..{MAX_FIELD})")
            if self.codecs[key] is None:
                return EncodeError(key, f"the dialect {self.dialect.name} defines no field {key}")
        return EncodeError("fields", "cannot encode these field keys")  # pragma: no cover - defensive

    # -- decoding -----------------------------------------------------------------------------

    def decode(self, data: bytes) -> Message:
        """The message in ``data``; raises :class:`DecodeError` naming the field and offset."""
        if data.__class__ is not bytes:
            if not isinstance(data, (bytearray, memoryview)):
                raise TypeError(f"expected bytes, got {type(data).__name__}")
            data = bytes(data)
        offset = self.header_length
        header = data[:offset]
        if len(header) != offset:
            raise DecodeError(HEADER, 0, f"needs {offset} bytes, only {len(data)} left")
        mti, offset = self.mti.decode(data, offset)
        bitmap_start = offset
        numbers, offset = self.bitmap.decode(data, offset)
        if not self.defined.issuperset(numbers):
            raise self._undefined(numbers, bitmap_start)
        decoders = self.decoders
        values: dict[int, FieldValue] = {}
        for number in numbers:
            values[number], offset = decoders[number](data, offset)  # type: ignore[misc]
        if offset != len(data):
            extra = len(data) - offset
            raise DecodeError(None, offset, f"{extra} trailing byte{'s' if extra > 1 else ''} "
                                            f"after the last field at offset {offset}")
        return Message(mti, values, header)

    def _undefined(self, numbers: list[int], bitmap_start: int) -> DecodeError:
        number = next(n for n in numbers if n not in self.defined)
        where = "primary bitmap" if number <= 64 else "secondary bitmap"
        return DecodeError(where, self.bitmap.byte_offset(bitmap_start, number),
                           f"bit {number} set but the dialect {self.dialect.name} defines no field {number}")


def compile_dialect(dialect: Layout) -> CompiledDialect:
    """Build the per-field codecs of ``dialect`` (prefix tables shared between fields)."""
    shared: dict[tuple[LengthKind, Encoding], tuple[bytes, ...]] = {}

    def tables(spec: FieldSpec, upto: int) -> tuple[bytes, ...]:
        key = (spec.length_kind, spec.length_encoding)
        table = shared.get(key, ())
        if len(table) <= upto:
            table = prefix_table(spec.length_kind, spec.length_encoding, upto)
            shared[key] = table
        return table

    codecs: list[FieldCodec | None] = [None] * (MAX_FIELD + 1)
    for number, spec in dialect.fields.items():
        codecs[number] = build_field_codec(spec, tables)
    return CompiledDialect(
        dialect=dialect,
        codecs=tuple(codecs),
        mti=MtiCodec(dialect.mti_encoding),
        bitmap=BitmapCodec(dialect.bitmap_encoding, dialect.secondary_bitmap),
    )
