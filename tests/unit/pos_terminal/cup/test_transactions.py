"""The CUP POS transaction-type table (protocols.cup.transactions).

The financial rows are checked against the table of the CUP POS terminal field description,
2002, section 1 (m.31ppt.com/p-2398641.html, www.renrendoc.com/p-13821646.html): 查询 310000
00 0200 01 无; 预授权 030000 06 0100 10 有; 预授权撤消 200000 06 0100 11 有; 预授权完成 000000 06
0200 20 有; 预授权完成撤消 200000 06 0200 21 有; 消费 000000 00 0200 22 有; 消费撤消 200000 00
0200 23 有; 退货 200000 00 0220 25 无; 结算 000000 00 0220 30 无; 结算调整 000000 00 0220 32 无;
结算调整(追加小费) 000000 00 0220 34 无.
"""

from __future__ import annotations

import pytest

from protocols.cup.transactions import TRANSACTION_TYPES, identify, transaction_type

PUBLISHED = [
    # name, DE 3, DE 25, MTI, 60.1, reversed on failure
    ("balance_inquiry", "310000", "00", "0200", "01", False),
    ("pre_authorization", "030000", "06", "0100", "10", True),
    ("pre_authorization_void", "200000", "06", "0100", "11", True),
    ("pre_authorization_completion", "000000", "06", "0200", "20", True),
    ("pre_authorization_completion_void", "200000", "06", "0200", "21", True),
    ("sale", "000000", "00", "0200", "22", True),
    ("void", "200000", "00", "0200", "23", True),
    ("refund", "200000", "00", "0220", "25", False),
    ("offline_settlement", "000000", "00", "0220", "30", False),
    ("settlement_adjustment", "000000", "00", "0220", "32", False),
    ("tip_adjustment", "000000", "00", "0220", "34", False),
]


@pytest.mark.parametrize(("name", "processing", "condition", "mti", "type_code", "reversible"), PUBLISHED)
def test_financial_rows_match_the_published_table(name: str, processing: str, condition: str, mti: str,
                                                  type_code: str, reversible: bool) -> None:
    row = transaction_type(name)
    assert (row.processing_code, row.condition_code, row.mti, row.type_code, row.reversible) == (
        processing, condition, mti, type_code, reversible)


def test_the_issue_s_three_money_movements() -> None:
    sale, void, refund = transaction_type("sale"), transaction_type("void"), transaction_type("refund")
    assert (sale.mti, sale.processing_code, sale.type_code) == ("0200", "000000", "22")
    assert (void.mti, void.processing_code, void.type_code) == ("0200", "200000", "23")
    assert (refund.mti, refund.processing_code, refund.type_code) == ("0220", "200000", "25")


def test_a_refund_is_never_reversed_a_void_is_with_0400() -> None:
    assert transaction_type("refund").reversal_mti is None
    assert transaction_type("void").reversal_mti == "0400"


@pytest.mark.parametrize(("name", "mti", "network_code"), [
    ("sign_on_single_des", "0800", "001"),
    ("sign_on", "0800", "003"),
    ("sign_on_with_track_key", "0800", "004"),
    ("sign_off", "0820", "002"),
    ("echo_test", "0820", "301"),
    ("settlement", "0500", "201"),
    ("batch_upload", "0320", "201"),
    ("batch_upload_end", "0320", "202"),
])
def test_network_management_rows_have_60_1_00_and_their_60_3(name: str, mti: str, network_code: str) -> None:
    row = transaction_type(name)
    assert (row.mti, row.type_code, row.network_code, row.processing_code) == (mti, "00", network_code, None)


def test_responses_are_the_request_mti_plus_ten() -> None:
    for row in TRANSACTION_TYPES.values():
        assert int(row.response_mti) == int(row.mti) + 10


def test_identify_a_refund_by_mti_processing_code_and_60_1() -> None:
    assert identify("0220", "200000", "25") is transaction_type("refund")


def test_identify_ignores_the_account_type_digits_of_de3() -> None:
    assert identify("0200", "003000", "22") is transaction_type("sale")


def test_identify_tells_void_from_sale_by_60_1() -> None:
    assert identify("0200", "200000", "23") is transaction_type("void")
    assert identify("0200", "200000", "22") is None


def test_identify_a_sign_on_by_its_60_3() -> None:
    assert identify("0800", None, "00", "003") is transaction_type("sign_on")
    assert identify("0320", None, "00", "202") is transaction_type("batch_upload_end")


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown CUP transaction 'purchase' \(known: balance_inquiry, "):
        transaction_type("purchase")
