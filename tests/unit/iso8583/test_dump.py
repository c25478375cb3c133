"""Dumps for people: the text dump and the ``possim decode --json`` object, masked unless revealed."""

from __future__ import annotations

import json

import pytest

from iso8583.dialects import get_dialect
from iso8583.dump import render_text, to_json
from iso8583.errors import EncodeError
from iso8583.masking import mask_pan, mask_track1, mask_track2
from iso8583.message import Message

PAN = "4761739001010119"
TRACK2 = PAN + "=25122011143804400000"
TRACK1 = "B" + PAN + "^DOE/JANE^2512201100000000"
PIN_BLOCK = bytes.fromhex("0123456789ABCDEF")
MAC = bytes.fromhex("A1B2C3D4E5F60718")
ICC = bytes.fromhex("9F2608C1C2C3C4C5C6C7C8")
MESSAGE = Message("0200", {2: PAN, 3: "200000", 35: TRACK2, 41: "TERM0001", 45: TRACK1, 52: PIN_BLOCK,
                           55: ICC, 64: MAC, 70: "301", 128: MAC})
DIALECT = get_dialect("iso87ascii")


def test_pan_is_masked_to_first_six_and_last_four() -> None:
    assert mask_pan(PAN) == "476173******0119"


def test_short_pan_is_masked_entirely() -> None:
    assert mask_pan("123456789012") == "************"


def test_track2_keeps_the_separator_and_masks_the_rest() -> None:
    assert mask_track2(TRACK2) == "476173******0119=" + "*" * 20


def test_track1_keeps_format_code_and_separators_only() -> None:
    assert mask_track1(TRACK1) == "B476173******0119^" + "*" * 8 + "^" + "*" * 16


def test_json_has_exactly_the_contract_keys() -> None:
    assert list(to_json(MESSAGE, DIALECT)) == ["dialect", "mti", "fields", "details"]


def test_json_fields_are_keyed_by_number_strings_without_bitmaps() -> None:
    fields = to_json(MESSAGE, DIALECT)["fields"]
    assert list(fields) == ["2", "3", "35", "41", "45", "52", "55", "64", "70", "128"]


def test_json_masks_cardholder_data_pin_block_mac_and_icc_data() -> None:
    fields = to_json(MESSAGE, DIALECT)["fields"]
    assert fields["2"] == "476173******0119"
    assert fields["35"] == "476173******0119=" + "*" * 20
    assert fields["45"].startswith("B476173******0119^")
    assert fields["52"] == fields["64"] == fields["128"] == "*" * 16
    assert fields["55"] == "*" * 22


def test_json_reveal_shows_text_values_and_upper_case_hex_for_b_fields() -> None:
    fields = to_json(MESSAGE, DIALECT, reveal=True)["fields"]
    assert (fields["2"], fields["35"], fields["52"], fields["55"]) == (PAN, TRACK2, "0123456789ABCDEF",
                                                                       "9F2608C1C2C3C4C5C6C7C8")


def test_masked_json_does_not_leak_the_pan_in_any_form() -> None:
    text = json.dumps(to_json(MESSAGE, DIALECT))
    for leak in (PAN, PAN.encode().hex(), PAN.encode().hex().upper(), "0123456789ABCDEF", "DOE/JANE"):
        assert leak not in text


def test_json_details_give_name_raw_bytes_and_value_of_each_field() -> None:
    details = to_json(MESSAGE, DIALECT)["details"]
    by_field = {d["field"]: d for d in details if "field" in d}
    assert by_field[3] == {"field": 3, "name": "Processing code", "class": "n", "format": "n 6",
                           "length_prefix": None, "raw": "323030303030", "value": "200000", "masked": False}
    assert by_field[2]["length_prefix"] == "3136" and by_field[2]["raw"] == "3136" + "*" * 32


def test_json_details_show_mti_and_bitmaps() -> None:
    parts = {d["part"]: d for d in to_json(MESSAGE, DIALECT)["details"] if "part" in d}
    assert parts["mti"]["raw"] == "30323030"
    # primary E0 00 00 00 20 88 12 01: bit 1 and 2, 3 | 35 | 41, 45 | 52, 55 | 64; secondary: 70 and 128
    primary, secondary = "E000000020881201", "0400000000000001"
    assert parts["bitmap"]["raw"] == (primary + secondary).encode().hex().upper()


def test_json_details_break_the_tpdu_down() -> None:
    dialect = get_dialect("terminal87-tpdu")
    message = Message("0800", {11: "000001"}, header=bytes.fromhex("6000010002"))
    header = to_json(message, dialect)["details"][0]
    assert header == {"part": "header", "name": "TPDU", "raw": "6000010002",
                      "tpdu": {"id": "60", "destination": "0001", "source": "0002"}}


def test_text_dump_names_each_field_and_shows_its_value() -> None:
    text = render_text(MESSAGE, DIALECT)
    assert "Processing code" in text and "200000" in text and "TERM0001" in text
    assert "476173******0119" in text


def test_masked_text_dump_does_not_leak_the_pan() -> None:
    text = render_text(MESSAGE, DIALECT)
    assert PAN not in text and PAN.encode().hex().upper() not in text and "0123456789ABCDEF" not in text


def test_revealed_text_dump_shows_the_pan_and_its_raw_bytes() -> None:
    text = render_text(MESSAGE, DIALECT, reveal=True)
    assert PAN in text and PAN.encode().hex().upper() in text


def test_dump_of_an_invalid_message_raises_the_encode_error() -> None:
    with pytest.raises(EncodeError, match="field 4"):
        render_text(Message("0200", {4: "12"}), DIALECT)


def test_cup_pos_dumps_mask_the_working_keys_of_de_62() -> None:
    """A cup-pos sign-on answer carries the working keys (under the TMK) in DE 62: never shown in a dump."""
    from iso8583 import Message, render_text
    from iso8583.dialects import get_dialect

    dialect = get_dialect("cup-pos")
    keys = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210AABBCCDD")
    text = render_text(Message("0810", {11: "000001", 39: "00", 41: "POSSIM01", 62: keys},
                               bytes.fromhex("6000000001") + bytes(6)), dialect)
    assert keys.hex().upper() not in text and "0123456789ABCDEF" not in text


def test_a_toml_dialect_masks_the_fields_it_names() -> None:
    from iso8583 import Message, render_text
    from iso8583.toml_dialect import dialect_from_mapping

    dialect = dialect_from_mapping({"name": "secretive", "base": "terminal87", "masked_fields": [48]})
    assert "TOP SECRET" not in render_text(Message("0200", {11: "000001", 48: "TOP SECRET"}), dialect)
