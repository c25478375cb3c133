"""``iso93binary``, ``iso93ebcdic`` and ``iso2003``: the ISO 8583:1993 layouts (and a 2003 one to decode).

* ``iso93binary``: the compact terminal layout of the 1993 version (as jPOS's ``ISO93BPackager`` lays
  out the table): BCD MTI (``1200`` is ``12 00``), 8-byte binary bitmaps, n fields packed BCD with a
  leading ``0`` pad nibble when the digit count is odd, LL / LLL / LLLL prefixes in BCD (1, 2 and 2
  bytes) counting digits, characters or bytes; an, ans, z and x+n fields in ASCII; b fields raw.
* ``iso93ebcdic``: the mainframe layout: MTI, every n / an / ans / z / x+n field and every length
  prefix in EBCDIC (code page 500, digits ``F0``-``F9``); 8-byte binary bitmaps and raw b fields.
* ``iso2003``: ``iso93binary`` with the long fields of :data:`~iso8583.dialects.iso93_table.ISO2003_LONG_FIELDS`
  as LLLLVAR ..9999, for ``possim decode`` of 2xxx traffic. It names the protocol ``iso2003``, which no
  terminal profile or host protocol serves: a terminal or host configured with it is refused by name.

The 1993 network (``protocol = "iso93"``, docs/protocol.md) rides on the first two.
"""

from __future__ import annotations

from iso8583.dialect import BitmapEncoding, ContentClass, Dialect, Encoding, FieldSpec
from iso8583.dialects.iso93_table import ISO93_FIELDS, Row, iso2003_fields

BINARY_NAME = "iso93binary"
EBCDIC_NAME = "iso93ebcdic"
ISO2003_NAME = "iso2003"
PROTOCOL = "iso93"
"""The network the two 1993 dialects carry (docs/protocol.md, "The iso93 profile")."""
ISO2003_PROTOCOL = "iso2003"
"""Served by no profile: the 2003 dialect is for decoding."""


def _binary_fields(rows: tuple[Row, ...]) -> dict[int, FieldSpec]:
    fields = {}
    for number, name, content, kind, length in rows:
        data = {ContentClass.N: Encoding.BCD, ContentClass.B: Encoding.BINARY}.get(content, Encoding.ASCII)
        fields[number] = FieldSpec(number, name, content, kind, length, data_encoding=data,
                                   length_encoding=Encoding.BCD)
    return fields


def build_binary() -> Dialect:
    """The ``iso93binary`` dialect."""
    return Dialect(BINARY_NAME, _binary_fields(ISO93_FIELDS), mti_encoding=Encoding.BCD,
                   bitmap_encoding=BitmapEncoding.BINARY, protocol=PROTOCOL,
                   description="ISO 8583:1993, BCD MTI, numerics and lengths; binary bitmaps; ASCII text")


def build_ebcdic() -> Dialect:
    """The ``iso93ebcdic`` dialect."""
    fields = {}
    for number, name, content, kind, length in ISO93_FIELDS:
        data = Encoding.BINARY if content is ContentClass.B else Encoding.EBCDIC
        fields[number] = FieldSpec(number, name, content, kind, length, data_encoding=data,
                                   length_encoding=Encoding.EBCDIC)
    return Dialect(EBCDIC_NAME, fields, mti_encoding=Encoding.EBCDIC, bitmap_encoding=BitmapEncoding.BINARY,
                   protocol=PROTOCOL,
                   description="ISO 8583:1993, EBCDIC (code page 500) MTI, text and lengths; binary bitmaps")


def build_2003() -> Dialect:
    """The ``iso2003`` decoding dialect."""
    return Dialect(ISO2003_NAME, _binary_fields(iso2003_fields()), mti_encoding=Encoding.BCD,
                   bitmap_encoding=BitmapEncoding.BINARY, protocol=ISO2003_PROTOCOL,
                   description="ISO 8583:2003 for decoding: the iso93binary layout, long fields LLLLVAR ..9999")
