"""``terminal87``: the compact ISO 8583:1987 layout of POS terminals.

As spoken by most dial-up and IP terminals (the "BCD" terminal specs of
acquirers): BCD MTI (``0200`` is ``02 00``), 8-byte binary bitmaps, n fields
packed BCD with a leading ``0`` pad nibble when the digit count is odd, LL
and LLL length prefixes in BCD (1 and 2 bytes) counting digits, characters or
bytes, b fields raw, track 2 and 3 (z) as BCD with the separator ``=`` as
nibble ``D`` and a trailing ``F`` pad nibble, an/ans/x+n fields in ASCII.
Currency codes (49-51) are n 3, so ``978`` travels as ``09 78``.

``terminal87-tpdu`` is the same with the 5-byte TPDU (ID ``60``, destination
and source addresses) in front of the MTI, for links where the TPDU is part
of the message rather than of the channel framing.
"""

from __future__ import annotations

from iso8583.dialect import BitmapEncoding, ContentClass, Dialect, Encoding, FieldSpec
from iso8583.dialects.iso87_table import ISO87_FIELDS
from iso8583.tpdu import TPDU_LENGTH

NAME = "terminal87"
TPDU_NAME = "terminal87-tpdu"

_DATA_ENCODING = {
    ContentClass.N: Encoding.BCD,
    ContentClass.Z: Encoding.BCD,
    ContentClass.B: Encoding.BINARY,
    ContentClass.AN: Encoding.ASCII,
    ContentClass.ANS: Encoding.ASCII,
    ContentClass.XN: Encoding.ASCII,
}


_NUMERIC_CURRENCY = frozenset({49, 50, 51})
"""Currency codes (a or n 3 in ISO 8583:1987) are numeric ISO 4217 codes on terminals: ``0978`` in BCD."""


def build() -> Dialect:
    """The ``terminal87`` dialect (no TPDU)."""
    fields = {}
    for number, name, content, kind, length in ISO87_FIELDS:
        if number in _NUMERIC_CURRENCY:
            content = ContentClass.N
        fields[number] = FieldSpec(number, name, content, kind, length, data_encoding=_DATA_ENCODING[content],
                                   length_encoding=Encoding.BCD)
    return Dialect(NAME, fields, mti_encoding=Encoding.BCD, bitmap_encoding=BitmapEncoding.BINARY,
                   description="ISO 8583:1987 terminal layout: BCD MTI, numerics and lengths; binary bitmaps")


def build_with_tpdu() -> Dialect:
    """``terminal87`` with a 5-byte TPDU header before the MTI."""
    return build().replace(name=TPDU_NAME, header_length=TPDU_LENGTH,
                           description="terminal87 with a 5-byte TPDU before the MTI")
