"""DE 60 and DE 61 of the CUP POS messages (protocols.cup.fields.Field60 / Field61).

Known examples from public CUP POS frames:
* DE 60 "22000001" (60.1 22 sale, 60.2 batch 000001) in the 0200 of
  blog.csdn.net/zhu244912654/article/details/80005341.
* DE 60 "2600000100060000000" (19 digits: 60.1 26, batch 000001, 60.3 000, 60.4 6, 60.5 0,
  60.6 0, then 5 more digits) in the 0200 of q.cnblogs.com/q/128930.
* DE 60 "0100000100050" (60.1 01 balance inquiry, batch 000001, 60.3 000, 60.4 5, 60.5 0) in
  github.com/JokerZhu/PythonLearn myTest/simu/simuPOSP/lib/Security.py (commit 27c2f53).
No public frame with DE 61 was found; its layout (61.1 n6, 61.2 n6, 61.3 MMDD n4, 61.4 n2,
61.5 n11 = n..029) follows the field description and is checked here by its rules and round trips.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.cup.errors import CupFieldError
from protocols.cup.fields import Field60, Field61

def n(width: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=width, max_size=width)


# -- DE 60 ---------------------------------------------------------------------------------------


def test_published_sale_de60_is_type_22_batch_000001() -> None:
    assert Field60.decode("22000001") == Field60("22", "000001")


def test_published_nineteen_digit_de60_keeps_the_digits_after_60_6() -> None:
    field = Field60.decode("2600000100060000000")
    assert (field.transaction_type, field.batch_number, field.network_management_code) == ("26", "000001", "000")
    assert (field.terminal_read_capability, field.ic_condition_code, field.partial_approval) == ("6", "0", "0")
    assert field.extension == "00000"
    assert field.encode() == "2600000100060000000"


def test_published_chip_balance_inquiry_de60_has_read_capability_5() -> None:
    field = Field60.decode("0100000100050")
    assert field == Field60("01", "000001", "000", "5", "0")


def test_sign_on_de60_asks_for_double_length_keys_with_003() -> None:
    assert Field60("00", "000001", "003").encode() == "00000001003"


@given(type_code=n(2), batch=n(6), count=st.integers(0, 4), network=n(3),
       ones=st.lists(n(1), min_size=3, max_size=3), extension=st.text("0123456789", max_size=10))
def test_de60_round_trips(type_code: str, batch: str, count: int, network: str, ones: list[str],
                          extension: str) -> None:
    later: list[str | None] = [network, *ones][:count] + [None] * (4 - count)
    field = Field60(type_code, batch, *later, extension=extension if count == 4 else "")
    assert Field60.decode(field.encode()) == field


def test_de60_shorter_than_60_2_names_the_batch_and_its_offset() -> None:
    with pytest.raises(CupFieldError) as caught:
        Field60.decode("2200001")
    assert str(caught.value) == "field 60.2: offset 2: batch number: 5 digits, expected 6"
    assert (caught.value.field, caught.value.subfield, caught.value.offset) == (60, "60.2", 2)


def test_de60_cut_inside_60_3_names_60_3() -> None:
    with pytest.raises(CupFieldError, match=r"^field 60\.3: offset 8: network management information code: "
                                            r"2 digits, expected 3$"):
        Field60.decode("0000000100")


def test_de60_with_a_non_digit_names_its_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 60: offset 3: not a digit$"):
        Field60.decode("220A0001")


def test_de60_sub_field_present_after_an_absent_one_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 60\.4: offset 8: terminal read capability present "
                                            r"but 60\.3 is absent$"):
        Field60("22", "000001", None, "5").encode()


def test_de60_sub_field_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 60\.2: offset 2: batch number: expected 6 digits$"):
        Field60("22", "1").encode()


# -- DE 61 ---------------------------------------------------------------------------------------


def test_void_de61_is_original_batch_and_voucher() -> None:
    assert Field61("000001", "000002").encode() == "000001000002"


def test_refund_de61_adds_the_original_date() -> None:
    assert Field61.decode("0000010000020915") == Field61("000001", "000002", "0915")


def test_de61_with_all_five_sub_fields_is_29_digits() -> None:
    field = Field61("000001", "000002", "0915", "00", "01049910000")
    assert len(field.encode()) == 29 and Field61.decode(field.encode()) == field


@given(batch=n(6), voucher=n(6), month=st.integers(1, 12), day=st.integers(1, 31), count=st.integers(0, 3),
       method=n(2), institution=n(11))
def test_de61_round_trips(batch: str, voucher: str, month: int, day: int, count: int, method: str,
                          institution: str) -> None:
    later: list[str | None] = [f"{month:02d}{day:02d}", method, institution][:count] + [None] * (3 - count)
    field = Field61(batch, voucher, *later)
    assert Field61.decode(field.encode()) == field


def test_de61_month_13_is_refused_at_the_date_offset() -> None:
    with pytest.raises(CupFieldError) as caught:
        Field61.decode("0000010000021315")
    assert str(caught.value) == "field 61.3: offset 12: month 13 is not 01-12"


def test_de61_day_00_is_refused_at_the_day_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 61\.3: offset 14: day 00 is not 01-31$"):
        Field61("000001", "000002", "0900").encode()


def test_de61_without_the_original_voucher_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 61\.2: offset 6: original POS voucher number: missing$"):
        Field61.decode("000001")


def test_de61_digits_after_61_5_are_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 61: offset 29: 1 digits after the last sub-field 61\.5$"):
        Field61.decode("000001000002091500010499100001")
