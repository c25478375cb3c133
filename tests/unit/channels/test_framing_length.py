"""Length-prefixed framers: 2-byte binary length and 4-byte ASCII length."""

from __future__ import annotations

import pytest

from iso8583.channels import AsciiLengthFramer, FramingError, TwoByteLengthFramer

MESSAGE = b"0200\x72\x3a\x00\x01payload"


def test_two_byte_length_prefix_is_big_endian_length_of_the_payload() -> None:
    assert TwoByteLengthFramer().encode(b"x" * 0x0102)[:2] == b"\x01\x02"


def test_two_byte_length_round_trips_a_message() -> None:
    framer = TwoByteLengthFramer()
    assert framer.feed(framer.encode(MESSAGE)) == [MESSAGE]


def test_two_byte_length_decodes_data_fed_one_byte_at_a_time() -> None:
    framer = TwoByteLengthFramer()
    wire = framer.encode(MESSAGE) + framer.encode(b"second")
    got = [payload for byte in wire for payload in framer.feed(bytes([byte]))]
    assert got == [MESSAGE, b"second"]


def test_two_byte_length_keeps_a_partial_frame_until_the_rest_arrives() -> None:
    framer = TwoByteLengthFramer()
    wire = framer.encode(MESSAGE)
    assert framer.feed(wire[:5]) == []
    assert framer.pending == 5
    assert framer.feed(wire[5:]) == [MESSAGE]
    assert framer.pending == 0


def test_two_byte_length_accepts_the_maximum_of_65535_bytes() -> None:
    framer = TwoByteLengthFramer()
    payload = bytes(65535)
    assert framer.feed(framer.encode(payload)) == [payload]


def test_two_byte_length_refuses_a_payload_over_65535_bytes() -> None:
    with pytest.raises(FramingError, match="65536 bytes exceeds the maximum of 65535"):
        TwoByteLengthFramer().encode(bytes(65536))


def test_two_byte_length_carries_an_empty_payload() -> None:
    framer = TwoByteLengthFramer()
    assert framer.encode(b"") == b"\x00\x00"
    assert framer.feed(b"\x00\x00") == [b""]


def test_ascii_length_prefix_is_four_decimal_digits() -> None:
    assert AsciiLengthFramer().encode(b"abc") == b"0003abc"


def test_ascii_length_round_trips_a_message() -> None:
    framer = AsciiLengthFramer()
    assert framer.feed(framer.encode(MESSAGE)) == [MESSAGE]


def test_ascii_length_decodes_data_fed_one_byte_at_a_time() -> None:
    framer = AsciiLengthFramer()
    wire = framer.encode(MESSAGE) * 2
    got = [payload for byte in wire for payload in framer.feed(bytes([byte]))]
    assert got == [MESSAGE, MESSAGE]


def test_ascii_length_refuses_a_payload_over_9999_bytes() -> None:
    with pytest.raises(FramingError, match="10000 bytes exceeds the maximum of 9999"):
        AsciiLengthFramer().encode(bytes(10000))


def test_ascii_length_malformed_prefix_names_the_prefix_and_its_offset() -> None:
    framer = AsciiLengthFramer()
    with pytest.raises(FramingError, match=r"length prefix 'A3x0' at offset 7 is not 4 ASCII digits") as info:
        framer.feed(b"0003abcA3x0")
    assert info.value.offset == 7


def test_framing_error_carries_the_good_payloads_that_preceded_it() -> None:
    framer = AsciiLengthFramer()
    with pytest.raises(FramingError) as info:
        framer.feed(b"0003abc0002dezz12")
    assert info.value.decoded == (b"abc", b"de")


def test_decoder_is_reset_after_a_framing_error_and_decodes_what_follows() -> None:
    framer = AsciiLengthFramer()
    with pytest.raises(FramingError):
        framer.feed(b"12x4garbage")
    assert framer.pending == 0
    assert framer.feed(b"0002ok") == [b"ok"]


def test_fresh_gives_an_empty_decoder_with_the_same_settings() -> None:
    framer = TwoByteLengthFramer()
    framer.feed(b"\x00\x05ab")
    fresh = framer.fresh()
    assert fresh.pending == 0
    assert isinstance(fresh, TwoByteLengthFramer)
