"""Per-field encoders and decoders, compiled once from a :class:`~iso8583.dialect.FieldSpec`.

A field codec is two closures: ``encode(value) -> bytes`` (length prefix and
data) and ``decode(data, offset) -> (value, next_offset)``. They are built
from a *converter* for the content class and data encoding (value <-> data
bytes, with validation; :mod:`iso8583.converters`) and, for variable fields,
a length prefix codec from :mod:`iso8583.prefixes`. Everything that depends
only on the spec is decided here, at build time; the closures do slicing,
one validation call and one conversion call, which is what makes the codec
fast. For the common kinds the closures built here are the fallback of the
one-step ones of :mod:`iso8583.fastpaths`, chosen here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iso8583.charsets import UNIT
from iso8583.converters import converters
from iso8583.fastpaths import (
    FieldDecoder,
    FieldEncoder,
    ascii_text_fixed,
    ascii_text_variable,
    bcd_digits_fixed,
    bcd_digits_variable,
    bytes_fixed,
    bytes_variable,
)
from iso8583.fieldspec import ContentClass, Encoding, FieldSpec, LengthCount, prefix_width
from iso8583.errors import DecodeError, EncodeError
from iso8583.message import FieldValue
from iso8583.prefixes import build_prefix_decoder

__all__ = ["FieldCodec", "FieldDecoder", "FieldEncoder", "PrefixTables", "build_field_codec"]

PrefixTables = Callable[[FieldSpec, int], tuple[bytes, ...]]


@dataclass(frozen=True)
class FieldCodec:
    """The compiled encoder and decoder of one field."""

    spec: FieldSpec
    encode: FieldEncoder
    decode: FieldDecoder


def _wire_formula(spec: FieldSpec) -> tuple[int, int, int]:
    """(a, b, s) such that data bytes = (count * a + b) >> s for a prefix count."""
    if spec.length_count is LengthCount.ENCODED:
        return (1, 0, 0)
    if spec.content is ContentClass.B and spec.data_encoding is not Encoding.BINARY:
        return (2, 0, 0)
    if spec.data_encoding is Encoding.BCD:
        return (1, 1, 1)
    return (1, 0, 0)


def _truncated(number: int, data: bytes, offset: int, needed: int) -> DecodeError:
    left = max(len(data) - offset, 0)
    return DecodeError(number, offset, f"needs {needed} bytes, only {left} left")


def _is_ascii_text(spec: FieldSpec) -> bool:
    """A field of ASCII characters (n, an, ans, z as text): one byte per character, the value the bytes' text."""
    return (spec.content is not ContentClass.B and spec.content is not ContentClass.XN
            and spec.data_encoding is Encoding.ASCII)




def build_field_codec(spec: FieldSpec, tables: PrefixTables) -> FieldCodec:
    """Compile ``spec`` into its encoder and decoder.

    ``tables(spec, upto)`` supplies precomputed length prefixes; the compiler
    shares one table per prefix kind and encoding across all fields.
    """
    to_wire, from_wire = converters(spec)
    number = spec.number
    unit = UNIT[spec.content]

    if spec.is_fixed:
        length = spec.max_length
        size = spec.encoded_length(length)

        def encode_fixed(value: object) -> bytes:
            data, units = to_wire(value)
            if units != length:
                raise EncodeError(number, f"{units} {unit}, expected {length}")
            return data

        def decode_fixed(data: bytes, offset: int) -> tuple[FieldValue, int]:
            end = offset + size
            raw = data[offset:end]
            if len(raw) != size:
                raise _truncated(number, data, offset, size)
            return from_wire(raw, length, offset), end

        if _is_ascii_text(spec) and size == length:
            return FieldCodec(spec, *ascii_text_fixed(spec, size, encode_fixed, decode_fixed))
        if spec.content is ContentClass.B and spec.data_encoding in (Encoding.BINARY, Encoding.ASCII):
            return FieldCodec(spec, *bytes_fixed(spec, length, size, encode_fixed, decode_fixed))
        if spec.content is ContentClass.N and spec.data_encoding is Encoding.BCD \
                and spec.length_count is not LengthCount.ENCODED:  # (a byte count keeps a pad digit: general path)
            return FieldCodec(spec, *bcd_digits_fixed(spec, length, size, encode_fixed, decode_fixed))
        return FieldCodec(spec, encode_fixed, decode_fixed)

    max_units = spec.max_length
    counts_bytes = spec.length_count is LengthCount.ENCODED
    max_count = spec.max_encoded_length() if counts_bytes else max_units
    table = tables(spec, max_count)
    read_count = build_prefix_decoder(spec, max_count)
    width = prefix_width(spec.length_kind, spec.length_encoding)
    mul, add, shift = _wire_formula(spec)

    if counts_bytes:
        # The prefix counts bytes, so the limit is in bytes both ways (a BCD n value whose
        # leading pad digit came back on decode must encode again).
        def encode_variable(value: object) -> bytes:
            data, _ = to_wire(value)
            if len(data) > max_count:
                raise EncodeError(number, f"{len(data)} bytes encoded, max {max_count}")
            return table[len(data)] + data
    else:
        def encode_variable(value: object) -> bytes:
            data, units = to_wire(value)
            if units > max_units:
                raise EncodeError(number, f"{units} {unit}, max {max_units}")
            return table[units] + data

    def decode_variable(data: bytes, offset: int) -> tuple[FieldValue, int]:
        count = read_count(data, offset)
        start = offset + width
        size = (count * mul + add) >> shift
        end = start + size
        raw = data[start:end]
        if len(raw) != size:
            raise _truncated(number, data, start, size)
        return from_wire(raw, count, start), end

    if _is_ascii_text(spec) and (mul, add, shift) == (1, 0, 0):
        return FieldCodec(spec, *ascii_text_variable(spec, max_count, table, read_count, width,
                                                      encode_variable, decode_variable))
    if spec.content is ContentClass.B and not counts_bytes and spec.data_encoding in (Encoding.BINARY, Encoding.ASCII):
        return FieldCodec(spec, *bytes_variable(spec, max_units, table, read_count, width,
                                                 encode_variable, decode_variable))
    if spec.content is ContentClass.N and spec.data_encoding is Encoding.BCD and not counts_bytes:
        return FieldCodec(spec, *bcd_digits_variable(spec, max_units, table, read_count, width,
                                                      encode_variable, decode_variable))
    return FieldCodec(spec, encode_variable, decode_variable)

