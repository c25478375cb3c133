"""Application cryptograms (ARQC, TC, AAC) and ARPCs, for the card and the issuer alike.

* The AC is the ISO/IEC 9797-1 MAC algorithm 3 (retail MAC, 8 bytes) of the transaction
  data under the AC key (EMV 4.4 Book 2 section 8.1.2 and Annex A1.2.1).
* Visa CVN 10 (VIS 1.5): key = ICC master key itself (no session key); data = the Book 2
  8.1.1 recommended minimum set followed by the CVR (bytes 4-7 of tag '9F10'); padding method 1
  (zeros).
* Visa CVN 18 (VIS 1.6): key = common session key with R = ATC || '00'*6 (Book 2 A1.3.1);
  data = the same set followed by the whole Issuer Application Data; padding method 2
  ('80' then zeros), as Book 2 A1.2.1 prescribes.
* ARPC method 1 (Book 2 8.2.1): ARPC = DES3(K)[ARQC XOR (ARC || '00'*6)], 8 bytes, with
  a 2-byte Authorisation Response Code.
* ARPC method 2 (Book 2 8.2.2): ARPC = leftmost 4 bytes of MAC algorithm 3, padding method
  2, of ARQC || CSU (4 bytes) || proprietary authentication data (0 to 8 bytes).

The CVN also chooses the ARPC: CVN 10 uses method 1 under the ICC master key, CVN 18
method 2 under the AC session key.
"""

from __future__ import annotations

from enum import Enum, IntEnum

from emv.errors import CryptogramError
from emv.keyderivation import ICC_MK_LENGTH, ac_session_key
from keys.mac import mac_iso9797_alg3
from keys.primitives import tdes_encrypt_ecb, xor_bytes

AC_LENGTH = 8
ARC_LENGTH = 2
CSU_LENGTH = 4
ARPC_METHOD_2_LENGTH = 4
MAX_PROPRIETARY_AUTH_DATA = 8


class CryptogramType(IntEnum):
    """The cryptogram a card returns, as bits 8-7 of the CID '9F27' (Book 3 Table 14)."""

    AAC = 0x00
    TC = 0x40
    ARQC = 0x80


class CryptogramVersion(IntEnum):
    """Cryptogram version numbers supported, as they appear in the Issuer Application Data."""

    CVN10 = 0x0A
    CVN18 = 0x12

    @classmethod
    def from_number(cls, number: int) -> CryptogramVersion:
        """The version for a CVN number. Visa writes CVNs in decimal and carries them in hex,
        and for the supported ones the two agree: CVN 10 is '0A', CVN 18 is '12'."""
        version = _VERSIONS.get(number)  # a dict look-up: the Enum call costs a microsecond per ARQC
        if version is None:
            raise CryptogramError(f"unsupported cryptogram version number {number}")
        return version

    @property
    def padding(self) -> int:
        """ISO/IEC 9797-1 padding method of the AC data: 1 for CVN 10, 2 for CVN 18."""
        return 1 if self is CryptogramVersion.CVN10 else 2

    @property
    def arpc_method(self) -> ArpcMethod:
        """The ARPC method this version uses: 1 for CVN 10, 2 for CVN 18."""
        return ArpcMethod.METHOD_1 if self is CryptogramVersion.CVN10 else ArpcMethod.METHOD_2



_VERSIONS: dict[int, CryptogramVersion] = {version.value: version for version in CryptogramVersion}
"""The supported versions by number (read-only)."""

class ArpcMethod(Enum):
    """ARPC generation methods of Book 2 section 8.2."""

    METHOD_1 = 1
    METHOD_2 = 2


def _check_key(key: bytes, what: str) -> None:
    if len(key) != ICC_MK_LENGTH:
        raise CryptogramError(f"{what}: {len(key)} bytes, expected {ICC_MK_LENGTH} (double-length TDES)")


def compute_ac(key: bytes, data: bytes, padding: int) -> bytes:
    """The 8-byte application cryptogram: MAC algorithm 3 of ``data`` under ``key``."""
    _check_key(key, "AC key")
    if padding not in (1, 2):
        raise CryptogramError(f"padding method must be 1 or 2, got {padding}")
    return mac_iso9797_alg3(key, data, padding=padding)


def ac_key(cvn: CryptogramVersion, icc_mk: bytes, atc: bytes) -> bytes:
    """The key the card MACs with: the ICC MK for CVN 10, the ATC session key for CVN 18."""
    _check_key(icc_mk, "ICC master key")
    if cvn is CryptogramVersion.CVN10:
        return icc_mk
    return ac_session_key(icc_mk, atc)


def generate_ac(cvn: CryptogramVersion, icc_mk: bytes, atc: bytes, data: bytes) -> bytes:
    """The cryptogram a card of version ``cvn`` computes over ``data`` (already including
    the CVR or IAD as the version requires) at transaction counter ``atc``."""
    return compute_ac(ac_key(cvn, icc_mk, atc), data, cvn.padding)


def arpc_method_1(key: bytes, arqc: bytes, arc: bytes) -> bytes:
    """ARPC method 1 (Book 2 8.2.1): DES3(key)[ARQC XOR (ARC || '00'*6)], 8 bytes."""
    _check_key(key, "ARPC key")
    if len(arqc) != AC_LENGTH:
        raise CryptogramError(f"ARQC: {len(arqc)} bytes, expected {AC_LENGTH}")
    if len(arc) != ARC_LENGTH:
        raise CryptogramError(f"ARC: {len(arc)} bytes, expected {ARC_LENGTH}")
    return tdes_encrypt_ecb(key, xor_bytes(arqc, arc + bytes(AC_LENGTH - ARC_LENGTH)))


def arpc_method_2(key: bytes, arqc: bytes, csu: bytes, proprietary: bytes = b"") -> bytes:
    """ARPC method 2 (Book 2 8.2.2): MAC algorithm 3, padding 2, of ARQC || CSU ||
    proprietary authentication data; the leftmost 4 bytes."""
    _check_key(key, "ARPC key")
    if len(arqc) != AC_LENGTH:
        raise CryptogramError(f"ARQC: {len(arqc)} bytes, expected {AC_LENGTH}")
    if len(csu) != CSU_LENGTH:
        raise CryptogramError(f"CSU: {len(csu)} bytes, expected {CSU_LENGTH}")
    if len(proprietary) > MAX_PROPRIETARY_AUTH_DATA:
        raise CryptogramError(
            f"proprietary authentication data: {len(proprietary)} bytes, at most {MAX_PROPRIETARY_AUTH_DATA}"
        )
    return mac_iso9797_alg3(key, arqc + csu + proprietary, padding=2)[:ARPC_METHOD_2_LENGTH]
