"""protocols.iso93: the ISO 8583:1993 contract both sides share (MTIs, DE 56, DE 22, DE 39 action codes)."""

from __future__ import annotations

import pytest

from emv.cards import EntryMode
from protocols.iso87 import ResponseCode
from protocols.iso93 import OriginalData, action_code, action_text, meaning, pos_data_code, response_mti
from protocols.iso93.action_codes import ActionCode
from protocols.iso93.messages import entry_mode_of, repeat_mti


@pytest.mark.parametrize(("request_mti", "answer"), [
    ("1200", "1210"), ("1220", "1230"), ("1221", "1230"), ("1420", "1430"), ("1421", "1430"), ("1520", "1530"),
    ("1804", "1814"), ("1805", "1814"), ("1600", "1610"), ("1320", "1330"),
])
def test_an_answer_keeps_the_origin_without_its_repeat_bit(request_mti: str, answer: str) -> None:
    assert response_mti(request_mti) == answer


def test_a_repeat_sets_the_origins_repeat_bit() -> None:
    assert (repeat_mti("1420"), repeat_mti("1220"), repeat_mti("1421")) == ("1421", "1221", "1421")


def test_original_data_elements_are_mti_stan_datetime_and_an_llvar_acquirer() -> None:
    value = OriginalData("1200", 123, "261207114800", "12345").encode()
    assert value == "1200" "000123" "261207114800" "05" "12345"
    assert OriginalData.parse(value) == OriginalData("1200", 123, "261207114800", "12345")
    assert OriginalData.parse(value).transmission_time() == "1207114800"


@pytest.mark.parametrize(("value", "message"), [
    ("12000001232612071148", "at least 24"),
    ("120000012326120711480012", "offset 22: acquirer ID length 12"),
    ("1200000123261207114800051234", "offset 22: acquirer ID length 5 does not fit the 28 digits"),
    ("12000001232612071148000A1", "not all digits"),
])
def test_a_bad_de56_is_refused_naming_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OriginalData.parse(value)


@pytest.mark.parametrize(("entry", "pin", "code"), [
    (EntryMode.CHIP, True, "D10101511" "34C"), (EntryMode.CONTACTLESS, False, "D101 01A00".replace(" ", "") + "34C"),
    (EntryMode.SWIPE, True, "D10101213" "34C"), (EntryMode.MANUAL, False, "D10100600" "34C"),
])
def test_the_pos_data_code_has_twelve_positions_naming_the_entry(entry: EntryMode, pin: bool, code: str) -> None:
    assert pos_data_code(entry, pin=pin) == code and len(code) == 12
    assert entry_mode_of(code) is entry


@pytest.mark.parametrize(("meant", "mti", "action"), [
    ("00", "1200", "000"), ("00", "1420", "400"), ("00", "1520", "500"), ("00", "1804", "800"),
    ("95", "1520", "501"), ("25", "1420", "914"), ("13", "1200", "110"), ("63", "1200", "916"),
    ("94", "1200", "913"), ("30", "1200", "904"), ("96", "1200", "909"), ("12", "1600", "902"),
])
def test_a_meaning_goes_out_as_the_action_code_of_its_message_class(meant: str, mti: str, action: str) -> None:
    assert action_code(meant, mti) == action
    assert meaning(action) == meant


def test_every_action_code_has_a_text_and_a_meaning() -> None:
    for code in ActionCode:
        assert action_text(code) != f"DECLINED {code}" and len(meaning(code)) == 2


def test_an_unknown_action_code_means_do_not_honour_or_system_error() -> None:
    assert (meaning("199"), meaning("999"), meaning("00")) == (ResponseCode.DO_NOT_HONOUR, "96", "00")
    assert action_code("XY", "1200") == "100"
