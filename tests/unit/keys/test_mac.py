"""MACs: ISO/IEC 9797-1 algorithms 1 and 3 (ANSI X9.9 / X9.19) and AES-CMAC (keys.mac).

Known-answer vectors and where they were published:

[RFC4493] RFC 4493 section 4 "Test Vectors" (the NIST SP 800-38B AES-128 examples):
    K = 2B7E151628AED2A6ABF7158809CF4F3C;
    Example 1, empty message -> BB1D6929E95937287FA37D129B756746;
    Example 2, 16 bytes -> 070A16B46B4D4144F79BDD9DD04A287C;
    Example 3, 40 bytes -> DFA66747DE9AE63030CA32611497C827;
    Example 4, 64 bytes -> 51F0BEBF7E3B9D92FC49741779363CFE.
[ISO9797-B] ISO/IEC 9797-1 Annex B examples (1999 edition; the same table is the annex of
    GB/T 15852.1-2008, and the 2011 edition's B.4 values for algorithm 3 are quoted in the
    RustCrypto retail-mac crate documentation): K = 0123456789ABCDEF, K' = FEDCBA9876543210,
    data string 1 = "Now is the time for all " (24 bytes), string 2 = "Now is the time for it"
    (22 bytes).
      Algorithm 1 (DES, MAC truncated to 32 bits): string 1 padding 1 -> 70A30640,
      padding 2 -> 10E1F0F1; string 2 padding 1 -> E45B3AD2, padding 2 -> A924C721.
      Algorithm 3 (K, K', 64 bits): string 1 padding 1 -> A1C72E74EA3FA9B6, padding 2 ->
      E9086230CA3BE796; string 2 padding 1 -> 2E2B1428CC78254F, padding 2 -> 5A692CE64F404145.
[X9.9] FIPS PUB 113 / ANSI X9.9 DES CBC-MAC of "Now is the time for all " under
    0123456789ABCDEF: full 64-bit output 70A30640CC76DD8B (its left half is [ISO9797-B]'s 70A30640).
[BC] Bouncy Castle test suite, ISO9797Alg3MacTest: key 7CA110454A1A6E570131D9619DC1376E,
    "Hello World !!!!" -> F09B856213BAB83B (retail MAC, zero padding).
[PSEC] psec 1.3.0 docstrings (github.com/knovichikhin/psec, psec/mac.py): generate_cbc_mac with
    key 0123456789ABCDEFFEDCBA9876543210, data 1234567890ABCDEF, padding 2 -> 925B1737EF681AD3;
    pad_iso_1(1234) -> 1234000000000000; pad_iso_2(1234) -> 1234800000000000.

psec (algorithms 1 and 3) and cryptography's CMAC are oracles for the property tests.
"""

from __future__ import annotations

import hmac
from unittest import mock

import psec.mac
import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import CryptoError, DataLengthError, KeyLengthError, MacVerificationError
from keys.mac import (
    MacAlgorithm,
    generate_mac,
    mac_aes_cmac,
    mac_iso9797_alg1,
    mac_iso9797_alg3,
    pad_method_1,
    pad_method_2,
    verify_mac,
)

pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")

RFC4493_KEY = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
RFC4493_MESSAGE = bytes.fromhex(
    "6BC1BEE22E409F96E93D7E117393172A"
    "AE2D8A571E03AC9C9EB76FAC45AF8E51"
    "30C81C46A35CE411E5FBC1191A0A52EF"
    "F69F2445DF4F9B17AD2B417BE66C3710"
)
ISO_K = bytes.fromhex("0123456789ABCDEF")
ISO_K_PRIME = bytes.fromhex("FEDCBA9876543210")
STRING_1 = b"Now is the time for all "
STRING_2 = b"Now is the time for it"

data_strategy = st.binary(max_size=80)
paddings = st.sampled_from([1, 2])


def keys_of(*lengths: int) -> st.SearchStrategy[bytes]:
    return st.sampled_from(lengths).flatmap(lambda n: st.binary(min_size=n, max_size=n))


# --- padding ----------------------------------------------------------------------------


def test_padding_method_1_of_empty_data_is_one_zero_block() -> None:
    assert pad_method_1(b"", 8) == bytes(8)


def test_padding_method_1_fills_with_zeros_as_in_psec_docstring() -> None:
    assert pad_method_1(bytes.fromhex("1234"), 8).hex().upper() == "1234000000000000"


def test_padding_method_1_leaves_whole_blocks_alone() -> None:
    assert pad_method_1(bytes(range(16)), 8) == bytes(range(16))


def test_padding_method_2_appends_80_then_zeros_as_in_psec_docstring() -> None:
    assert pad_method_2(bytes.fromhex("1234"), 8).hex().upper() == "1234800000000000"


def test_padding_method_2_adds_a_whole_block_to_whole_blocks() -> None:
    assert pad_method_2(bytes(8), 8) == bytes(8) + b"\x80" + bytes(7)


def test_padding_method_2_of_empty_data_with_aes_block() -> None:
    assert pad_method_2(b"", 16) == b"\x80" + bytes(15)


def test_padding_refuses_a_non_positive_block() -> None:
    with pytest.raises(DataLengthError):
        pad_method_1(b"abc", 0)


def test_unknown_padding_method_is_refused() -> None:
    with pytest.raises(CryptoError, match="padding method must be 1 or 2, got 3"):
        mac_iso9797_alg1(ISO_K, STRING_1, padding=3)


# --- algorithm 1 (CBC-MAC) --------------------------------------------------------------


def test_alg1_des_matches_x9_9_full_mac() -> None:
    assert mac_iso9797_alg1(ISO_K, STRING_1).hex().upper() == "70A30640CC76DD8B"


@pytest.mark.parametrize(
    ("data", "padding", "expected"),
    [
        (STRING_1, 1, "70A30640"),
        (STRING_1, 2, "10E1F0F1"),
        (STRING_2, 1, "E45B3AD2"),
        (STRING_2, 2, "A924C721"),
    ],
)
def test_alg1_des_matches_iso9797_annex_b(data: bytes, padding: int, expected: str) -> None:
    mac = generate_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, data, padding=padding, length=4)
    assert mac.hex().upper() == expected


def test_alg1_tdes_matches_psec_docstring_example() -> None:
    key = ISO_K + ISO_K_PRIME
    assert mac_iso9797_alg1(key, bytes.fromhex("1234567890ABCDEF"), padding=2).hex().upper() == "925B1737EF681AD3"


def test_alg1_refuses_a_twelve_byte_key() -> None:
    with pytest.raises(KeyLengthError, match="12 bytes"):
        mac_iso9797_alg1(bytes(12), STRING_1)


# --- algorithm 3 (retail MAC, ANSI X9.19) -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "padding", "expected"),
    [
        (STRING_1, 1, "A1C72E74EA3FA9B6"),
        (STRING_1, 2, "E9086230CA3BE796"),
        (STRING_2, 1, "2E2B1428CC78254F"),
        (STRING_2, 2, "5A692CE64F404145"),
    ],
)
def test_alg3_matches_iso9797_annex_b(data: bytes, padding: int, expected: str) -> None:
    assert mac_iso9797_alg3(ISO_K + ISO_K_PRIME, data, padding).hex().upper() == expected


def test_alg3_matches_bouncy_castle_test_vector() -> None:
    key = bytes.fromhex("7CA110454A1A6E570131D9619DC1376E")
    assert mac_iso9797_alg3(key, b"Hello World !!!!").hex().upper() == "F09B856213BAB83B"


def test_alg3_triple_length_key_with_k3_equal_k1_is_the_double_length_mac() -> None:
    key = ISO_K + ISO_K_PRIME
    assert mac_iso9797_alg3(key + ISO_K, STRING_1).hex().upper() == "A1C72E74EA3FA9B6"


def test_alg3_refuses_a_single_des_key() -> None:
    with pytest.raises(KeyLengthError, match="8 bytes"):
        mac_iso9797_alg3(ISO_K, STRING_1)


# --- AES-CMAC ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (0, "BB1D6929E95937287FA37D129B756746"),
        (16, "070A16B46B4D4144F79BDD9DD04A287C"),
        (40, "DFA66747DE9AE63030CA32611497C827"),
        (64, "51F0BEBF7E3B9D92FC49741779363CFE"),
    ],
)
def test_aes_cmac_matches_rfc4493_examples(length: int, expected: str) -> None:
    assert mac_aes_cmac(RFC4493_KEY, RFC4493_MESSAGE[:length]).hex().upper() == expected


def test_generate_mac_accepts_the_cli_spelling_of_the_algorithm() -> None:
    mac = generate_mac("aes-cmac", RFC4493_KEY, RFC4493_MESSAGE[:16])
    assert mac.hex().upper() == "070A16B46B4D4144F79BDD9DD04A287C"


def test_aes_cmac_refuses_a_des_key() -> None:
    with pytest.raises(KeyLengthError):
        mac_aes_cmac(ISO_K, b"")


# --- generate_mac / verify_mac ----------------------------------------------------------


def test_algorithm_values_are_the_cli_spellings() -> None:
    assert [member.value for member in MacAlgorithm] == ["iso9797-1-alg1", "iso9797-1-alg3", "aes-cmac", "cup-ecb"]


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(CryptoError, match="unknown MAC algorithm 'hmac'"):
        generate_mac("hmac", RFC4493_KEY, b"")


def test_generate_mac_truncates_to_the_leftmost_bytes() -> None:
    mac = generate_mac(MacAlgorithm.ISO9797_1_ALG3, ISO_K + ISO_K_PRIME, STRING_1, length=4)
    assert mac.hex().upper() == "A1C72E74"


def test_generate_mac_refuses_length_below_four() -> None:
    with pytest.raises(DataLengthError, match="got 3"):
        generate_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, length=3)


def test_generate_mac_refuses_length_beyond_the_des_block() -> None:
    with pytest.raises(DataLengthError, match="4 to 8 bytes, got 9"):
        generate_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, length=9)


def test_generate_mac_allows_sixteen_bytes_for_cmac() -> None:
    assert len(generate_mac(MacAlgorithm.AES_CMAC, RFC4493_KEY, b"", length=16)) == 16


def test_verify_accepts_the_published_retail_mac() -> None:
    verify_mac(MacAlgorithm.ISO9797_1_ALG3, ISO_K + ISO_K_PRIME, STRING_1, bytes.fromhex("A1C72E74EA3FA9B6"))


def test_verify_accepts_a_truncated_published_mac() -> None:
    verify_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_2, bytes.fromhex("E45B3AD2"))


def test_verify_accepts_a_truncated_rfc4493_tag() -> None:
    verify_mac(MacAlgorithm.AES_CMAC, RFC4493_KEY, b"", bytes.fromhex("BB1D6929E9593728"))


def test_verify_rejects_altered_data() -> None:
    with pytest.raises(MacVerificationError, match="did not verify"):
        verify_mac(MacAlgorithm.ISO9797_1_ALG3, ISO_K + ISO_K_PRIME, STRING_2, bytes.fromhex("A1C72E74EA3FA9B6"))


def test_verify_rejects_an_altered_mac() -> None:
    with pytest.raises(MacVerificationError):
        verify_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, bytes.fromhex("70A30641"))


def test_verify_rejects_a_mac_of_the_wrong_padding() -> None:
    with pytest.raises(MacVerificationError):
        verify_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, bytes.fromhex("70A30640"), padding=2)


def test_verify_rejects_a_three_byte_mac() -> None:
    with pytest.raises(MacVerificationError, match="3 bytes"):
        verify_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, bytes.fromhex("70A306"))


def test_verify_rejects_a_mac_longer_than_the_block() -> None:
    with pytest.raises(MacVerificationError, match="17 bytes"):
        verify_mac(MacAlgorithm.AES_CMAC, RFC4493_KEY, b"", bytes(17))


def test_verify_compares_in_constant_time() -> None:
    with mock.patch("keys.mac.hmac.compare_digest", wraps=hmac.compare_digest) as spy:
        verify_mac(MacAlgorithm.ISO9797_1_ALG1, ISO_K, STRING_1, bytes.fromhex("70A30640"))
    spy.assert_called_once()


# --- cross-checks against oracles -------------------------------------------------------


@given(key=keys_of(8, 16, 24), data=data_strategy, padding=paddings)
def test_alg1_matches_psec_cbc_mac(key: bytes, data: bytes, padding: int) -> None:
    assert mac_iso9797_alg1(key, data, padding) == psec.mac.generate_cbc_mac(key, data, padding)


@given(key=keys_of(16), data=data_strategy, padding=paddings)
def test_alg3_matches_psec_retail_mac(key: bytes, data: bytes, padding: int) -> None:
    expected = psec.mac.generate_retail_mac(key[:8], key[8:], data, padding)
    assert mac_iso9797_alg3(key, data, padding) == expected


def _retail_mac_three_keys(key: bytes, padded: bytes) -> bytes:
    """Independent formulation: DES-CBC under K1 up to the last block, whose chaining input is
    then enciphered by TDES-EDE3 (E_K3 D_K2 E_K1), the same as E_K3(D_K2(H_q))."""
    des = Cipher(TripleDES(key[:8] * 3), modes.CBC(bytes(8))).encryptor()
    chain = (des.update(padded[:-8]) + des.finalize())[-8:] if len(padded) > 8 else bytes(8)
    last = bytes(a ^ b for a, b in zip(chain, padded[-8:], strict=True))
    ede3 = Cipher(TripleDES(key), modes.ECB()).encryptor()
    return ede3.update(last) + ede3.finalize()


@given(key=keys_of(24), data=data_strategy, padding=paddings)
def test_alg3_triple_length_key_matches_ede3_formulation(key: bytes, data: bytes, padding: int) -> None:
    padded = pad_method_1(data, 8) if padding == 1 else pad_method_2(data, 8)
    assert mac_iso9797_alg3(key, data, padding) == _retail_mac_three_keys(key, padded)


@given(key=keys_of(16, 24, 32), data=data_strategy)
def test_aes_cmac_matches_cryptography(key: bytes, data: bytes) -> None:
    oracle = CMAC(AES(key))
    oracle.update(data)
    assert mac_aes_cmac(key, data) == oracle.finalize()


@given(
    algorithm=st.sampled_from(list(MacAlgorithm)),
    data=data_strategy,
    padding=paddings,
    length=st.integers(min_value=4, max_value=8),
    key=st.binary(min_size=16, max_size=16),
)
def test_generated_truncated_mac_verifies(
    algorithm: MacAlgorithm, data: bytes, padding: int, length: int, key: bytes
) -> None:
    mac = generate_mac(algorithm, key, data, padding=padding, length=length)
    verify_mac(algorithm, key, data, mac, padding=padding)


@given(key=st.binary(min_size=16, max_size=16), data=st.binary(min_size=1, max_size=40), flip=st.integers(0, 7))
def test_any_single_bit_change_in_the_mac_is_rejected(key: bytes, data: bytes, flip: int) -> None:
    mac = bytearray(generate_mac(MacAlgorithm.ISO9797_1_ALG3, key, data))
    mac[0] ^= 1 << flip
    with pytest.raises(MacVerificationError):
        verify_mac(MacAlgorithm.ISO9797_1_ALG3, key, data, bytes(mac))


def test_alg3_on_kept_contexts_is_a_fresh_computation_message_after_message_and_key_after_key() -> None:
    """The per-message path (kept DES-CBC and TDES contexts, the chaining value cancelled on each message's
    first block) gives, for messages of one, two and many blocks under alternating keys, what a fresh
    computation of algorithm 3 from its definition gives (ISO/IEC 9797-1:2011 7.3: CBC under K1, then
    D_K2 and E_K1 of the last block); generate_mac, verify_mac and mac_iso9797_alg3 all read the same contexts."""
    def fresh(key: bytes, data: bytes) -> bytes:
        padded = data + bytes(-len(data) % 8) if data else bytes(8)
        chained = Cipher(TripleDES(key[:8] * 3), modes.CBC(bytes(8))).encryptor().update(padded)[-8:]
        middle = Cipher(TripleDES(key[8:16] * 3), modes.ECB()).decryptor().update(chained)
        return Cipher(TripleDES(key[:8] * 3), modes.ECB()).encryptor().update(middle)

    keys = (bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"), bytes.fromhex("7CA110454A1A6E570131D9619DC1376E"))
    for round_ in range(3):
        for key in keys:
            for length in (0, 5, 8, 16, 17, 300):
                data = bytes((round_ * 31 + index) % 256 for index in range(length))
                expected = fresh(key, data)
                assert generate_mac(MacAlgorithm.ISO9797_1_ALG3, key, data, padding=1, length=8) == expected
                assert mac_iso9797_alg3(key, data) == expected
                verify_mac(MacAlgorithm.ISO9797_1_ALG3, key, data, expected[:4], padding=1)
