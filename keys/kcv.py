"""Key check values: how two parties confirm they hold the same key without showing it.

* TDES: the leftmost 3 bytes of E(K, 0^64) (ANSI X9.24-1, the long-standing
  "encrypt zeros" method).
* AES, legacy: the leftmost 3 bytes of E(K, 0^128) (the same method applied to AES).
* AES, CMAC method of ANSI X9.24-1:2017 / X9.24-3 and ASC X9 TR-31:2018: the
  leftmost 5 bytes of AES-CMAC(K, 0^128).
"""

from __future__ import annotations

from enum import Enum

from keys.errors import KeyLengthError
from keys.primitives import (
    aes_cmac,
    aes_encrypt_ecb,
    tdes_cmac,
    tdes_encrypt_ecb,
)


class KcvMethod(str, Enum):
    """How a check value is computed."""

    ENCRYPT_ZEROS = "zeros"
    CMAC = "cmac"


def kcv_tdes(key: bytes, length: int = 3) -> bytes:
    """TDES KCV: leftmost ``length`` bytes of E(K, 00..00)."""
    return tdes_encrypt_ecb(key, bytes(8))[:length]


def kcv_aes(key: bytes, length: int = 3) -> bytes:
    """AES KCV by the encrypt-zeros method: leftmost ``length`` bytes of E(K, 0^128)."""
    return aes_encrypt_ecb(key, bytes(16))[:length]


def kcv_aes_cmac(key: bytes, length: int = 5) -> bytes:
    """AES KCV by the CMAC method (X9.24-1:2017, TR-31:2018): leftmost 5 bytes of CMAC(K, 0^128)."""
    return aes_cmac(key, bytes(16))[:length]


def kcv_tdes_cmac(key: bytes, length: int = 5) -> bytes:
    """TDES KCV by the CMAC method (TR-31:2018 for TDES keys): leftmost bytes of CMAC(K, 0^64)."""
    return tdes_cmac(key, bytes(8))[:length]


def kcv(key: bytes, algorithm: str, method: KcvMethod = KcvMethod.ENCRYPT_ZEROS) -> bytes:
    """The check value of ``key`` for ``algorithm`` ("tdes" or "aes") by ``method``."""
    if algorithm == "tdes":
        return kcv_tdes(key) if method is KcvMethod.ENCRYPT_ZEROS else kcv_tdes_cmac(key)
    if algorithm == "aes":
        return kcv_aes(key) if method is KcvMethod.ENCRYPT_ZEROS else kcv_aes_cmac(key)
    raise KeyLengthError(f"unknown key algorithm {algorithm!r}, expected 'tdes' or 'aes'")

