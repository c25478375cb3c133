"""DE 53 security control and DE 48 settlement totals (protocols.cup.fields).

Known examples:
* DE 53 "2600000000000000" (ANSI X9.8 with PAN, i.e. ISO 9564 format 0; double-length TDES;
  clear tracks) in the public 0200 frames of blog.csdn.net/zhu244912654/article/details/80005341
  and github.com/JokerZhu/PythonLearn myTest/simu/simuPOSP/lib/Security.py (commit 27c2f53).
* DE 48 settlement totals: no public frame was found. The order inside each card group,
  debit amount n12, debit count n3, credit amount n12, credit count n3, is the one public CUP
  terminal code writes (a "Field63_Settle" class building "%012d%03d%012d%03d" found in the
  code corpus, which carries the same totals in DE 63 for its acquirer); the result code n1
  and the domestic-then-foreign repetition are the CUP field description's.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.cup.errors import CupFieldError
from protocols.cup.fields import (
    CardTotals,
    PinBlockMethod,
    PinEncryption,
    ReconciliationResult,
    SecurityControl,
    SettlementTotals,
)

# -- DE 53 ---------------------------------------------------------------------------------------


def test_published_de53_is_format_0_under_tdes_with_clear_tracks() -> None:
    assert SecurityControl.decode("2600000000000000") == SecurityControl(
        PinBlockMethod.WITH_PAN, PinEncryption.TDES, track_encrypted=False)


def test_default_de53_is_the_published_value() -> None:
    assert SecurityControl().encode() == "2600000000000000"


def test_single_des_without_pan_and_encrypted_tracks() -> None:
    field = SecurityControl(PinBlockMethod.WITHOUT_PAN, PinEncryption.DES, track_encrypted=True)
    assert field.encode() == "1010000000000000"


@given(method=st.sampled_from(PinBlockMethod), encryption=st.sampled_from(PinEncryption), track=st.booleans(),
       reserved=st.text("0123456789", min_size=13, max_size=13))
def test_de53_round_trips(method: PinBlockMethod, encryption: PinEncryption, track: bool, reserved: str) -> None:
    field = SecurityControl(method, encryption, track, reserved)
    assert SecurityControl.decode(field.encode()) == field


def test_de53_unknown_pin_method_names_53_1() -> None:
    with pytest.raises(CupFieldError, match=r"^field 53\.1: offset 0: PIN block method 3 is not 1 or 2$"):
        SecurityControl.decode("3600000000000000")


def test_de53_unknown_algorithm_names_53_2() -> None:
    with pytest.raises(CupFieldError, match=r"^field 53\.2: offset 1: encryption algorithm 4 is not 0 \(DES\) "
                                            r"or 6 \(TDES\)$"):
        SecurityControl.decode("2400000000000000")


def test_de53_track_flag_other_than_0_or_1_names_53_3() -> None:
    with pytest.raises(CupFieldError, match=r"^field 53\.3: offset 2: track data encryption flag 2 is not 0 or 1$"):
        SecurityControl.decode("2620000000000000")


def test_de53_of_15_digits_names_the_reserved_part() -> None:
    with pytest.raises(CupFieldError, match=r"^field 53\.4: offset 3: reserved: 12 digits, expected 13$"):
        SecurityControl.decode("260000000000000")


# -- DE 48 ---------------------------------------------------------------------------------------

ONE_SALE_ONE_REFUND = ("000000012345" "001" "000000005000" "001" "0"
                       "000000000000" "000" "000000000000" "000" "0")


def test_totals_of_one_sale_and_one_refund_are_62_digits() -> None:
    totals = SettlementTotals(CardTotals(debit_amount=12345, debit_count=1, credit_amount=5000, credit_count=1))
    assert totals.encode() == ONE_SALE_ONE_REFUND


def test_the_host_answer_carries_the_reconciliation_result() -> None:
    answer = SettlementTotals.decode(ONE_SALE_ONE_REFUND[:30] + "1" + ONE_SALE_ONE_REFUND[31:61] + "1")
    assert answer.domestic.result is ReconciliationResult.BALANCED
    assert answer.foreign is not None and answer.foreign.result is ReconciliationResult.BALANCED


def test_domestic_totals_alone_are_31_digits() -> None:
    totals = SettlementTotals.decode(ONE_SALE_ONE_REFUND[:31])
    assert totals.foreign is None and totals.encode() == ONE_SALE_ONE_REFUND[:31]


amounts = st.integers(0, 10**12 - 1)
counts = st.integers(0, 999)
card_totals = st.builds(CardTotals, amounts, counts, amounts, counts, st.sampled_from(ReconciliationResult))


@given(domestic=card_totals, foreign=st.one_of(st.none(), card_totals))
def test_de48_round_trips(domestic: CardTotals, foreign: CardTotals | None) -> None:
    totals = SettlementTotals(domestic, foreign)
    assert SettlementTotals.decode(totals.encode()) == totals


def test_a_count_above_999_names_the_sub_field_and_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 48 domestic debit count: offset 12: must be 0 to 999$"):
        SettlementTotals(CardTotals(debit_count=1000)).encode()


def test_a_foreign_amount_of_13_digits_names_its_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 48 foreign credit amount: offset 46: must be 0 to 999999999999$"):
        SettlementTotals(CardTotals(), CardTotals(credit_amount=10**12)).encode()


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"must be 0 to"):
        SettlementTotals(CardTotals(debit_amount=-1)).encode()


def test_an_unknown_result_code_names_its_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 48 foreign reconciliation result code: offset 61: "
                                            r"7 is not 0, 1, 2 or 3$"):
        SettlementTotals.decode(ONE_SALE_ONE_REFUND[:61] + "7")


def test_de48_of_another_length_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 48: offset 0: 60 digits, expected 62"):
        SettlementTotals.decode(ONE_SALE_ONE_REFUND[:60])


def test_de48_with_a_non_digit_names_its_offset() -> None:
    with pytest.raises(CupFieldError, match=r"^field 48: offset 5: not a digit$"):
        SettlementTotals.decode(ONE_SALE_ONE_REFUND[:5] + "X" + ONE_SALE_ONE_REFUND[6:])
