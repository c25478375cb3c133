"""Byte-exact golden messages of terminal87, checked by hand field by field.

terminal87: BCD MTI, binary bitmaps, n fields packed BCD (odd digit counts get a
leading 0 nibble), LL/LLL prefixes in BCD (1 and 2 bytes), z (track 2) in BCD with
"=" as nibble D and a trailing F pad nibble, an/ans in ASCII, b raw.
"""

from __future__ import annotations

import pytest

from iso8583.codec import decode, encode
from iso8583.dialects import get_dialect
from iso8583.errors import DecodeError
from iso8583.message import Message

REFUND = Message("0200", {
    2: "4761739001010119",
    3: "200000",
    4: "000000001234",
    11: "000123",
    14: "2512",
    22: "051",
    24: "001",
    25: "00",
    35: "4761739001010119=25122011",
    37: "532911000123",
    41: "TERM0001",
    42: "MERCHANT0000001",
    49: "978",
    52: bytes.fromhex("0123456789ABCDEF"),
    55: bytes.fromhex("9F2608A1B2C3D4E5F60718"),
    62: "000123",
    64: bytes.fromhex("0011223344556677"),
})

REFUND_BYTES = bytes.fromhex("".join([
    "0200",                              # offset 0: MTI 0200 in BCD
    "70 24 05 80 28 C0 92 05",           # offset 2: primary bitmap. Byte by byte:
    #   70 = 0111 0000: fields 2, 3, 4 (bit 1 clear: no secondary bitmap)
    #   24 = 0010 0100: fields 11, 14          05 = 0000 0101: fields 22, 24
    #   80 = 1000 0000: field 25               28 = 0010 1000: fields 35, 37
    #   C0 = 1100 0000: fields 41, 42          92 = 1001 0010: fields 49, 52, 55
    #   05 = 0000 0101: fields 62, 64
    "16 4761739001010119",               # offset 10: 2 PAN, LL prefix 0x16 = 16 digits, 8 bytes BCD
    "200000",                            # offset 19: 3 processing code 200000 (refund)
    "000000001234",                      # offset 22: 4 amount 12.34 in minor units, n 12 = 6 bytes
    "000123",                            # offset 28: 11 STAN
    "2512",                              # offset 31: 14 expiry YYMM
    "0051",                              # offset 33: 22 entry mode 051: 3 digits, leading pad 0
    "0001",                              # offset 35: 24 NII 001, leading pad 0
    "00",                                # offset 37: 25 POS condition code
    "25 4761739001010119D25122011F",     # offset 38: 35 track 2, 25 characters: "=" is D, trailing pad F
    "353332393131303030313233",          # offset 52: 37 RRN "532911000123" in ASCII
    "5445524D30303031",                  # offset 64: 41 terminal ID "TERM0001"
    "4D45524348414E54303030303030 31",   # offset 72: 42 merchant ID "MERCHANT0000001"
    "0978",                              # offset 87: 49 currency 978 (EUR) as n 3, leading pad 0
    "0123456789ABCDEF",                  # offset 89: 52 PIN block, 8 raw bytes
    "0011 9F2608A1B2C3D4E5F60718",       # offset 97: 55 ICC data, LLL prefix 0x0011 = 11 bytes
    "0006 303030313233",                 # offset 110: 62 invoice "000123", LLL prefix 0x0006
    "0011223344556677",                  # offset 118: 64 MAC, 8 raw bytes; total 126 bytes
]).replace(" ", ""))

RESPONSE = Message("0210", {
    2: "6799998900000000017",
    3: "200000",
    4: "000000001234",
    11: "000123",
    37: "532911000123",
    38: "A1B2C3",
    39: "00",
    41: "TERM0001",
})

RESPONSE_BYTES = bytes.fromhex("".join([
    "0210",                              # MTI 0210
    "70 20 00 00 0E 80 00 00",           # fields 2, 3, 4 | 11 | - | - | 37, 38, 39 (0E = 0000 1110) | 41
    "19 06799998900000000017",           # 2: 19 digits (prefix 0x19) need 10 bytes: leading pad 0
    "200000",                            # 3
    "000000001234",                      # 4
    "000123",                            # 11
    "353332393131303030313233",          # 37 RRN, ASCII
    "413142324333",                      # 38 approval code "A1B2C3", ASCII
    "3030",                              # 39 response code "00", ASCII
    "5445524D30303031",                  # 41
]).replace(" ", ""))

SIGN_ON = Message("0800", {11: "000001", 70: "301"}, header=bytes.fromhex("6000010000"))

SIGN_ON_BYTES = bytes.fromhex("".join([
    "60 0001 0000",                      # TPDU: ID 60, destination NII 0001, source 0000
    "0800",                              # MTI 0800 network management request
    "80 20 00 00 00 00 00 00",           # primary: bit 1 (secondary follows) and field 11 (0x20 in byte 2)
    "04 00 00 00 00 00 00 00",           # secondary: field 70 (0x04 = 6th bit of 65-72)
    "000001",                            # 11 STAN
    "0301",                              # 70 network management code 301 (echo test), leading pad 0
]).replace(" ", ""))


@pytest.mark.parametrize(("dialect_name", "message", "expected"), [
    ("terminal87", REFUND, REFUND_BYTES),
    ("terminal87", RESPONSE, RESPONSE_BYTES),
    ("terminal87-tpdu", SIGN_ON, SIGN_ON_BYTES),
], ids=["refund-request", "refund-response", "sign-on-with-tpdu"])
def test_terminal87_encodes_golden_bytes(dialect_name: str, message: Message, expected: bytes) -> None:
    assert encode(message, get_dialect(dialect_name)).hex().upper() == expected.hex().upper()


@pytest.mark.parametrize(("dialect_name", "message", "expected"), [
    ("terminal87", REFUND, REFUND_BYTES),
    ("terminal87", RESPONSE, RESPONSE_BYTES),
    ("terminal87-tpdu", SIGN_ON, SIGN_ON_BYTES),
], ids=["refund-request", "refund-response", "sign-on-with-tpdu"])
def test_terminal87_decodes_golden_bytes(dialect_name: str, message: Message, expected: bytes) -> None:
    assert decode(expected, get_dialect(dialect_name)) == message


def test_golden_refund_is_126_bytes_as_counted_in_the_comments() -> None:
    assert len(REFUND_BYTES) == 126


def test_track2_nibble_e_is_reported_at_its_byte_offset() -> None:
    corrupted = bytearray(REFUND_BYTES)
    corrupted[47] = 0xE2  # offset 38 prefix, 39-46 PAN digits, 47 holds "D2" (separator, first expiry digit)
    with pytest.raises(DecodeError) as caught:
        decode(bytes(corrupted), get_dialect("terminal87"))
    assert str(caught.value) == "field 35: offset 47: bad BCD nibble 0xE"
    assert (caught.value.field, caught.value.offset) == (35, 47)


def test_track2_pad_nibble_other_than_f_is_rejected() -> None:
    corrupted = bytearray(REFUND_BYTES)
    corrupted[51] = 0x10  # last track 2 byte "1F" becomes "10"
    with pytest.raises(DecodeError, match=r"^field 35: offset 51: pad nibble 0x0, expected 0xF$"):
        decode(bytes(corrupted), get_dialect("terminal87"))


def test_odd_pan_with_non_zero_leading_pad_is_rejected() -> None:
    corrupted = bytearray(RESPONSE_BYTES)
    corrupted[11] = 0x16  # "06" -> "16": the leading pad nibble must be 0
    with pytest.raises(DecodeError, match=r"^field 2: offset 11: pad nibble 0x1, expected 0x0$"):
        decode(bytes(corrupted), get_dialect("terminal87"))


def test_tpdu_dialect_needs_the_five_header_bytes() -> None:
    with pytest.raises(DecodeError, match=r"^header: offset 0: needs 5 bytes, only 3 left$"):
        decode(bytes.fromhex("600001"), get_dialect("terminal87-tpdu"))
