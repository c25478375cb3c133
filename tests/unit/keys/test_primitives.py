"""Block-cipher primitives.

Vectors:
* DES: FIPS 81 / NBS validation, key 0123456789ABCDEF, plaintext "Now is t" (4E6F772069732074)
  -> 3FA40E8A984D4815 (FIPS PUB 81, Appendix B, Table B1 ECB example).
* AES-128: FIPS 197 Appendix C.1, key 000102..0F, plaintext 00112233..FF -> 69C4E0D86A7B0430D8CDB78070B4C55A.
* AES-256: FIPS 197 Appendix C.3 -> 8EA2B7CA516745BFEAFC49904B496089.
"""

from __future__ import annotations

import pytest

from keys.errors import DataLengthError, KeyLengthError
from keys.primitives import (
    adjust_odd_parity,
    aes_decrypt_cbc,
    aes_encrypt_cbc,
    aes_encrypt_ecb,
    des_decrypt_block,
    des_encrypt_block,
    has_odd_parity,
    tdes_decrypt_cbc,
    tdes_encrypt_cbc,
    tdes_encrypt_ecb,
    xor_bytes,
)


def test_des_matches_fips81_ecb_example() -> None:
    key = bytes.fromhex("0123456789ABCDEF")
    assert des_encrypt_block(key, b"Now is t").hex().upper() == "3FA40E8A984D4815"
    assert des_decrypt_block(key, bytes.fromhex("3FA40E8A984D4815")) == b"Now is t"


def test_tdes_with_equal_halves_degenerates_to_des() -> None:
    key = bytes.fromhex("0123456789ABCDEF")
    assert tdes_encrypt_ecb(key * 2, b"Now is t") == des_encrypt_block(key, b"Now is t")


def test_aes128_matches_fips197_appendix_c1() -> None:
    key = bytes(range(16))
    plain = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    assert aes_encrypt_ecb(key, plain).hex().upper() == "69C4E0D86A7B0430D8CDB78070B4C55A"


def test_aes256_matches_fips197_appendix_c3() -> None:
    key = bytes(range(32))
    plain = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    assert aes_encrypt_ecb(key, plain).hex().upper() == "8EA2B7CA516745BFEAFC49904B496089"


def test_cbc_round_trips_for_tdes_and_aes() -> None:
    data = bytes(range(32))
    assert tdes_decrypt_cbc(bytes(range(16)), tdes_encrypt_cbc(bytes(range(16)), data)) == data
    assert aes_decrypt_cbc(bytes(range(16)), aes_encrypt_cbc(bytes(range(16)), data)) == data


def test_partial_block_is_refused_with_its_length() -> None:
    with pytest.raises(DataLengthError, match="7 bytes"):
        tdes_encrypt_ecb(bytes(16), bytes(7))


def test_single_length_key_is_refused_for_tdes() -> None:
    with pytest.raises(KeyLengthError, match="8 bytes"):
        tdes_encrypt_ecb(bytes(8), bytes(8))


def test_adjust_odd_parity_sets_each_byte_to_odd_parity() -> None:
    key = bytes.fromhex("0022446688AACCEE")
    fixed = adjust_odd_parity(key)
    assert has_odd_parity(fixed)
    assert fixed.hex().upper() == "0123456789ABCDEF"


def test_xor_refuses_unequal_lengths() -> None:
    with pytest.raises(DataLengthError):
        xor_bytes(b"ab", b"abc")


def test_kept_cbc_mac_contexts_start_each_message_from_the_zero_iv() -> None:
    """The kept CBC context (its chaining value cancelled on the first block) gives, message after message
    and key after key, the last block of a fresh TDES-CBC with a zero IV (NIST SP 800-38A 6.2)."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from keys.primitives import des_cbc_mac, tdes_cbc_mac

    def fresh(key: bytes, data: bytes) -> bytes:
        encryptor = Cipher(TripleDES(key * 3 if len(key) == 8 else key + key[:8]), modes.CBC(bytes(8))).encryptor()
        return encryptor.update(data)[-8:]

    keys = (bytes.fromhex("0123456789ABCDEF"), bytes.fromhex("FEDCBA9876543210"))
    for round_ in range(3):
        for key in keys:
            for length in (8, 16, 200):
                data = bytes((round_ * 7 + index) % 256 for index in range(length))
                assert des_cbc_mac(key, data) == fresh(key, data)
                assert tdes_cbc_mac(key + key[::-1], data) == fresh(key + key[::-1], data)


def test_cbc_mac_refuses_a_partial_block() -> None:
    from keys.primitives import des_cbc_mac

    with pytest.raises(DataLengthError, match="7 bytes"):
        des_cbc_mac(bytes(8), bytes(7))
