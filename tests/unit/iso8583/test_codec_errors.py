"""Validation: every malformed message or byte string gets an error naming field, offset and expectation."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iso8583.codec import decode, encode
from iso8583.dialects import get_dialect
from iso8583.errors import DecodeError, DialectError, EncodeError, Iso8583Error
from iso8583.message import Message

ASCII = get_dialect("iso87ascii")
BINARY = get_dialect("iso87binary")
TERMINAL = get_dialect("terminal87")
PAN = "4761739001010119"


def ascii_bytes(text: str) -> bytes:
    return text.encode("ascii")


# -- the error family -----------------------------------------------------------------------------

@pytest.mark.parametrize("error_type", [Iso8583Error, EncodeError, DecodeError, DialectError])
def test_every_error_is_a_value_error(error_type: type) -> None:
    assert issubclass(error_type, ValueError) and issubclass(error_type, Iso8583Error)


def test_decode_error_survives_pickling_with_its_attributes() -> None:
    error = pickle.loads(pickle.dumps(DecodeError(35, 47, "bad BCD nibble 0xE")))
    assert (error.field, error.offset, error.reason, str(error)) == (35, 47, "bad BCD nibble 0xE",
                                                                     "field 35: offset 47: bad BCD nibble 0xE")


def test_encode_error_survives_pickling_with_its_attributes() -> None:
    error = pickle.loads(pickle.dumps(EncodeError(4, "13 digits, max 12")))
    assert (error.field, error.reason, str(error)) == (4, "13 digits, max 12", "field 4: 13 digits, max 12")


# -- encoding -------------------------------------------------------------------------------------

def test_fixed_numeric_field_too_long_names_field_and_lengths() -> None:
    with pytest.raises(EncodeError, match=r"^field 4: 13 digits, expected 12$"):
        encode(Message("0200", {4: "0" * 13}), ASCII)


def test_fixed_numeric_field_too_short_is_not_padded_silently() -> None:
    with pytest.raises(EncodeError, match=r"^field 11: 5 digits, expected 6$"):
        encode(Message("0200", {11: "12345"}), TERMINAL)


def test_variable_field_over_its_maximum_names_the_maximum() -> None:
    with pytest.raises(EncodeError, match=r"^field 2: 20 digits, max 19$"):
        encode(Message("0200", {2: "4" * 20}), ASCII)


def test_letter_in_numeric_field_names_its_position_but_not_the_pan() -> None:
    with pytest.raises(EncodeError) as caught:
        encode(Message("0200", {2: PAN[:5] + "X" + PAN[6:]}), TERMINAL)
    assert str(caught.value) == "field 2: character 6 is not a digit"
    assert PAN[:6] not in str(caught.value)


def test_non_ascii_character_in_ans_field_is_rejected() -> None:
    with pytest.raises(EncodeError, match=r"^field 43: character 2 is not printable ASCII"):
        encode(Message("0200", {43: "Ré".ljust(40)}), ASCII)


def test_space_in_an_field_is_rejected() -> None:
    with pytest.raises(EncodeError, match=r"^field 39: character 1 is not a letter or digit$"):
        encode(Message("0210", {39: " 0"}), ASCII)


def test_track2_letter_other_than_separator_is_rejected() -> None:
    with pytest.raises(EncodeError, match=r"^field 35: character 17 is not a digit or '='$"):
        encode(Message("0200", {35: PAN + "D2512"}), TERMINAL)


def test_binary_field_given_as_text_is_a_type_error_of_the_message() -> None:
    with pytest.raises(EncodeError, match=r"^field 52: expected bytes, got str$"):
        encode(Message("0200", {52: "0123456789ABCDEF"}), BINARY)


def test_text_field_given_as_bytes_is_rejected() -> None:
    with pytest.raises(EncodeError, match=r"^field 3: expected str, got bytes$"):
        encode(Message("0200", {3: b"200000"}), ASCII)


def test_sign_of_amount_field_must_be_c_or_d() -> None:
    with pytest.raises(EncodeError, match=r"^field 28: character 1 must be C \(credit\) or D \(debit\)$"):
        encode(Message("0200", {28: "X00000100"}), ASCII)


def test_field_undefined_in_the_dialect_is_rejected() -> None:
    with pytest.raises(EncodeError, match=r"^field 65: the dialect iso87ascii defines no field 65$"):
        encode(Message("0200", {3: "200000", 65: "1"}), ASCII)


def test_field_one_is_computed_not_given() -> None:
    with pytest.raises(EncodeError, match=r"^field 1: field 1 is the secondary bitmap"):
        encode(Message("0200", {1: "", 3: "200000"}), ASCII)


@pytest.mark.parametrize("key", [0, -1, 129])
def test_field_numbers_outside_2_to_128_are_rejected(key: int) -> None:
    with pytest.raises(EncodeError, match=rf"^field {key}: no such field \(fields are 2..128\)$"):
        encode(Message("0200", {key: "1"}), ASCII)


def test_non_integer_field_key_is_rejected() -> None:
    with pytest.raises(EncodeError, match="field keys must be integers"):
        encode(Message("0200", {"3": "200000"}), ASCII)  # type: ignore[dict-item]


@pytest.mark.parametrize("mti", ["200", "02000", "02A0", "٠٢٠٠"])
def test_mti_must_be_four_ascii_digits(mti: str) -> None:
    with pytest.raises(EncodeError, match=r"^MTI: expected 4 digits$"):
        encode(Message(mti, {}), TERMINAL)


def test_header_must_have_the_dialect_length() -> None:
    with pytest.raises(EncodeError, match=r"^header: 4 bytes, the dialect terminal87-tpdu expects 5$"):
        encode(Message("0800", {11: "000001"}, header=b"\x60\x00\x01\x00"), get_dialect("terminal87-tpdu"))


def test_dialect_without_header_refuses_a_header() -> None:
    with pytest.raises(EncodeError, match=r"^header: 5 bytes, the dialect terminal87 expects 0$"):
        encode(Message("0800", {11: "000001"}, header=b"\x60\x00\x01\x00\x00"), TERMINAL)


def test_secondary_bitmap_is_added_only_when_a_field_above_64_is_present() -> None:
    assert encode(Message("0800", {11: "000001"}), ASCII)[4:20] == b"0020000000000000"
    with_70 = encode(Message("0800", {11: "000001", 70: "301"}), ASCII)
    assert with_70[4:36] == b"80200000000000000400000000000000"


def test_bytearray_and_memoryview_values_are_accepted_for_b_fields() -> None:
    expected = encode(Message("0200", {52: b"\x01" * 8}), BINARY)
    assert encode(Message("0200", {52: bytearray(b"\x01" * 8)}), BINARY) == expected
    assert encode(Message("0200", {52: memoryview(b"\x01" * 8)}), BINARY) == expected


# -- decoding -------------------------------------------------------------------------------------

def test_decode_returns_fields_in_ascending_order_without_bitmaps() -> None:
    message = decode(ascii_bytes("02107000000000000000164761739001010119200000000000001234"), ASCII)
    assert list(message.fields) == [2, 3, 4]
    assert message.mti == "0210"


def test_trailing_bytes_are_reported_with_count_and_offset() -> None:
    data = ascii_bytes("02102000000000000000200000") + b"XYZ"
    with pytest.raises(DecodeError) as caught:
        decode(data, ASCII)
    assert str(caught.value) == "3 trailing bytes after the last field at offset 26"
    assert (caught.value.field, caught.value.offset) == (None, 26)


def test_truncated_fixed_field_reports_what_is_missing() -> None:
    with pytest.raises(DecodeError, match=r"^field 4: offset 26: needs 12 bytes, only 5 left$"):
        decode(ascii_bytes("02103000000000000000200000") + b"00000", ASCII)


def test_truncated_variable_field_reports_offset_of_its_data() -> None:
    with pytest.raises(DecodeError, match=r"^field 2: offset 22: needs 16 bytes, only 4 left$"):
        decode(ascii_bytes("02104000000000000000164761"), ASCII)


def test_length_prefix_over_the_maximum_is_impossible() -> None:
    with pytest.raises(DecodeError, match=r"^field 2: offset 20: length prefix says 20, max 19$"):
        decode(ascii_bytes("0210400000000000000020") + b"4" * 20, ASCII)


def test_length_prefix_with_a_non_digit_is_reported_at_that_byte() -> None:
    with pytest.raises(DecodeError, match=r"^field 2: offset 21: length prefix: byte 0x41 is not an ASCII digit"):
        decode(ascii_bytes("02104000000000000000" + "1A") + b"4" * 16, ASCII)


def test_bcd_length_prefix_with_a_bad_nibble_is_reported() -> None:
    data = bytes.fromhex("0200" + "4000000000000000" + "1A" + "47617390010101")
    with pytest.raises(DecodeError, match=r"^field 2: offset 10: length prefix: bad BCD nibble 0xA$"):
        decode(data, TERMINAL)


def test_bcd_numeric_field_with_a_hex_digit_is_reported_at_its_byte() -> None:
    data = bytes.fromhex("0200" + "2000000000000000" + "20B000")
    with pytest.raises(DecodeError, match=r"^field 3: offset 11: bad BCD nibble 0xB$"):
        decode(data, TERMINAL)


def test_letter_in_ascii_numeric_field_is_reported_at_its_byte() -> None:
    with pytest.raises(DecodeError, match=r"^field 3: offset 22: byte 0x41 is not a digit$"):
        decode(ascii_bytes("02002000000000000000" + "20A000"), ASCII)


def test_control_character_in_ans_field_is_rejected() -> None:
    data = ascii_bytes("02000000000000800000") + b"TERM\x07001"
    with pytest.raises(DecodeError, match=r"^field 41: offset 24: byte 0x07 is not printable ASCII"):
        decode(data, ASCII)


def test_bit_set_for_an_undefined_field_names_the_bit_and_the_bitmap_byte() -> None:
    data = ascii_bytes("0200" + "8000000000000000" + "4000000000000000")  # bit 1, then bit 66
    with pytest.raises(DecodeError) as caught:
        decode(data, ASCII.replace(name="t", fields={n: s for n, s in ASCII.fields.items() if n != 66}))
    assert str(caught.value) == "secondary bitmap: offset 20: bit 66 set but the dialect t defines no field 66"


def test_bit_65_is_refused_because_tertiary_bitmaps_are_not_supported() -> None:
    data = ascii_bytes("0200" + "8000000000000000" + "8000000000000000")
    with pytest.raises(DecodeError, match=r"^secondary bitmap: offset 20: bit 65 set but the dialect iso87ascii defines no field 65$"):
        decode(data, ASCII)


def test_lower_case_hex_bitmap_is_rejected_to_keep_decoding_canonical() -> None:
    with pytest.raises(DecodeError, match=r"^primary bitmap: offset 5: byte 0x61 is not an upper-case hex digit$"):
        decode(ascii_bytes("0200" + "0a00000000000000"), ASCII)


def test_lower_case_hex_in_a_hex_text_b_field_is_rejected() -> None:
    data = ascii_bytes("0200" + "0000000000001000" + "0123456789abcdef")
    with pytest.raises(DecodeError, match=r"^field 52: offset 30: byte 0x61 is not an upper-case hex digit$"):
        decode(data, ASCII)


def test_empty_secondary_bitmap_is_rejected() -> None:
    data = bytes.fromhex("30323030" + "A000000000000000" + "0000000000000000") + b"200000"
    with pytest.raises(DecodeError, match=r"^secondary bitmap: offset 12: bit 1 set but no field 65-128 is present$"):
        decode(data, BINARY)


def test_truncated_bitmap_is_reported() -> None:
    with pytest.raises(DecodeError, match=r"^primary bitmap: offset 4: needs 8 bytes, only 3 left$"):
        decode(b"0200\x20\x00\x00", BINARY)


def test_mti_with_a_letter_is_reported() -> None:
    with pytest.raises(DecodeError, match=r"^MTI: offset 1: byte 0x58 is not a digit$"):
        decode(b"0X00" + bytes(8), BINARY)


def test_empty_input_is_a_truncated_mti() -> None:
    with pytest.raises(DecodeError, match=r"^MTI: offset 0: needs 4 bytes, only 0 left$"):
        decode(b"", ASCII)


def test_decode_accepts_bytearray_and_memoryview() -> None:
    data = ascii_bytes("02102000000000000000200000")
    assert decode(bytearray(data), ASCII) == decode(memoryview(data), ASCII) == decode(data, ASCII)


def test_decode_refuses_text_with_a_type_error() -> None:
    with pytest.raises(TypeError):
        decode("02102000000000000000200000", ASCII)  # type: ignore[arg-type]


def test_zero_length_variable_field_round_trips() -> None:
    message = Message("0200", {2: "", 48: ""})
    assert decode(encode(message, TERMINAL), TERMINAL) == message


# -- text fields: a valid value takes the one-step path, any other the checked one ------------------------

@pytest.mark.parametrize("number", [11, 37, 41, 44])
@given(value=st.text(max_size=30))
def test_any_text_in_an_ascii_field_round_trips_or_is_refused_naming_the_field(number: int, value: str) -> None:
    message = Message("0200", {number: value})
    try:
        data = encode(message, ASCII)
    except EncodeError as error:
        assert error.field == number
        return
    assert decode(data, ASCII).fields[number] == value
