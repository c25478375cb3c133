"""``iso87binary``: ISO 8583:1987 in ASCII with binary bitmaps and binary b fields.

Byte-compatible with pyiso8583's ``iso8583.specs.default``: ASCII MTI,
8-byte binary bitmaps, ASCII LL/LLL length prefixes and ASCII data, except
the b fields (52, 55, 64, 96, 128) which are raw bytes (field 55's ASCII LLL
prefix counts bytes).
"""

from __future__ import annotations

from iso8583.dialect import BitmapEncoding, ContentClass, Dialect, Encoding, FieldSpec
from iso8583.dialects.iso87_table import ISO87_FIELDS

NAME = "iso87binary"


def build() -> Dialect:
    """The ``iso87binary`` dialect."""
    fields = {}
    for number, name, content, kind, length in ISO87_FIELDS:
        data = Encoding.BINARY if content is ContentClass.B else Encoding.ASCII
        fields[number] = FieldSpec(number, name, content, kind, length, data_encoding=data,
                                   length_encoding=Encoding.ASCII)
    return Dialect(NAME, fields, mti_encoding=Encoding.ASCII, bitmap_encoding=BitmapEncoding.BINARY,
                   description="ISO 8583:1987, ASCII with binary bitmaps and b fields (pyiso8583 default)")
