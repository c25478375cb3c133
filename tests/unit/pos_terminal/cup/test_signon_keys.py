"""DE 62 of the sign-on answer: working keys under the TMK (protocols.cup.signon_keys).

Known example: blog.csdn.net/zhu244912654/article/details/80005341 publishes a TMK
70F2A84CCBC2AE8625CBB0F2C22AB923 (double length) and the MAK ciphertext 96D605EA176B7E9E it
sent, deciphering to C24A8FB57AA20123: a single-length MAK under a double-length TMK, the
"003 with an 8-byte MAK" form (ciphertext then 8 zero bytes in DE 62) read here. The same MAK
gives the published DE 64 8A9E91B8 (tests/unit/keys/test_cup_mac.py). No complete public DE 62
with check values was found; check values are computed by their definition (leftmost 4 bytes
of E(key, 0^64)) and cross-checked with cryptography directly.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import KeyLengthError
from protocols.cup.errors import CheckValueError, CupFieldError
from protocols.cup.signon_keys import (
    SignOnKeys,
    SignOnKeyScheme,
    WorkingKeys,
    check_value,
    unwrap_working_keys,
    wrap_working_keys,
)

CSDN_TMK = bytes.fromhex("70F2A84CCBC2AE8625CBB0F2C22AB923")
CSDN_MAK_CIPHER = bytes.fromhex("96D605EA176B7E9E")
CSDN_MAK = bytes.fromhex("C24A8FB57AA20123")
TMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PIK = bytes.fromhex("1111111111111111" "2222222222222222")
MAK = bytes.fromhex("3333333333333333" "4444444444444444")
TDK = bytes.fromhex("5555555555555555" "6666666666666666")


def _ecb(key24: bytes, data: bytes) -> bytes:
    encryptor = Cipher(TripleDES(key24), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def test_check_value_is_the_leftmost_four_bytes_of_enciphered_zeros() -> None:
    assert check_value(PIK) == _ecb(PIK + PIK[:8], bytes(8))[:4]
    assert check_value(CSDN_MAK) == _ecb(CSDN_MAK * 3, bytes(8))[:4]


def test_the_classic_test_key_check_value_starts_08d7b4() -> None:
    # 0123456789ABCDEFFEDCBA9876543210: KCV 08D7B4 (the industry's classic TDES test key).
    assert check_value(TMK)[:3] == bytes.fromhex("08D7B4")


def test_published_mak_cipher_in_the_single_length_mak_form_unwraps_to_the_published_mak() -> None:
    pik_cipher = _ecb(CSDN_TMK + CSDN_TMK[:8], PIK)
    field62 = (pik_cipher + check_value(PIK) + CSDN_MAK_CIPHER + bytes(8) + check_value(CSDN_MAK))
    keys = SignOnKeys.decode(field62, SignOnKeyScheme.DOUBLE_LENGTH)
    assert keys.mak == CSDN_MAK_CIPHER
    clear = unwrap_working_keys(CSDN_TMK, keys)
    assert (clear.pik, clear.mak) == (PIK, CSDN_MAK)


@pytest.mark.parametrize(("working", "length", "scheme"), [
    (WorkingKeys(PIK[:8], MAK[:8]), 24, SignOnKeyScheme.SINGLE_DES),
    (WorkingKeys(PIK, MAK), 40, SignOnKeyScheme.DOUBLE_LENGTH),
    (WorkingKeys(PIK, MAK[:8]), 40, SignOnKeyScheme.DOUBLE_LENGTH),
    (WorkingKeys(PIK, MAK, TDK), 60, SignOnKeyScheme.DOUBLE_LENGTH_WITH_TRACK_KEY),
], ids=["001", "003", "003-single-mak", "004"])
def test_host_wraps_and_terminal_unwraps_each_scheme(working: WorkingKeys, length: int,
                                                     scheme: SignOnKeyScheme) -> None:
    field62 = wrap_working_keys(TMK, working).encode()
    assert len(field62) == length == scheme.field62_length
    decoded = SignOnKeys.decode(field62, scheme)
    assert decoded.scheme is scheme
    assert unwrap_working_keys(TMK, decoded) == working


def test_the_double_length_layout_is_pik_cv_mak_cv() -> None:
    field62 = wrap_working_keys(TMK, WorkingKeys(PIK, MAK)).encode()
    assert field62[:16] == _ecb(TMK + TMK[:8], PIK) and field62[16:20] == check_value(PIK)
    assert field62[20:36] == _ecb(TMK + TMK[:8], MAK) and field62[36:40] == check_value(MAK)


def test_a_single_length_mak_travels_as_its_cipher_and_eight_zero_bytes() -> None:
    field62 = wrap_working_keys(TMK, WorkingKeys(PIK, MAK[:8])).encode()
    assert field62[28:36] == bytes(8)


def test_a_single_des_tmk_wraps_each_key_block_with_des() -> None:
    tmk = bytes.fromhex("0123456789ABCDEF")
    field62 = wrap_working_keys(tmk, WorkingKeys(PIK[:8], MAK[:8])).encode()
    assert field62[:8] == _ecb(tmk * 3, PIK[:8])
    assert unwrap_working_keys(tmk, SignOnKeys.decode(field62)) == WorkingKeys(PIK[:8], MAK[:8])


keys16 = st.binary(min_size=16, max_size=16).filter(lambda k: any(k[8:]))


@given(pik=st.binary(min_size=16, max_size=16), mak=st.one_of(st.binary(min_size=8, max_size=8), keys16),
       pcv=st.binary(min_size=4, max_size=4), mcv=st.binary(min_size=4, max_size=4),
       tdk=st.one_of(st.none(), st.tuples(st.binary(min_size=16, max_size=16), st.binary(min_size=4, max_size=4))))
def test_double_length_layouts_round_trip(pik: bytes, mak: bytes, pcv: bytes, mcv: bytes,
                                          tdk: tuple[bytes, bytes] | None) -> None:
    keys = SignOnKeys(pik, pcv, mak, mcv, *(tdk or (None, None)))
    assert SignOnKeys.decode(keys.encode()) == keys


@given(pik=st.binary(min_size=8, max_size=8), mak=st.binary(min_size=8, max_size=8),
       pcv=st.binary(min_size=4, max_size=4), mcv=st.binary(min_size=4, max_size=4))
def test_single_length_layout_round_trips(pik: bytes, mak: bytes, pcv: bytes, mcv: bytes) -> None:
    keys = SignOnKeys(pik, pcv, mak, mcv)
    assert SignOnKeys.decode(keys.encode()) == keys


def test_a_wrong_mak_check_value_names_the_mak_and_its_offset() -> None:
    field62 = bytearray(wrap_working_keys(TMK, WorkingKeys(PIK, MAK)).encode())
    field62[36] ^= 0x01
    with pytest.raises(CheckValueError) as caught:
        unwrap_working_keys(TMK, SignOnKeys.decode(bytes(field62)))
    assert str(caught.value) == ("field 62 MAK check value: offset 36: does not match the MAK deciphered under "
                                 "the terminal master key")


def test_a_wrong_tmk_fails_on_the_pik_check_value_first() -> None:
    field62 = wrap_working_keys(TMK, WorkingKeys(PIK, MAK)).encode()
    with pytest.raises(CheckValueError, match=r"^field 62 PIK check value: offset 16: "):
        unwrap_working_keys(bytes(16), SignOnKeys.decode(field62))


def test_a_wrong_tdk_check_value_names_the_tdk() -> None:
    field62 = bytearray(wrap_working_keys(TMK, WorkingKeys(PIK, MAK, TDK)).encode())
    field62[59] ^= 0x80
    with pytest.raises(CheckValueError, match=r"^field 62 TDK check value: offset 56: "):
        unwrap_working_keys(TMK, SignOnKeys.decode(bytes(field62)))


def test_check_value_errors_never_show_key_bytes() -> None:
    field62 = bytearray(wrap_working_keys(TMK, WorkingKeys(PIK, MAK)).encode())
    field62[16] ^= 0x01
    with pytest.raises(CheckValueError) as caught:
        unwrap_working_keys(TMK, SignOnKeys.decode(bytes(field62)))
    text = str(caught.value).upper()
    assert "1111" not in text and "3333" not in text and "0123" not in text


def test_de62_of_an_unknown_length_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 62: offset 0: 39 bytes, expected 24 \(60\.3 001\), "
                                            r"40 \(003\) or 60 \(004\)$"):
        SignOnKeys.decode(bytes(39))


def test_de62_of_another_scheme_than_asked_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 62: offset 0: 24 bytes answer scheme 001, the sign-on asked "
                                            r"for 003$"):
        SignOnKeys.decode(bytes(24), SignOnKeyScheme.DOUBLE_LENGTH)


def test_a_short_check_value_is_refused_on_encode() -> None:
    with pytest.raises(CupFieldError, match=r"^field 62 PIK check value: offset 16: 3 bytes, expected 4$"):
        SignOnKeys(PIK, b"\x01\x02\x03", MAK, b"\x00" * 4).encode()


def test_a_16_byte_mak_cipher_ending_in_zeros_is_refused_on_encode() -> None:
    with pytest.raises(CupFieldError, match=r"^field 62 MAK: offset 28: a 16-byte MAK ciphertext ending in 8 zero"):
        SignOnKeys(PIK, bytes(4), MAK[:8] + bytes(8), bytes(4)).encode()


def test_a_tmk_of_24_bytes_is_a_key_length_error() -> None:
    with pytest.raises(KeyLengthError, match=r"^terminal master key: 24 bytes, expected 8 \(DES\) or 16 \(TDES\)$"):
        unwrap_working_keys(bytes(24), SignOnKeys.decode(bytes(40)))


def test_reprs_show_lengths_only() -> None:
    keys = wrap_working_keys(TMK, WorkingKeys(PIK, MAK))
    clear = unwrap_working_keys(TMK, keys)
    for text in (repr(keys), repr(clear)):
        assert "<16 bytes>" in text and "1111" not in text and "3333" not in text
