"""Extra dialects for tests: they exercise the encodings no built-in uses (EBCDIC, BINARY prefixes,
byte-counted BCD, pad variants, an always-present secondary bitmap)."""

from __future__ import annotations

from iso8583.dialect import (
    BitmapEncoding,
    ContentClass,
    Dialect,
    Encoding,
    FieldSpec,
    LengthCount,
    LengthKind,
    PadSide,
    SecondaryBitmap,
)
from iso8583.dialects import dialect_names, get_dialect
from iso8583.dialects.iso87_table import ISO87_FIELDS


def ebcdic87() -> Dialect:
    """ISO 8583:1987 in EBCDIC: MTI, text, numerics, hex b fields and length prefixes."""
    fields = {
        number: FieldSpec(number, name, content, kind, length, data_encoding=Encoding.EBCDIC,
                          length_encoding=Encoding.EBCDIC)
        for number, name, content, kind, length in ISO87_FIELDS
    }
    return Dialect("ebcdic87", fields, mti_encoding=Encoding.EBCDIC, bitmap_encoding=BitmapEncoding.BINARY)


def odd_host() -> Dialect:
    """A small host dialect mixing every remaining option."""
    specs = [
        FieldSpec(2, "PAN", ContentClass.N, LengthKind.LL, 19, Encoding.BCD, Encoding.BINARY,
                  pad_side=PadSide.RIGHT, pad_char="F"),
        FieldSpec(3, "Processing code", ContentClass.N, LengthKind.FIXED, 6, Encoding.BCD),
        FieldSpec(4, "Amount", ContentClass.N, LengthKind.FIXED, 12, Encoding.ASCII),
        FieldSpec(28, "Fee", ContentClass.XN, LengthKind.FIXED, 8, Encoding.EBCDIC),
        FieldSpec(32, "Acquirer", ContentClass.N, LengthKind.LL, 11, Encoding.BCD, Encoding.BCD,
                  length_count=LengthCount.ENCODED),
        FieldSpec(35, "Track 2", ContentClass.Z, LengthKind.LL, 37, Encoding.BCD, Encoding.BINARY,
                  length_count=LengthCount.ENCODED),
        FieldSpec(48, "Private", ContentClass.ANS, LengthKind.LLLL, 9999, Encoding.ASCII, Encoding.BINARY),
        FieldSpec(55, "ICC", ContentClass.B, LengthKind.LLL, 255, Encoding.BINARY, Encoding.BINARY),
        FieldSpec(64, "MAC", ContentClass.B, LengthKind.FIXED, 8, Encoding.ASCII),
        FieldSpec(70, "NMI code", ContentClass.N, LengthKind.FIXED, 3, Encoding.BCD),
        FieldSpec(102, "Account", ContentClass.AN, LengthKind.LL, 28, Encoding.EBCDIC, Encoding.BCD),
        FieldSpec(120, "Hex data", ContentClass.B, LengthKind.LLL, 99, Encoding.EBCDIC, Encoding.ASCII,
                  length_count=LengthCount.ENCODED),
    ]
    return Dialect("odd-host", {s.number: s for s in specs}, mti_encoding=Encoding.BCD,
                   bitmap_encoding=BitmapEncoding.HEX_ASCII, secondary_bitmap=SecondaryBitmap.ALWAYS,
                   header_length=2)


def short_host() -> Dialect:
    """Fields 2-64 only: no secondary bitmap ever."""
    base = get_dialect("terminal87")
    return Dialect("short-host", {n: s for n, s in base.fields.items() if n <= 64}, mti_encoding=Encoding.BCD,
                   secondary_bitmap=SecondaryBitmap.NEVER)


def all_dialects() -> list[Dialect]:
    """Every built-in dialect and every test dialect."""
    return [get_dialect(name) for name in dialect_names()] + [ebcdic87(), odd_host(), short_host()]
