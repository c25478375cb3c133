"""``iso87ascii``: ISO 8583:1987 all in ASCII, hex-text bitmaps, b fields as hex text.

Byte-compatible with pyiso8583's ``iso8583.specs.default_ascii``: ASCII MTI,
16-character hex bitmaps, ASCII LL/LLL length prefixes, and binary fields
(52, 55, 64, 96, 128) sent as upper-case hex text. Field 55's LLL prefix
counts the hex characters (up to 510), as in that spec.
"""

from __future__ import annotations

from iso8583.dialect import BitmapEncoding, ContentClass, Dialect, Encoding, FieldSpec, LengthCount, LengthKind
from iso8583.dialects.iso87_table import ISO87_FIELDS

NAME = "iso87ascii"


def build() -> Dialect:
    """The ``iso87ascii`` dialect."""
    fields = {}
    for number, name, content, kind, length in ISO87_FIELDS:
        # pyiso8583 counts field 55's hex characters, not its bytes.
        hex_variable = content is ContentClass.B and kind is not LengthKind.FIXED
        count = LengthCount.ENCODED if hex_variable else LengthCount.CONTENT
        fields[number] = FieldSpec(number, name, content, kind, length, data_encoding=Encoding.ASCII,
                                   length_encoding=Encoding.ASCII, length_count=count)
    return Dialect(NAME, fields, mti_encoding=Encoding.ASCII, bitmap_encoding=BitmapEncoding.HEX_ASCII,
                   description="ISO 8583:1987, ASCII throughout (pyiso8583 default_ascii)")
