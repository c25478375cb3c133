"""EMV symmetric key derivation: ICC master keys and application cryptogram session keys.

* ICC Master Key Derivation, Option A (EMV 4.4 Book 2 Annex A1.4.1): Y is the rightmost 16
  digits of PAN || PSN (left-padded with zeros when shorter), packed in 8 bytes;
  MK = DES3(IMK)[Y] || DES3(IMK)[Y XOR 'FF..FF'], then DES odd parity is set on each byte.
* Common Session Key Derivation (Book 2 Annex A1.3.1): with an 8-byte diversification
  value R, SK = DES3(MK)[R0 R1 'F0' R3..R7] || DES3(MK)[R0 R1 '0F' R3..R7], parity adjusted.
  For application cryptograms R = ATC || '00' * 6 (Book 2 A1.3.1; Visa CVN 18, M/Chip
  CVN 10 and others use this form).

DES3 here is two-key TDES encryption of one block (X9.52 keying option 2).
"""

from __future__ import annotations

from emv.errors import CryptogramError
from keys.primitives import adjust_odd_parity, tdes_encrypt_ecb, xor_bytes

ICC_MK_LENGTH = 16
"""ICC master keys and session keys are double-length TDES keys (Book 2 A1.3, A1.4)."""

_ALL_ONES = b"\xff" * 8


def _check_double_length(key: bytes, what: str) -> None:
    if len(key) != ICC_MK_LENGTH:
        raise CryptogramError(f"{what}: {len(key)} bytes, expected {ICC_MK_LENGTH} (double-length TDES)")


def _check_digits(text: str, what: str, lengths: range) -> None:
    if not text.isdigit() or len(text) not in lengths:
        raise CryptogramError(
            f"{what}: expected {lengths.start}..{lengths.stop - 1} decimal digits, got {len(text)} characters"
        )


def option_a_input(pan: str, psn: str) -> bytes:
    """The 8-byte block Y of Option A: rightmost 16 digits of PAN || PSN, zero-padded left.

    ``psn`` is the two-digit PAN Sequence Number (tag '5F34'); cards without one use "00"
    (Book 2 A1.4.1).
    """
    _check_digits(pan, "PAN", range(7, 20))
    _check_digits(psn, "PAN sequence number", range(2, 3))
    return bytes.fromhex((pan + psn)[-16:].zfill(16))


def derive_icc_master_key(imk: bytes, pan: str, psn: str = "00") -> bytes:
    """The ICC master key of a card from the issuer master key ``imk`` (Book 2 A1.4.1, Option A)."""
    _check_double_length(imk, "issuer master key")
    y = option_a_input(pan, psn)
    return adjust_odd_parity(tdes_encrypt_ecb(imk, y + xor_bytes(y, _ALL_ONES)))


def derive_common_session_key(icc_mk: bytes, diversification: bytes) -> bytes:
    """Common Session Key Derivation (Book 2 A1.3.1) with an 8-byte diversification value R."""
    _check_double_length(icc_mk, "ICC master key")
    if len(diversification) != 8:
        raise CryptogramError(f"diversification value: {len(diversification)} bytes, expected 8")
    left = diversification[:2] + b"\xf0" + diversification[3:]
    right = diversification[:2] + b"\x0f" + diversification[3:]
    return adjust_odd_parity(tdes_encrypt_ecb(icc_mk, left + right))


def ac_session_key(icc_mk: bytes, atc: bytes) -> bytes:
    """The application cryptogram session key for ``atc`` (2 bytes): R = ATC || '00' * 6."""
    if len(atc) != 2:
        raise CryptogramError(f"ATC: {len(atc)} bytes, expected 2")
    return derive_common_session_key(icc_mk, atc + bytes(6))
