"""Byte-exact golden frames of the ``cup-pos`` dialect, written out by hand from its field rules.

The rules (iso8583/dialects/cup_pos.py, docs/dialects.md "cup-pos"): 11-byte header (TPDU 60 +
destination + source, then the 6-byte message header of 12 BCD digits), BCD MTI, one 8-byte
binary bitmap, n/z fields packed BCD (odd lengths: a trailing 0 nibble for DE 2, 22, 32, 35, 48,
60, 61; a leading 0 nibble for DE 23), LL prefix 1 BCD byte, LLL prefix 2 BCD bytes counting
digits for n/z and bytes for b/ans, DE 37-42 and 49 ASCII, DE 52/64 8 raw bytes.

Each frame is typed byte by byte below, not produced by the encoder; the tests decode it, encode
the decoded message again, and compare both ways. DE 64 of the financial frames is the real CUP
ECB MAC (keys.cup_mac) of the bytes from the MTI to the end of DE 63 under MAK below.

The padding evidence (public CUP POS frames): DE 22 "021" travels as 02 10 and DE 60 "22000001"
as 22 00 00 01 in the 0200 of blog.csdn.net/zhu244912654/article/details/80005341; DE 22 "030"
as 03 00 and a 19-digit DE 60 with a trailing 0 nibble in q.cnblogs.com/q/128930; DE 23 as 00 05,
track 2 of 29 characters with a trailing 0 nibble and DE 49 as ASCII "156" in the 0200 of
github.com/JokerZhu/PythonLearn myTest/simu/simuPOSP/lib/Security.py (commit 27c2f53).
"""

from __future__ import annotations

import pytest

from iso8583.codec import decode, encode
from iso8583.dialects import get_dialect
from iso8583.errors import DecodeError, EncodeError
from iso8583.message import Message
from keys.cup_mac import cup_ecb_mac

DIALECT = get_dialect("cup-pos")
MAK = bytes.fromhex("C24A8FB57AA20123")

REQUEST_HEADER = bytes.fromhex("6000010000" "603100000000")
#   60 = TPDU ID, 0001 = destination (host NII 1), 0000 = source;
#   60 = POS application, 31 = software version, 0 = terminal status normal,
#   0 = no processing request, 000000 = reserved
RESPONSE_HEADER = bytes.fromhex("6000000001" "603100000000")  # the host swaps the TPDU addresses

TID, MID = "10000001", "898110048160001"
UNIONPAY_19 = "6216261000000000018"      # 19 digits: odd, so DE 2 gets a trailing pad nibble
UNIONPAY_16 = "6250947000000014"


def frame(text: str) -> bytes:
    """Hex bytes from ``text``: ``#`` starts a comment, spaces and line breaks are ignored."""
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()).replace(" ", ""))


# -- sign-on 0800 and its answer 0810 ------------------------------------------------------------

SIGN_ON = Message("0800", {
    11: "000001",
    41: TID,
    42: MID,
    60: "00" "000001" "003",      # 60.1 type 00, 60.2 batch 000001, 60.3 003: double-length keys
    63: "01 ",                    # operator "01 " (an 3)
}, header=REQUEST_HEADER)

SIGN_ON_BYTES = frame("""
    6000010000 603100000000             # offset 0: TPDU, message header (11 bytes)
    0800                                # offset 11: MTI
    00 20 00 00 00 C0 00 12             # offset 13: bitmap: 20 = 11 | C0 = 41, 42 | 12 = 60, 63
    000001                              # offset 21: 11 STAN
    3130303030303031                    # offset 24: 41 "10000001", ASCII
    383938313130303438313630303031      # offset 32: 42 "898110048160001", ASCII
    0011 00 000001 003 0                # offset 47: 60, LLL 0011 = 11 digits: 6 bytes, trailing pad 0
    0003 303120                         # offset 55: 63, LLL 0003 = 3 bytes "01 "; 60 bytes in all
""")

SIGN_ON_ANSWER = Message("0810", {
    11: "000001",
    12: "103015",
    13: "0915",
    32: "01049910000",
    37: "000000000001",
    39: "00",
    41: TID,
    42: MID,
    60: "00" "000001" "003",
    62: bytes.fromhex("00112233445566778899AABBCCDDEEFF" "01020304"
                      "F0E1D2C3B4A5968778695A4B3C2D1E0F" "0A0B0C0D"),
}, header=RESPONSE_HEADER)

SIGN_ON_ANSWER_BYTES = frame("""
    6000000001 603100000000             # offset 0: TPDU with the addresses swapped, message header
    0810                                # offset 11: MTI
    00 38 00 01 0A C0 00 14             # offset 13: 38 = 11, 12, 13 | 01 = 32 | 0A = 37, 39
                                        #   | C0 = 41, 42 | 14 = 60, 62
    000001                              # offset 21: 11
    103015                              # offset 24: 12 time hhmmss
    0915                                # offset 27: 13 date MMDD
    11 010499100000                     # offset 29: 32, LL 11 digits: 6 bytes, trailing pad 0
    303030303030303030303031            # offset 36: 37 RRN "000000000001"
    3030                                # offset 48: 39 "00"
    3130303030303031                    # offset 50: 41
    383938313130303438313630303031      # offset 58: 42
    0011 00 000001 003 0                # offset 73: 60
    0040                                # offset 81: 62, LLL 0040 = 40 bytes:
    00112233445566778899AABBCCDDEEFF    #   PIK under the TMK (16)
    01020304                            #   PIK check value (4)
    F0E1D2C3B4A5968778695A4B3C2D1E0F    #   MAK under the TMK (16)
    0A0B0C0D                            #   MAK check value (4); 123 bytes in all
""")

# -- sale 0200 (chip, PIN) -----------------------------------------------------------------------

SALE = Message("0200", {
    2: UNIONPAY_19,
    3: "000000",
    4: "000000012345",
    11: "000002",
    14: "3112",
    22: "051",
    23: "001",
    25: "00",
    26: "06",
    35: UNIONPAY_19 + "=" + "3112" + "220" + "1234",
    41: TID,
    42: MID,
    49: "156",
    52: bytes.fromhex("1A2B3C4D5E6F7081"),
    53: "2600000000000000",
    55: bytes.fromhex("9F26081122334455667788" "9F270180"),
    60: "22" "000001",
    64: b"E5FCD44E",
}, header=REQUEST_HEADER)

SALE_BYTES = frame("""
    6000010000 603100000000             # offset 0: header
    0200                                # offset 11: MTI
    70 24 06 C0 20 C0 9A 11             # offset 13: 70 = 2, 3, 4 | 24 = 11, 14 | 06 = 22, 23
                                        #   | C0 = 25, 26 | 20 = 35 | C0 = 41, 42
                                        #   | 9A = 49, 52, 53, 55 | 11 = 60, 64
    19 62162610000000000180             # offset 21: 2, LL 19 digits: 10 bytes, trailing pad 0
    000000                              # offset 32: 3 processing code (goods and services)
    000000012345                        # offset 35: 4 amount 123.45 CNY
    000002                              # offset 41: 11
    3112                                # offset 44: 14 expiry YYMM
    0510                                # offset 46: 22 "051" (chip, PIN): trailing pad 0
    0001                                # offset 48: 23 "001": leading pad 0
    00                                  # offset 50: 25
    06                                  # offset 51: 26
    31 6216261000000000018D311222012340 # offset 52: 35, LL 31 characters: "=" is D, trailing pad 0
    3130303030303031                    # offset 69: 41
    383938313130303438313630303031      # offset 77: 42
    313536                              # offset 92: 49 "156" (CNY), ASCII
    1A2B3C4D5E6F7081                    # offset 95: 52 PIN block, 8 raw bytes
    2600000000000000                    # offset 103: 53: format with PAN (2), TDES (6)
    0015 9F26081122334455667788 9F270180  # offset 111: 55, LLL 0015 = 15 bytes: 9F26 (8), 9F27 (1)
    0008 22000001                       # offset 128: 60, LLL 0008 = 8 digits: 60.1 22, batch 000001
    4535464344343445                    # offset 134: 64 MAC "E5FCD44E", 8 ASCII bytes; 142 in all
""")

# -- refund 0220 (swipe, no PIN) -----------------------------------------------------------------

REFUND = Message("0220", {
    3: "200000",
    4: "000000005000",
    11: "000004",
    22: "022",
    25: "00",
    35: UNIONPAY_16 + "=" + "3012" + "201",
    37: "123456789012",
    41: TID,
    42: MID,
    49: "156",
    60: "25" "000001",
    61: "000001" "000002" "0915",
    64: b"15239CCD",
}, header=REQUEST_HEADER)

REFUND_BYTES = frame("""
    6000010000 603100000000             # offset 0: header
    0220                                # offset 11: MTI
    30 20 04 80 28 C0 80 19             # offset 13: 30 = 3, 4 | 20 = 11 | 04 = 22 | 80 = 25
                                        #   | 28 = 35, 37 | C0 = 41, 42 | 80 = 49 | 19 = 60, 61, 64
    200000                              # offset 21: 3 processing code 20 (refund)
    000000005000                        # offset 24: 4 amount 50.00: a partial refund
    000004                              # offset 30: 11
    0220                                # offset 33: 22 "022" (swipe, no PIN): trailing pad 0
    00                                  # offset 35: 25
    24 6250947000000014D3012201         # offset 36: 35, LL 24 characters: 12 bytes, no pad
    313233343536373839303132            # offset 49: 37 original RRN "123456789012"
    3130303030303031                    # offset 61: 41
    383938313130303438313630303031      # offset 69: 42
    313536                              # offset 84: 49
    0008 25000001                       # offset 87: 60: 60.1 25 (refund), batch 000001
    0016 0000010000020915               # offset 93: 61: original batch, voucher 000002, date 0915
    3135323339434344                    # offset 103: 64 MAC "15239CCD"; 111 bytes in all
""")

# -- void 0200 (key entry) -----------------------------------------------------------------------

VOID = Message("0200", {
    2: UNIONPAY_16,
    3: "200000",
    4: "000000012345",
    11: "000003",
    14: "3012",
    22: "012",
    25: "00",
    37: "123456789012",
    38: "AB1234",
    41: TID,
    42: MID,
    49: "156",
    60: "23" "000001",
    61: "000001" "000002",
    64: b"A3B9D5A9",
}, header=REQUEST_HEADER)

VOID_BYTES = frame("""
    6000010000 603100000000             # offset 0: header
    0200                                # offset 11: MTI
    70 24 04 80 0C C0 80 19             # offset 13: 70 = 2, 3, 4 | 24 = 11, 14 | 04 = 22 | 80 = 25
                                        #   | 0C = 37, 38 | C0 = 41, 42 | 80 = 49 | 19 = 60, 61, 64
    16 6250947000000014                 # offset 21: 2, LL 16 digits: 8 bytes
    200000                              # offset 30: 3
    000000012345                        # offset 33: 4 the full original amount
    000003                              # offset 39: 11
    3012                                # offset 42: 14
    0120                                # offset 44: 22 "012" (key entry, no PIN): trailing pad 0
    00                                  # offset 46: 25
    313233343536373839303132            # offset 47: 37 original RRN
    414231323334                        # offset 59: 38 original authorization code "AB1234"
    3130303030303031                    # offset 65: 41
    383938313130303438313630303031      # offset 73: 42
    313536                              # offset 88: 49
    0008 23000001                       # offset 91: 60: 60.1 23 (void), batch 000001
    0012 000001000002                   # offset 97: 61: original batch and voucher
    4133423944354139                    # offset 105: 64 MAC "A3B9D5A9"; 113 bytes in all
""")

# -- settlement 0500 -----------------------------------------------------------------------------

SETTLEMENT = Message("0500", {
    11: "000005",
    41: TID,
    42: MID,
    48: ("000000012345" "001" "000000005000" "001" "0"       # domestic: debits, credits, result
         "000000000000" "000" "000000000000" "000" "0"),     # foreign cards: none
    49: "156",
    60: "00" "000001" "201",
    63: "01 ",
}, header=REQUEST_HEADER)

SETTLEMENT_BYTES = frame("""
    6000010000 603100000000             # offset 0: header
    0500                                # offset 11: MTI
    00 20 00 00 00 C1 80 12             # offset 13: 20 = 11 | C1 = 41, 42, 48 | 80 = 49 | 12 = 60, 63
    000005                              # offset 21: 11
    3130303030303031                    # offset 24: 41
    383938313130303438313630303031      # offset 32: 42
    0062                                # offset 47: 48, LLL 0062 = 62 digits, 31 bytes (BCD: the
                                        #   hex digits are the decimal digits):
    000000012345 001                    #   domestic debit amount 123.45, debit count 001
    000000005000 001                    #   domestic credit amount 50.00, credit count 001
    0                                   #   domestic result code 0 (the terminal does not know yet)
    000000000000 000 000000000000 000 0 #   foreign cards: amounts, counts, result code
    313536                              # offset 80: 49
    0011 00 000001 201 0                # offset 83: 60: 00, batch 000001, 60.3 201, trailing pad 0
    0003 303120                         # offset 91: 63 operator "01 "; 96 bytes in all
""")


GOLDEN = {
    "sign-on-0800": (SIGN_ON, SIGN_ON_BYTES),
    "sign-on-answer-0810": (SIGN_ON_ANSWER, SIGN_ON_ANSWER_BYTES),
    "sale-0200": (SALE, SALE_BYTES),
    "refund-0220": (REFUND, REFUND_BYTES),
    "void-0200": (VOID, VOID_BYTES),
    "settlement-0500": (SETTLEMENT, SETTLEMENT_BYTES),
}


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_frame_decodes_to_its_message(name: str) -> None:
    message, wire = GOLDEN[name]
    assert decode(wire, DIALECT) == message


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_frame_is_encoded_byte_exact(name: str) -> None:
    message, wire = GOLDEN[name]
    assert encode(message, DIALECT).hex(" ").upper() == wire.hex(" ").upper()


@pytest.mark.parametrize("name", GOLDEN)
def test_decoding_then_encoding_gives_back_the_same_bytes(name: str) -> None:
    _, wire = GOLDEN[name]
    assert encode(decode(wire, DIALECT), DIALECT) == wire


def test_frame_lengths_are_the_ones_counted_in_the_comments() -> None:
    lengths = {name: len(wire) for name, (_, wire) in GOLDEN.items()}
    assert lengths == {"sign-on-0800": 60, "sign-on-answer-0810": 123, "sale-0200": 142, "refund-0220": 111,
                       "void-0200": 113, "settlement-0500": 96}


@pytest.mark.parametrize("name", ["sale-0200", "refund-0220", "void-0200"])
def test_de64_of_the_financial_frames_is_the_cup_ecb_mac_of_mti_to_de63(name: str) -> None:
    _, wire = GOLDEN[name]
    assert cup_ecb_mac(MAK, wire[11:-8]) == wire[-8:]


def test_the_header_travels_whole_in_message_header() -> None:
    assert decode(SIGN_ON_BYTES, DIALECT).header == REQUEST_HEADER


# -- the dialect ---------------------------------------------------------------------------------


def test_cup_pos_defines_only_the_cup_fields_of_2_to_64() -> None:
    assert sorted(DIALECT.fields) == [2, 3, 4, 11, 12, 13, 14, 15, 22, 23, 25, 26, 32, 35, 36, 37, 38, 39, 41, 42,
                                      44, 48, 49, 52, 53, 54, 55, 60, 61, 62, 63, 64]


def test_cup_pos_header_is_tpdu_and_message_header() -> None:
    assert DIALECT.header_length == 11


# -- errors: field and offset named ----------------------------------------------------------------


def _corrupt(wire: bytes, offset: int, value: int) -> bytes:
    changed = bytearray(wire)
    changed[offset] = value
    return bytes(changed)


def _decode_error(wire: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode(wire, DIALECT)
    return caught.value


def test_a_bitmap_announcing_a_missing_mac_names_field_64_at_the_end() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 20, 0x13))  # 12 -> 13: bit 64 set, no bytes follow
    assert str(error) == "field 64: offset 60: needs 8 bytes, only 0 left"
    assert (error.field, error.offset) == (64, 60)


def test_a_bitmap_announcing_a_field_cup_does_not_define_names_its_bit() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 13, 0x08))  # bit 5
    assert str(error) == "primary bitmap: offset 13: bit 5 set but the dialect cup-pos defines no field 5"


def test_bit_1_is_refused_there_is_no_secondary_bitmap() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 13, 0x80))
    assert str(error) == "primary bitmap: offset 13: bit 1 set but the dialect has no secondary bitmap"


def test_a_bitmap_announcing_fewer_fields_leaves_trailing_bytes() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 20, 0x10))  # 63 dropped from the bitmap
    assert (error.field, error.offset) == (None, 55)


def test_a_bad_bcd_length_prefix_names_the_field_and_offset() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 47, 0x0A))
    assert str(error) == "field 60: offset 47: length prefix: bad BCD nibble 0xA"


def test_a_length_prefix_above_the_maximum_is_refused() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 48, 0x33))  # LLL 0033 > 32 digits
    assert str(error) == "field 60: offset 47: length prefix says 33, max 32"


def test_a_bad_bcd_digit_in_field_60_is_reported_at_its_byte() -> None:
    error = _decode_error(_corrupt(SIGN_ON_BYTES, 49, 0xA0))
    assert str(error) == "field 60: offset 49: bad BCD nibble 0xA"


def test_entry_mode_pad_nibble_must_be_a_trailing_zero() -> None:
    error = _decode_error(_corrupt(SALE_BYTES, 47, 0x11))  # 05 10 -> 05 11
    assert str(error) == "field 22: offset 47: pad nibble 0x1, expected 0x0"


def test_card_sequence_number_pad_nibble_must_be_a_leading_zero() -> None:
    error = _decode_error(_corrupt(SALE_BYTES, 48, 0x10))  # 00 01 -> 10 01
    assert str(error) == "field 23: offset 48: pad nibble 0x1, expected 0x0"


def test_track2_padded_with_f_is_refused_cup_pads_with_zero() -> None:
    error = _decode_error(_corrupt(SALE_BYTES, 68, 0x4F))  # last track 2 byte 40 -> 4F
    assert str(error) == "field 35: offset 68: pad nibble 0xF, expected 0x0"


def test_a_frame_shorter_than_the_header_is_refused() -> None:
    error = _decode_error(SIGN_ON_BYTES[:6])
    assert str(error) == "header: offset 0: needs 11 bytes, only 6 left"


def test_encoding_a_five_byte_tpdu_alone_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"^header: 5 bytes, the dialect cup-pos expects 11$"):
        encode(Message("0800", {11: "000001"}, header=REQUEST_HEADER[:5]), DIALECT)


def test_encoding_a_field_cup_does_not_define_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"^field 7: the dialect cup-pos defines no field 7$"):
        encode(Message("0800", {7: "0915103015"}, header=REQUEST_HEADER), DIALECT)


def test_currency_is_three_ascii_characters() -> None:
    with pytest.raises(EncodeError, match=r"^field 49: 4 characters, expected 3$"):
        encode(Message("0200", {49: "0156"}, header=REQUEST_HEADER), DIALECT)
