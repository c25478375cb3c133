"""The masked hex trace of a frame (DEBUG logs): it decodes with ``possim decode`` and shows no card secret."""

from __future__ import annotations

import pytest

from iso8583 import Message, decode, encode, get_dialect
from iso8583.dump import masked_frame_hex

PAN = "4761739001010119"
FIELDS = {2: PAN, 3: "000000", 4: "000000001000", 11: "000042", 35: f"{PAN}=25122010123456789",
          41: "POSSIM01", 42: "POSSIM000000001", 49: "840", 52: bytes.fromhex("0123456789ABCDEF"),
          55: bytes.fromhex("9F2608A1B2C3D4E5F60718"), 64: bytes.fromhex("1122334455667788")}


@pytest.mark.parametrize("name", ["terminal87", "iso87ascii", "iso87binary"])
def test_the_masked_hex_decodes_keeping_every_field_that_is_not_a_secret(name: str) -> None:
    dialect = get_dialect(name)
    decoded = decode(bytes.fromhex(masked_frame_hex(Message("0200", FIELDS), dialect)), dialect)
    assert {n: decoded.fields[n] for n in (3, 4, 11, 41, 42, 49)} == {n: FIELDS[n] for n in (3, 4, 11, 41, 42, 49)}


@pytest.mark.parametrize("name", ["terminal87", "iso87ascii", "iso87binary"])
def test_the_masked_hex_keeps_six_and_four_digits_of_the_pan_and_zeroes_the_secrets(name: str) -> None:
    dialect = get_dialect(name)
    text = masked_frame_hex(Message("0200", FIELDS), dialect)
    decoded = decode(bytes.fromhex(text), dialect)
    assert decoded.fields[2] == "476173000000" + "0119" and decoded.fields[35] == "476173000000" "0119=" + "0" * 17
    assert {decoded.fields[n] for n in (52, 64)} == {bytes(8)} and decoded.fields[55] == bytes(11)
    assert PAN not in text and PAN.encode().hex().upper() not in text
    assert len(text) == 2 * len(encode(Message("0200", FIELDS), dialect))


def test_cup_pos_working_keys_are_zero_bytes_in_the_masked_hex() -> None:
    dialect = get_dialect("cup-pos")
    keys = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210AABBCCDD")
    header = bytes.fromhex("6000000001") + bytes(6)
    text = masked_frame_hex(Message("0810", {11: "000001", 39: "00", 41: "POSSIM01", 62: keys}, header), dialect)
    assert decode(bytes.fromhex(text), dialect).fields[62] == bytes(len(keys))
