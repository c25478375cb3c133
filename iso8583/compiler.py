"""Compile a :class:`~iso8583.dialect.Dialect` into a fast encoder/decoder.

The dialect is data; this module turns it, once, into tuples of per-field
closures indexed by field number plus the MTI and bitmap codecs. The general
message loop then does no dispatch on encodings at all: per field, one tuple
lookup and one call. In front of it, the straight-line plans of the field sets
already seen (:mod:`iso8583.plans`) code a whole message in one call; they
fall back to the general loop for anything unexpected, so it alone names
faults. :attr:`Dialect.compiled <iso8583.dialect.Dialect.compiled>` caches the
result on the dialect object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from iso8583.bitmap import BIT, BitmapCodec
from iso8583.errors import DecodeError, EncodeError
from iso8583.fieldcodecs import FieldCodec, FieldDecoder, FieldEncoder, build_field_codec
from iso8583.fieldsource import FieldSource
from iso8583.fieldspec import (
    MAX_FIELD,
    MIN_FIELD,
    BitmapEncoding,
    Encoding,
    FieldSpec,
    LengthCount,
    LengthKind,
    SecondaryBitmap,
)
from iso8583.message import FieldValue, Message
from iso8583.mti import MtiCodec
from iso8583.plans import PLAN_FAULTS, Decoder, Encoder, PlanWriter, Plans
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
    plan_writer: PlanWriter = field(repr=False)
    encoders: tuple[FieldEncoder | None, ...] = field(init=False, repr=False)
    decoders: tuple[FieldDecoder | None, ...] = field(init=False, repr=False)
    defined: frozenset[int] = field(init=False, repr=False)
    header_length: int = field(init=False, repr=False)
    encode_plans: Plans[Encoder] = field(init=False, repr=False)
    """Straight-line encoders by the field keys of the message (``bytes(fields)``, in the dict's order)."""
    decode_plans: Plans[Decoder] = field(init=False, repr=False)
    """Straight-line decoders by the message's wire bitmap(s)."""
    bitmap_start: int = field(init=False, repr=False)
    secondary_first: frozenset[int] = field(init=False, repr=False)
    """The first bitmap byte values that announce a secondary bitmap (bit 1 set, in the bitmap's encoding)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoders", tuple(c.encode if c else None for c in self.codecs))
        object.__setattr__(self, "decoders", tuple(c.decode if c else None for c in self.codecs))
        object.__setattr__(self, "defined", frozenset(n for n, c in enumerate(self.codecs) if c))
        object.__setattr__(self, "header_length", self.dialect.header_length)
        object.__setattr__(self, "encode_plans", Plans(self.plan_writer.encoder))
        object.__setattr__(self, "decode_plans", Plans(self.plan_writer.decoder))
        object.__setattr__(self, "bitmap_start", self.header_length + self.mti.size)
        first = range(0x80, 0x100) if self.bitmap.encoding is BitmapEncoding.BINARY else b"89ABCDEF"
        object.__setattr__(self, "secondary_first", frozenset(first))

    # -- encoding -----------------------------------------------------------------------------

    def encode(self, message: Message) -> bytes:
        """The wire bytes of ``message``; raises :class:`EncodeError` naming the faulty field.

        The plan of the message's field keys when there is one, else (or when the plan does not take the
        values) the general path, whose field set is then planned."""
        values = message.fields
        try:
            key: bytes | None = bytes(values)  # the keys in order, one byte each (fields are 2..128)
        except (TypeError, ValueError):  # not numbers 0..255: the general path names the key
            key = None
        plan = self.encode_plans.get(key)  # type: ignore[arg-type]
        if plan is not None:
            try:
                wire = plan(values, message.mti, message.header)
            except PLAN_FAULTS:
                wire = None
            if wire is not None:
                return wire
        wire = self._encode(message)
        if key is not None and plan is None:
            self.encode_plans.learn(key, key)
        return wire

    def _encode(self, message: Message) -> bytes:
        """The general path of :meth:`encode`: every field through its closure."""
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
        """The message in ``data``; raises :class:`DecodeError` naming the field and offset.

        The plan of the message's bitmap when there is one, else (or when the plan does not take the data)
        the general path, whose field set is then planned."""
        if data.__class__ is not bytes:
            if not isinstance(data, (bytearray, memoryview)):
                raise TypeError(f"expected bytes, got {type(data).__name__}")
            data = bytes(data)
        start = self.bitmap_start
        size = self.bitmap.size
        key = data[start:start + size]
        if key and key[0] in self.secondary_first:
            key = data[start:start + 2 * size]
        plan = self.decode_plans.get(key)
        if plan is not None:
            try:
                message = plan(data)
            except PLAN_FAULTS:
                message = None
            if message is not None:
                return message
        message = self._decode(data)
        if plan is None:
            self.decode_plans.learn(key, message.fields)
        return message

    def _decode(self, data: bytes) -> Message:
        """The general path of :meth:`decode`: every field through its closure."""
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
    sources: dict[int, FieldSource] = {}
    for number, spec in dialect.fields.items():
        codec = codecs[number] = build_field_codec(spec, tables)
        counts_bytes = spec.length_count is LengthCount.ENCODED
        table = () if spec.is_fixed else tables(spec, spec.max_encoded_length() if counts_bytes else spec.max_length)
        sources[number] = FieldSource(codec, table)
    bitmap = BitmapCodec(dialect.bitmap_encoding, dialect.secondary_bitmap)
    return CompiledDialect(
        dialect=dialect,
        codecs=tuple(codecs),
        mti=MtiCodec(dialect.mti_encoding),
        bitmap=bitmap,
        plan_writer=PlanWriter(dialect.name, sources, dialect.mti_encoding, dialect.header_length, bitmap),
    )
