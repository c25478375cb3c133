"""ISO 9564-1 PIN blocks (keys.pinblock).

Known-answer vectors and where they were published:

[EFTLAB] EFTlab, "Complete list of PIN-blocks", ISO-0 example
    (https://eftlab.com/knowledge-base/complete-list-of-pin-blocks; the same example is on the
    ID TECH knowledge base): PIN 1234, PAN 43219876543210987 -> clear block 0412AC89ABCDEF67.
[X9.24-1] ANSI X9.24-1:2009 Annex A.4.2 "Initial Sequence" (TDES DUKPT test data, reproduced
    in jPOS's DUKPT tests and moov-io/dukpt): PIN 1234, PAN 4012345678909, format 0 clear block
    041274EDCBA9876F, enciphered under the PIN keys of KSN FFFF9876543210E00001..4:
      042666B49184CF5C68DE9628D0397B36 -> 1B9C1845EB993A7A
      C46551CEF9FD244FAA9AD834130D3B38 -> 10A01C8D02C69107
      0DF3D9422ACA561A47676D07AD6BAD05 -> 18DC07B94797B466
      279C0F6AEED0BE9A2B2C733E1383AE6E -> 0BC79509D5645DF7
[X9.24-3] ANSI X9.24-3-2017 supplementary test vectors, AES-128 BDK, "Calculation of AES PIN
    Block Format 4" (the PIN and PAN fields are quoted, with that citation, by
    openemv/pinblock test/pinblock_format4_test.c): PIN 1234, PAN 4111111111111111, random
    2F69ADDE2E9E7ACE, PIN field 441234AAAAAAAAAA2F69ADDE2E9E7ACE, PAN field
    44111111111111111000000000000000; under the counter-1 PIN key AF8CB133A78F8DC2D1359F18527593FB
    intermediate A DE84127CF6DCA7DFE47BDE89057CB820, B 9A95036DE7CDB6CEF47BDE89057CB820, block
    A912150391AB65A67E52883D81CE2D15; under the counter-2 key D30BDC73EC9714B000BEC66BDB7B6D09
    block 52A00503BD34BA1383F6A7EE9FE2547F.
[EP2] ep2 (eft/pos 2000) Security Specification v8.0.0, 8.4 "PIN Encryption", as quoted in
    psec tests/test_pinblock.py: AES key C1D0F8FB4958670DBA40AB1F3752EF0D, PAN
    432198765432109870, format 4 block CC17F65586BFD0953010226C4FC5B3CA -> PIN 1234.
[PSEC] psec 1.3.0 (github.com/knovichikhin/psec) docstrings and tests/test_pinblock.py:
    encode_pinblock_iso_0("1234", "5544332211009966") -> 041277CDDEEFF669;
    PIN 123456789012, PAN 5555555551234567 -> 0C1261032D8226A9; format 3 blocks
    341261AAAAEDCBA9, 391261032D8DCBA9, 3A1261032D82CBA9, 3C1261032D8226A9 for that PAN;
    format 4 PAN field of 112233445566778899 -> 61122334455667788990000000000000;
    decipher_pinblock_iso_4 docstring: key 00112233445566778899AABBCCDDEEFF, PAN
    1234567890123456, block E4BE5B623AF7E006AC319E5B93544564 -> PIN 1234.

Format 1 has no published known-answer vector (its fill is implementation-defined), so it is
checked by structure and round trip. psec is used as an oracle for property tests only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from unittest import mock

import psec.des
import psec.pinblock
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import DataLengthError, KeyLengthError, PanError, PinError
from keys.pinblock import (
    PinBlockFormat,
    decode_pin_block,
    decrypt_pin_block,
    encode_pin_block,
    encrypt_pin_block,
    pan_field_iso4,
    pin_field_iso4,
)

pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")

X924_3_RANDOM = bytes.fromhex("2F69ADDE2E9E7ACE")
X924_3_PAN = "4111111111111111"


def fixed(value: bytes) -> Callable[[int], bytes]:
    """A random_bytes stand-in that returns the leftmost n bytes of ``value``."""

    def random_bytes(count: int) -> bytes:
        return value[:count]

    return random_bytes


def zeros(count: int) -> bytes:
    return bytes(count)


pins = st.text(alphabet="0123456789", min_size=4, max_size=12)
pans_13_19 = st.text(alphabet="0123456789", min_size=13, max_size=19)
pans_12_19 = st.text(alphabet="0123456789", min_size=12, max_size=19)
aes_keys = st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
tdes_keys = st.sampled_from([16, 24]).flatmap(lambda n: st.binary(min_size=n, max_size=n))


# --- format 0: known answers -------------------------------------------------------------


def test_format0_clear_block_matches_eftlab_example() -> None:
    block = encode_pin_block(PinBlockFormat.ISO_0, "1234", "43219876543210987")
    assert block.hex().upper() == "0412AC89ABCDEF67"


def test_format0_clear_block_matches_x9_24_1_annex_a() -> None:
    assert encode_pin_block(PinBlockFormat.ISO_0, "1234", "4012345678909").hex().upper() == "041274EDCBA9876F"


def test_format0_clear_block_matches_psec_docstring_example() -> None:
    assert encode_pin_block(0, "1234", "5544332211009966").hex().upper() == "041277CDDEEFF669"


def test_format0_twelve_digit_pin_matches_psec_test_vector() -> None:
    assert encode_pin_block(0, "123456789012", "5555555551234567").hex().upper() == "0C1261032D8226A9"


def test_format0_decodes_the_eftlab_example() -> None:
    assert decode_pin_block(0, bytes.fromhex("0412AC89ABCDEF67"), "43219876543210987") == "1234"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("042666B49184CF5C68DE9628D0397B36", "1B9C1845EB993A7A"),
        ("C46551CEF9FD244FAA9AD834130D3B38", "10A01C8D02C69107"),
        ("0DF3D9422ACA561A47676D07AD6BAD05", "18DC07B94797B466"),
        ("279C0F6AEED0BE9A2B2C733E1383AE6E", "0BC79509D5645DF7"),
    ],
)
def test_format0_tdes_encryption_matches_x9_24_1_annex_a(key: str, expected: str) -> None:
    block = encrypt_pin_block(PinBlockFormat.ISO_0, bytes.fromhex(key), "1234", "4012345678909")
    assert block.hex().upper() == expected


@pytest.mark.parametrize(
    ("key", "block"),
    [
        ("042666B49184CF5C68DE9628D0397B36", "1B9C1845EB993A7A"),
        ("279C0F6AEED0BE9A2B2C733E1383AE6E", "0BC79509D5645DF7"),
    ],
)
def test_format0_tdes_decryption_recovers_x9_24_1_pin(key: str, block: str) -> None:
    assert decrypt_pin_block(0, bytes.fromhex(key), bytes.fromhex(block), "4012345678909") == "1234"


def test_format0_with_triple_length_key_equal_to_k1k2k1_matches_double_length() -> None:
    key = bytes.fromhex("042666B49184CF5C68DE9628D0397B36")
    block = encrypt_pin_block(0, key + key[:8], "1234", "4012345678909")
    assert block.hex().upper() == "1B9C1845EB993A7A"


# --- format 3: known answers and fill --------------------------------------------------


@pytest.mark.parametrize(
    ("block", "pin"),
    [
        ("341261AAAAEDCBA9", "1234"),
        ("391261032D8DCBA9", "123456789"),
        ("3A1261032D82CBA9", "1234567890"),
        ("3C1261032D8226A9", "123456789012"),
    ],
)
def test_format3_decodes_psec_test_vectors(block: str, pin: str) -> None:
    assert decode_pin_block(PinBlockFormat.ISO_3, bytes.fromhex(block), "5555555551234567") == pin


def test_format3_block_starts_with_control_length_and_pan_masked_pin_as_in_psec_tests() -> None:
    block = encode_pin_block(PinBlockFormat.ISO_3, "1234", "5555555551234567")
    assert block.hex().upper().startswith("341261")


def test_format3_zero_random_bytes_give_fill_digit_a() -> None:
    # PIN field 341234AAAAAAAAAA (9.3.5.2) XOR PAN field 0000555555123456 (9.3.5.3).
    expected = 0x341234AAAAAAAAAA ^ 0x0000555555123456
    block = encode_pin_block(3, "1234", "5555555551234567", random_bytes=zeros)
    assert int.from_bytes(block, "big") == expected


def test_format3_fill_redraws_bytes_that_would_bias_the_digits() -> None:
    draws = iter([bytes([255] * 10), bytes([5] * 10)])  # 255 is rejected; 5 % 6 = 5 -> F
    block = encode_pin_block(3, "1234", "5555555551234567", random_bytes=lambda n: next(draws)[:n])
    assert int.from_bytes(block, "big") == 0x341234FFFFFFFFFF ^ 0x0000555555123456


@given(pin=pins, pan=pans_13_19, rnd=st.randoms(use_true_random=False))
def test_format3_fill_digits_are_always_a_to_f(pin: str, pan: str, rnd: random.Random) -> None:
    block = encode_pin_block(3, pin, pan, random_bytes=rnd.randbytes)
    field = int.from_bytes(block, "big") ^ int("0000" + pan[-13:-1], 16)
    fill = f"{field:016X}"[2 + len(pin) :]
    assert set(fill) <= set("ABCDEF")


# --- format 1 ---------------------------------------------------------------------------


def test_format1_layout_is_control_length_pin_then_random_fill() -> None:
    block = encode_pin_block(PinBlockFormat.ISO_1, "12345", random_bytes=fixed(bytes.fromhex("9A33C56F87")))
    assert block.hex().upper() == "1512345" + "9A33C56F8"


def test_format1_needs_no_pan() -> None:
    assert decode_pin_block(1, encode_pin_block(1, "0000")) == "0000"


@given(pin=pins, rnd=st.randoms(use_true_random=False))
def test_format1_round_trips_any_pin_and_fill(pin: str, rnd: random.Random) -> None:
    block = encode_pin_block(1, pin, random_bytes=rnd.randbytes)
    assert block[0] >> 4 == 1 and block[0] & 0x0F == len(pin)
    assert decode_pin_block(1, block) == pin


@given(pin=pins, key=tdes_keys, rnd=st.randoms(use_true_random=False))
def test_format1_tdes_round_trip(pin: str, key: bytes, rnd: random.Random) -> None:
    block = encrypt_pin_block(1, key, pin, random_bytes=rnd.randbytes)
    assert decrypt_pin_block(1, key, block) == pin


# --- format 4: known answers ------------------------------------------------------------


def test_format4_pin_field_matches_x9_24_3_example() -> None:
    field = encode_pin_block(PinBlockFormat.ISO_4, "1234", random_bytes=fixed(X924_3_RANDOM))
    assert field.hex().upper() == "441234AAAAAAAAAA2F69ADDE2E9E7ACE"


def test_format4_pan_field_matches_x9_24_3_example() -> None:
    assert pan_field_iso4(X924_3_PAN).hex().upper() == "44111111111111111000000000000000"


def test_format4_pan_field_of_18_digits_matches_psec_test_vector() -> None:
    assert pan_field_iso4("112233445566778899").hex().upper() == "61122334455667788990000000000000"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("AF8CB133A78F8DC2D1359F18527593FB", "A912150391AB65A67E52883D81CE2D15"),
        ("D30BDC73EC9714B000BEC66BDB7B6D09", "52A00503BD34BA1383F6A7EE9FE2547F"),
    ],
)
def test_format4_aes_encryption_matches_x9_24_3_example(key: str, expected: str) -> None:
    block = encrypt_pin_block(4, bytes.fromhex(key), "1234", X924_3_PAN, random_bytes=fixed(X924_3_RANDOM))
    assert block.hex().upper() == expected


def test_format4_decryption_recovers_x9_24_3_pin() -> None:
    key = bytes.fromhex("AF8CB133A78F8DC2D1359F18527593FB")
    block = bytes.fromhex("A912150391AB65A67E52883D81CE2D15")
    assert decrypt_pin_block(PinBlockFormat.ISO_4, key, block, X924_3_PAN) == "1234"


def test_format4_decryption_recovers_ep2_example_pin() -> None:
    key = bytes.fromhex("C1D0F8FB4958670DBA40AB1F3752EF0D")
    block = bytes.fromhex("CC17F65586BFD0953010226C4FC5B3CA")
    assert decrypt_pin_block(4, key, block, "432198765432109870") == "1234"


def test_format4_decryption_recovers_psec_docstring_example_pin() -> None:
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    block = bytes.fromhex("E4BE5B623AF7E006AC319E5B93544564")
    assert decrypt_pin_block(4, key, block, "1234567890123456") == "1234"


def test_format4_decryption_with_another_pan_is_refused() -> None:
    key = bytes.fromhex("AF8CB133A78F8DC2D1359F18527593FB")
    block = bytes.fromhex("A912150391AB65A67E52883D81CE2D15")
    with pytest.raises(PinError):
        decrypt_pin_block(4, key, block, "4111111111111129")


def test_format4_decode_ignores_the_random_field() -> None:
    assert decode_pin_block(4, bytes.fromhex("441234AAAAAAAAAA0123456789ABCDEF")) == "1234"


# --- validation -------------------------------------------------------------------------


def test_three_digit_pin_is_refused_with_the_count_only() -> None:
    with pytest.raises(PinError) as excinfo:
        encode_pin_block(0, "987", "4012345678909")
    assert str(excinfo.value) == "PIN must have 4 to 12 digits, got 3"


def test_thirteen_digit_pin_is_refused() -> None:
    with pytest.raises(PinError, match="got 13"):
        encode_pin_block(1, "1234567890123")


def test_pin_with_a_letter_is_refused_without_echoing_it() -> None:
    with pytest.raises(PinError, match="character 3") as excinfo:
        encode_pin_block(1, "98A76")
    assert "98" not in str(excinfo.value)


def test_pin_of_non_ascii_digits_is_refused() -> None:
    with pytest.raises(PinError):
        encode_pin_block(1, "\u0661\u0662\u0663\u0664")


def test_format0_eleven_digit_pan_is_refused() -> None:
    with pytest.raises(PanError, match="got 11"):
        encode_pin_block(0, "1234", "40123456789")


def test_format0_twelve_digit_pan_is_refused() -> None:
    with pytest.raises(PanError, match="13 to 19"):
        encode_pin_block(0, "1234", "401234567890")


def test_format3_twenty_digit_pan_is_refused() -> None:
    with pytest.raises(PanError, match="got 20"):
        encode_pin_block(3, "1234", "4" * 20)


def test_pan_error_does_not_echo_the_pan() -> None:
    with pytest.raises(PanError) as excinfo:
        encode_pin_block(0, "1234", "4012345678X09")
    assert "40123" not in str(excinfo.value)
    assert "character 11" in str(excinfo.value)


def test_format0_without_pan_is_refused() -> None:
    with pytest.raises(PanError, match="needs the PAN"):
        encode_pin_block(0, "1234")


def test_format4_encryption_without_pan_is_refused() -> None:
    with pytest.raises(PanError, match="needs the PAN"):
        encrypt_pin_block(4, bytes(16), "1234")


def test_format4_eleven_digit_pan_is_refused() -> None:
    with pytest.raises(PanError, match="12 to 19"):
        pan_field_iso4("41111111111")


def test_format4_twenty_digit_pan_is_refused() -> None:
    with pytest.raises(PanError, match="got 20"):
        pan_field_iso4("4" * 20)


def test_format2_is_not_supported() -> None:
    with pytest.raises(PinError, match="format 2"):
        encode_pin_block(2, "1234")


def test_tdes_formats_refuse_a_single_des_key() -> None:
    with pytest.raises(KeyLengthError):
        encrypt_pin_block(0, bytes(8), "1234", "4012345678909")


def test_format4_refuses_a_key_that_is_not_aes() -> None:
    with pytest.raises(KeyLengthError):
        encrypt_pin_block(4, bytes(8), "1234", X924_3_PAN, random_bytes=zeros)


def test_random_source_returning_too_few_bytes_is_refused() -> None:
    with pytest.raises(DataLengthError):
        pin_field_iso4("1234", random_bytes=lambda n: bytes(n - 1))


# --- decoding invalid blocks ------------------------------------------------------------


def test_decode_names_a_wrong_control_field() -> None:
    with pytest.raises(PinError, match="control field is 2"):
        decode_pin_block(1, bytes.fromhex("241234FFFFFFFFFF"))


def test_decode_names_a_bad_length_nibble() -> None:
    with pytest.raises(PinError, match="length nibble is 3"):
        decode_pin_block(1, bytes.fromhex("13123FFFFFFFFFFF"))


def test_decode_names_the_length_nibble_above_twelve() -> None:
    with pytest.raises(PinError, match="length nibble is 13"):
        decode_pin_block(4, bytes.fromhex("4D1234567890123A0000000000000000"))


def test_decode_names_the_position_of_a_non_decimal_pin_digit() -> None:
    with pytest.raises(PinError, match="PIN digit 3 \\(nibble 5\\)"):
        decode_pin_block(1, bytes.fromhex("1412B4FFFFFFFFFF"))


def test_format0_decode_names_the_position_of_a_bad_fill_digit() -> None:
    with pytest.raises(PinError, match="fill digit at nibble 16 is not F"):
        decode_pin_block(0, bytes.fromhex("041274EDCBA98760"), "4012345678909")


def test_format3_decode_refuses_a_fill_digit_below_a() -> None:
    # psec tests: 341261AAAAEDCBA2 leaves fill nibble 16 = 4 for PAN 5555555551234567.
    with pytest.raises(PinError, match="fill digit at nibble 16 is not A to F"):
        decode_pin_block(3, bytes.fromhex("341261AAAAEDCBA2"), "5555555551234567")


def test_format4_decode_refuses_fill_other_than_a() -> None:
    with pytest.raises(PinError, match="fill digit at nibble 8 is not A"):
        decode_pin_block(4, bytes.fromhex("441234ABAAAAAAAA0123456789ABCDEF"))


def test_decode_with_the_wrong_pan_names_the_fill_position_but_no_pin_digit() -> None:
    # The two PANs differ only in the digit before the check digit: nibble 16 stops being F.
    block = encode_pin_block(0, "1234", "4012345678909")
    with pytest.raises(PinError) as excinfo:
        decode_pin_block(0, block, "4012345678917")
    assert str(excinfo.value) == "PIN block: fill digit at nibble 16 is not F"


def test_decode_error_does_not_reveal_pin_digits_lying_in_the_fill() -> None:
    # The length nibble says 4 but the field carries 6 PIN digits: digits 5 and 6 sit in the fill.
    with pytest.raises(PinError) as excinfo:
        decode_pin_block(4, bytes.fromhex("44123456AAAAAAAA0000000000000000"))
    assert str(excinfo.value) == "PIN block: fill digit at nibble 7 is not A"


def test_decode_refuses_a_block_of_the_wrong_length() -> None:
    with pytest.raises(DataLengthError, match="7 bytes, expected 8"):
        decode_pin_block(0, bytes(7), "4012345678909")


def test_format4_decrypt_refuses_an_eight_byte_block() -> None:
    with pytest.raises(DataLengthError, match="expected 16"):
        decrypt_pin_block(4, bytes(16), bytes(8), X924_3_PAN)


# --- cross-checks against psec (oracle) -------------------------------------------------


@given(pin=pins, pan=pans_13_19)
def test_format0_matches_psec_byte_for_byte(pin: str, pan: str) -> None:
    assert encode_pin_block(0, pin, pan) == psec.pinblock.encode_pinblock_iso_0(pin, pan)


@given(pin=pins, pan=pans_13_19)
def test_format0_decodes_psec_blocks(pin: str, pan: str) -> None:
    assert decode_pin_block(0, psec.pinblock.encode_pinblock_iso_0(pin, pan), pan) == pin


@given(pin=pins, pan=pans_13_19, key=tdes_keys)
def test_format0_tdes_block_matches_psec_tdes_of_psec_block(pin: str, pan: str, key: bytes) -> None:
    expected = psec.des.encrypt_tdes_ecb(key, psec.pinblock.encode_pinblock_iso_0(pin, pan))
    assert encrypt_pin_block(0, key, pin, pan) == expected


@given(pin=pins, pan=pans_13_19, rnd=st.randoms(use_true_random=False))
def test_psec_decodes_our_format3_blocks(pin: str, pan: str, rnd: random.Random) -> None:
    block = encode_pin_block(3, pin, pan, random_bytes=rnd.randbytes)
    assert psec.pinblock.decode_pinblock_iso_3(block, pan) == pin


@given(pin=pins, pan=pans_13_19)
def test_we_decode_psec_format3_blocks(pin: str, pan: str) -> None:
    assert decode_pin_block(3, psec.pinblock.encode_pinblock_iso_3(pin, pan), pan) == pin


@given(pan=pans_12_19)
def test_format4_pan_field_matches_psec(pan: str) -> None:
    assert pan_field_iso4(pan) == psec.pinblock.encode_pan_field_iso_4(pan)


@given(pin=pins, pan=pans_12_19, key=aes_keys, fill=st.binary(min_size=8, max_size=8))
def test_format4_matches_psec_with_the_same_random_field(pin: str, pan: str, key: bytes, fill: bytes) -> None:
    with mock.patch.object(psec.pinblock, "_urandom", lambda n: fill[:n]):
        expected = psec.pinblock.encipher_pinblock_iso_4(key, pin, pan)
    assert encrypt_pin_block(4, key, pin, pan, random_bytes=fixed(fill)) == expected


@given(pin=pins, pan=pans_12_19, key=aes_keys)
def test_format4_decrypts_psec_blocks(pin: str, pan: str, key: bytes) -> None:
    assert decrypt_pin_block(4, key, psec.pinblock.encipher_pinblock_iso_4(key, pin, pan), pan) == pin


@given(pin=pins, pan=pans_12_19, key=aes_keys, rnd=st.randoms(use_true_random=False))
def test_psec_decrypts_our_format4_blocks(pin: str, pan: str, key: bytes, rnd: random.Random) -> None:
    block = encrypt_pin_block(4, key, pin, pan, random_bytes=rnd.randbytes)
    assert psec.pinblock.decipher_pinblock_iso_4(key, block, pan) == pin


@given(pin=pins, rnd=st.randoms(use_true_random=False))
def test_psec_decodes_our_format4_pin_field(pin: str, rnd: random.Random) -> None:
    field = encode_pin_block(4, pin, random_bytes=rnd.randbytes)
    assert psec.pinblock.decode_pin_field_iso_4(field) == pin


@given(pin=pins, pan=pans_13_19, key=tdes_keys, fmt=st.sampled_from([0, 3]), rnd=st.randoms(use_true_random=False))
def test_tdes_formats_round_trip(pin: str, pan: str, key: bytes, fmt: int, rnd: random.Random) -> None:
    block = encrypt_pin_block(fmt, key, pin, pan, random_bytes=rnd.randbytes)
    assert decrypt_pin_block(fmt, key, block, pan) == pin


def test_default_random_fill_differs_between_calls() -> None:
    first = encode_pin_block(4, "1234")
    second = encode_pin_block(4, "1234")
    assert first[:8] == second[:8] and first[8:] != second[8:]


@given(pin=st.text("0123456789", min_size=4, max_size=12), pan=st.text("0123456789", min_size=13, max_size=19))
def test_format_0_fast_path_is_the_pin_field_xor_the_pan_field(pin: str, pan: str) -> None:
    """ISO 9564-1:2017 9.3.2: the one-integer construction of the usual case equals the field-by-field one."""
    from keys.pinblock import _pin_field_64, pan_field_iso0

    expected = bytes(a ^ b for a, b in zip(_pin_field_64(PinBlockFormat.ISO_0, pin, bytes), pan_field_iso0(pan),
                                            strict=True))
    assert encode_pin_block(PinBlockFormat.ISO_0, pin, pan) == expected
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert decrypt_pin_block(PinBlockFormat.ISO_0, key, encrypt_pin_block(PinBlockFormat.ISO_0, key, pin, pan),
                             pan) == pin


@pytest.mark.parametrize(("pin", "pan", "error"), [
    (b"1234", "4761739001010119", PinError),  # bytes, not text: the per-message path must not read it
    ("\u0661\u0662\u0663\u0664", "4761739001010119", PinError),  # Arabic-Indic digits: int() would take them
    ("1234", "476173900101011\u0669", PanError),
    ("12_4", "4761739001010119", PinError),  # int(..., 16) would take the underscore
    ("1234", None, PanError),
])
def test_format0_encipherment_refuses_what_its_one_xor_path_cannot_take(pin: object, pan: object,
                                                                        error: type[Exception]) -> None:
    with pytest.raises(error):
        encrypt_pin_block(PinBlockFormat.ISO_0, bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"), pin, pan)  # type: ignore[arg-type]


@given(clear=st.binary(min_size=8, max_size=8) | st.sampled_from([bytes.fromhex("041234FFFFFFFFFF"),
                                                                   bytes.fromhex("0C123456789012FF")]),
       pan=st.text("0123456789", min_size=13, max_size=19))
def test_format0_decipherment_gives_what_the_general_decoder_gives(clear: bytes, pan: str) -> None:
    """The one-XOR path of decrypt_pin_block (format 0) returns, for any block, the PIN the general decoder
    (ISO 9564-1:2017 9.3.2) reads from the same clear block, or the same error."""
    from keys.primitives import tdes_encrypt_ecb

    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    pan_field = int(pan[-13:-1], 16)
    block = (int.from_bytes(clear, "big") ^ pan_field).to_bytes(8, "big")  # the clear block of this PAN
    try:
        expected: str | Exception = decode_pin_block(PinBlockFormat.ISO_0, block, pan)
    except PinError as error:
        expected = error
    enciphered = tdes_encrypt_ecb(key, block)
    if isinstance(expected, str):
        assert decrypt_pin_block(PinBlockFormat.ISO_0, key, enciphered, pan) == expected
    else:
        with pytest.raises(PinError) as excinfo:
            decrypt_pin_block(PinBlockFormat.ISO_0, key, enciphered, pan)
        assert str(excinfo.value) == str(expected)
