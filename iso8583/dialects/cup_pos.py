"""``cup-pos``: the China UnionPay direct-connect POS terminal layout (中国银联 POS 终端规范).

The message, after the channel's 2-byte length (see :mod:`iso8583.channels`):

* an 11-byte header, kept whole in :attr:`Message.header <iso8583.message.Message.header>`:
  the 5-byte TPDU (ID ``0x60``, destination and source addresses; the host answers with the
  addresses swapped) and the 6-byte CUP message header, 12 BCD digits: application type n2
  (``60``), software version n2, terminal status n1, processing request n1, reserved n6.
  :mod:`iso8583.cup_header` builds and parses it;
* the MTI in 2 BCD bytes (``0200`` is ``02 00``);
* one 8-byte binary bitmap: fields 2-64 only (a set bit 1 is an error);
* the fields of :data:`CUP_POS_FIELDS`: n and z packed BCD, an/ans in ASCII, b raw; LLVAR
  lengths in 1 BCD byte and LLLVAR lengths in 2 BCD bytes, counting digits for n and z and
  bytes (characters) for the others.

Pad nibbles of BCD values with an odd number of digits follow what CUP POS traffic shows
(docs/dialects.md gives the evidence): variable-length n and z fields (2, 32, 35, 36, 48, 60,
61) are left-aligned with a trailing ``0``; among the fixed ones, DE 22 (entry mode, ``021`` is
``02 10``) is left-aligned with a trailing ``0`` and DE 23 (card sequence number, ``001`` is
``00 01``) right-aligned with a leading ``0``. Track 2 and 3 write the separator ``=`` as
nibble ``D`` and pad with ``0``, not ``F``.

DE 49 is ``an 3`` in ASCII (``"156"``), as CUP describes it, not numeric. DE 64 is the CUP
"ECB" MAC (:mod:`keys.cup_mac`): 8 ASCII hex characters computed over the bytes from the MTI
to the end of DE 63.
"""

from __future__ import annotations

from iso8583.cup_header import CUP_HEADER_LENGTH
from iso8583.dialect import (
    BitmapEncoding,
    ContentClass,
    Dialect,
    Encoding,
    FieldSpec,
    LengthKind,
    PadSide,
    SecondaryBitmap,
)

NAME = "cup-pos"
HEADER_LENGTH = CUP_HEADER_LENGTH
"""TPDU (5 bytes) and CUP message header (6 bytes) before the MTI."""
DEFAULT_CURRENCY = "156"
"""ISO 4217 numeric code of the renminbi (CNY), the profile's default DE 49."""
DEFAULT_CURRENCY_EXPONENT = 2
"""CNY amounts are in fen: DE 4 ``000000001234`` is 12.34 yuan."""

N, AN, ANS, B, Z = ContentClass.N, ContentClass.AN, ContentClass.ANS, ContentClass.B, ContentClass.Z
FIXED, LL, LLL = LengthKind.FIXED, LengthKind.LL, LengthKind.LLL
LEFT, RIGHT = PadSide.LEFT, PadSide.RIGHT

Row = tuple[int, str, ContentClass, LengthKind, int, PadSide | None]

CUP_POS_FIELDS: tuple[Row, ...] = (
    # number, name, class, length kind, (max) length, side of the BCD pad nibble (None: even or not BCD)
    (2, "Primary account number", N, LL, 19, RIGHT),
    (3, "Processing code", N, FIXED, 6, None),
    (4, "Amount, transaction", N, FIXED, 12, None),
    (11, "System trace audit number (POS voucher number)", N, FIXED, 6, None),
    (12, "Time, local transaction (hhmmss)", N, FIXED, 6, None),
    (13, "Date, local transaction (MMDD)", N, FIXED, 4, None),
    (14, "Date, expiration (YYMM)", N, FIXED, 4, None),
    (15, "Date, settlement (MMDD)", N, FIXED, 4, None),
    (22, "Point of service entry mode", N, FIXED, 3, RIGHT),
    (23, "Card sequence number", N, FIXED, 3, LEFT),
    (25, "Point of service condition code", N, FIXED, 2, None),
    (26, "Point of service PIN capture code", N, FIXED, 2, None),
    (32, "Acquiring institution identification code", N, LL, 11, RIGHT),
    (35, "Track 2 data", Z, LL, 37, RIGHT),
    (36, "Track 3 data", Z, LLL, 104, RIGHT),
    (37, "Retrieval reference number", AN, FIXED, 12, None),
    (38, "Authorization identification response", AN, FIXED, 6, None),
    (39, "Response code", AN, FIXED, 2, None),
    (41, "Card acceptor terminal identification", ANS, FIXED, 8, None),
    (42, "Card acceptor identification code", ANS, FIXED, 15, None),
    (44, "Additional response data (issuer and acquirer IDs)", ANS, LL, 25, None),
    (48, "Additional data, private (settlement totals, batch upload)", N, LLL, 322, RIGHT),
    (49, "Currency code, transaction", AN, FIXED, 3, None),
    (52, "PIN data", B, FIXED, 8, None),
    (53, "Security related control information", N, FIXED, 16, None),
    (54, "Additional amounts (balance)", ANS, LLL, 20, None),
    (55, "ICC data (EMV)", B, LLL, 255, None),
    (60, "Reserved private: transaction type, batch, network management code", N, LLL, 32, RIGHT),
    (61, "Original message data: batch, voucher, date", N, LLL, 29, RIGHT),
    (62, "Reserved private: working keys (sign-on), batch upload data", B, LLL, 512, None),
    (63, "Reserved private: operator, card organisation", ANS, LLL, 163, None),
    (64, "Message authentication code (CUP ECB MAC)", B, FIXED, 8, None),
)
"""The data elements of the CUP POS messages; a bit set for any other field is an error."""

_DATA_ENCODING = {N: Encoding.BCD, Z: Encoding.BCD, B: Encoding.BINARY, AN: Encoding.ASCII, ANS: Encoding.ASCII}


def _spec(row: Row) -> FieldSpec:
    number, name, content, kind, length, side = row
    return FieldSpec(number, name, content, kind, length, data_encoding=_DATA_ENCODING[content],
                     length_encoding=Encoding.BCD, pad_side=side, pad_char="0" if side else None)


def build() -> Dialect:
    """The ``cup-pos`` dialect."""
    return Dialect(
        NAME,
        {row[0]: _spec(row) for row in CUP_POS_FIELDS},
        mti_encoding=Encoding.BCD,
        bitmap_encoding=BitmapEncoding.BINARY,
        secondary_bitmap=SecondaryBitmap.NEVER,
        header_length=HEADER_LENGTH,
        protocol=NAME,
        masked_fields=frozenset({62}),  # the sign-on answer's working keys (under the TMK) and check values
        description="China UnionPay POS: TPDU and 6-byte header, BCD MTI, numerics and lengths; fields 2-64",
    )
