"""Key check values.

Vectors:
* TDES key 0123456789ABCDEFFEDCBA9876543210 has KCV 08D7B4: the classic test key
  of the payment industry, e.g. ANSI X9.24-1:2009 Annex A.4 examples and every HSM manual.
* AES encrypt-zeros KCV of the all-zero AES-128 key: E(0,0) = 66E94BD4EF8A2C3B884CFA59CA342B2E,
  the FIPS 197 / NIST AESAVS known answer (AESAVS "KeySbox"/"VarKey" tables, key 0, plaintext 0).
* AES-CMAC KCV: CMAC of 16 zero bytes under the RFC 4493 key 2B7E1516...; RFC 4493 section 4
  example 2 gives CMAC(K, M=6BC1BEE2...) only, so the zero-block value is cross-checked against
  NIST SP 800-38B through cryptography's independent CMAC (a different code path from kcv_aes_cmac's
  truncation logic).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC

from keys.errors import KeyLengthError
from keys.kcv import KcvMethod, kcv, kcv_aes, kcv_aes_cmac, kcv_tdes

CLASSIC_TDES_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


def test_tdes_kcv_of_the_classic_test_key_is_08d7b4() -> None:
    assert kcv_tdes(CLASSIC_TDES_KEY).hex().upper() == "08D7B4"


def test_tdes_kcv_of_a_triple_length_key_equals_double_length_when_k3_is_k1() -> None:
    assert kcv_tdes(CLASSIC_TDES_KEY + CLASSIC_TDES_KEY[:8]) == kcv_tdes(CLASSIC_TDES_KEY)


def test_aes_encrypt_zeros_kcv_matches_fips197_known_answer() -> None:
    assert kcv_aes(bytes(16)).hex().upper() == "66E94B"


def test_aes_cmac_kcv_is_five_bytes_of_cmac_over_a_zero_block() -> None:
    key = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
    oracle = CMAC(AES(key))
    oracle.update(bytes(16))
    assert kcv_aes_cmac(key) == oracle.finalize()[:5]


def test_kcv_dispatches_on_algorithm_and_method() -> None:
    assert kcv(CLASSIC_TDES_KEY, "tdes") == kcv_tdes(CLASSIC_TDES_KEY)
    assert kcv(bytes(16), "aes", KcvMethod.CMAC) == kcv_aes_cmac(bytes(16))


def test_wrong_key_length_names_the_length_not_the_key() -> None:
    with pytest.raises(KeyLengthError) as caught:
        kcv_tdes(bytes.fromhex("0123456789ABCDEF01"))
    assert "9 bytes" in str(caught.value)
    assert "0123456789" not in str(caught.value).replace(" ", "")
