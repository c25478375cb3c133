"""Visa Issuer Application Data ('9F10') and Card Verification Results, formats 0/1/3.

VIS 1.5/1.6 Appendix F, format '06': byte 1 length '06', byte 2 Derivation Key Index,
byte 3 Cryptogram Version Number, bytes 4-7 the CVR (its own length byte '03' then three
bytes); issuer discretionary data may follow. Format 2 ('1F' first byte) carries the CVN
in byte 2. CVN 10 MACs the CVR, CVN 18 the whole IAD (see :mod:`emv.cryptogram`).

CVR byte 2 (VIS Appendix A): b8-b7 type returned by the second GENERATE AC ('00' AAC,
'01' TC, '10' not requested), b6-b5 type returned by the first GENERATE AC ('00' AAC,
'01' TC, '10' ARQC), b4 issuer authentication performed and failed, b3 offline PIN
verification performed, b2 offline PIN verification failed, b1 unable to go online.
"""

from __future__ import annotations

from dataclasses import dataclass

from emv.cryptogram import CryptogramType
from emv.errors import CryptogramError

FORMAT_0_1_3 = 0x06
FORMAT_2 = 0x1F
CVR_LENGTH = 4
_CVR_LENGTH_BYTE = 0x03

_AC_BITS = {CryptogramType.AAC: 0b00, CryptogramType.TC: 0b01, CryptogramType.ARQC: 0b10}
_AC_OF_BITS = {value: kind for kind, value in _AC_BITS.items()}
"""CVR bits to the cryptogram type; '11' (RFU) is absent."""
_SECOND_AC_NOT_REQUESTED = 0b10
_ISSUER_AUTH_FAILED = 0x08
_OFFLINE_PIN_PERFORMED = 0x04


@dataclass(frozen=True)
class Cvr:
    """The Card Verification Results a card reports with each cryptogram (4 bytes)."""

    first_ac: CryptogramType
    second_ac: CryptogramType | None = None
    issuer_authentication_failed: bool = False
    offline_pin_performed: bool = False

    def encode(self) -> bytes:
        """The 4-byte CVR: '03', byte 2 as above, bytes 3 and 4 zero."""
        second = _SECOND_AC_NOT_REQUESTED if self.second_ac is None else _AC_BITS[self.second_ac]
        byte2 = (second << 6) | (_AC_BITS[self.first_ac] << 4)
        if self.issuer_authentication_failed:
            byte2 |= _ISSUER_AUTH_FAILED
        if self.offline_pin_performed:
            byte2 |= _OFFLINE_PIN_PERFORMED
        return bytes([_CVR_LENGTH_BYTE, byte2, 0, 0])

    @staticmethod
    def first_ac_of(cvr: bytes) -> CryptogramType | None:
        """The first GENERATE AC type a CVR reports, None for the RFU value '11'."""
        bits = (cvr[1] >> 4) & 0b11 if len(cvr) >= 2 else 0b11
        return _AC_OF_BITS.get(bits)


@dataclass(frozen=True)
class IssuerApplicationData:
    """What :func:`parse_iad` reads from '9F10'."""

    raw: bytes
    cvn: int
    dki: int | None
    cvr: bytes | None


def build_iad(cvn: int, cvr: Cvr, dki: int = 0x01) -> bytes:
    """Format 0/1/3 IAD: '06' || DKI || CVN || CVR (7 bytes, no discretionary data)."""
    return bytes([FORMAT_0_1_3, dki, cvn]) + cvr.encode()


def parse_iad(raw: bytes) -> IssuerApplicationData:
    """Read the CVN (and the DKI and CVR for format 0/1/3) from an IAD value."""
    if len(raw) >= 7 and raw[0] == FORMAT_0_1_3:
        return IssuerApplicationData(raw, raw[2], raw[1], raw[3 : 3 + CVR_LENGTH])
    if len(raw) >= 2 and raw[0] == FORMAT_2:
        return IssuerApplicationData(raw, raw[1], None, None)
    raise CryptogramError(f"issuer application data: unknown format (first byte {raw[:1].hex().upper() or 'missing'}, {len(raw)} bytes)")
