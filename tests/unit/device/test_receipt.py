"""render_receipt: exact lines for fixed records."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pos_terminal.state.config import TerminalConfig
from pos_terminal.output.receipt import CUSTOMER_COPY, MERCHANT_COPY, format_amount, render_receipt
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from protocols.dcc import DccOffer

AT = datetime(2024, 5, 6, 9, 30, 15, tzinfo=UTC)
CONFIG = TerminalConfig(supervisor_password_hash="pbkdf2_sha256$1000$00$" + "00" * 32)

SALE = TransactionRecord(
    id=1, invoice=1, stan=7, batch=1, txn_type=TxnType.SALE, status=TxnStatus.APPROVED, amount=2000,
    currency="840", masked_pan="476173******0010", card_fingerprint="0" * 64, card_brand="visa",
    entry_mode="chip", processing_code="000000", mti="0200", original_id=None, reason_code=None,
    rrn="412709000001", auth_code="A1B2C3", response_code="00", voided_by=None,
    transmitted_at=AT, created_at=AT, updated_at=AT, host_data={},
)
REFUND = replace(
    SALE, id=2, invoice=2, stan=8, txn_type=TxnType.REFUND, amount=500, processing_code="200000", original_id=1,
    reason_code="01", rrn="412709000002", auth_code="D4E5F6",
    host_data={"credit_channel": "BT", "credit_date": "20240509"},
)

HEADER_32 = [
    "      POSSIM TEST MERCHANT",
    "           TESTVILLE",
    "",
    "TERMINAL ID             POSSIM01",
    "MERCHANT ID      POSSIM000000001",
    "DATE 2024-05-06    TIME 09:30:15",
    "",
]


def test_sale_customer_copy_lines() -> None:
    assert render_receipt(SALE, CONFIG, CUSTOMER_COPY) == [
        *HEADER_32,
        "              SALE",
        "",
        "CARD            476173******0010",
        "ENTRY                       CHIP",
        "INVOICE                   000001",
        "BATCH                     000001",
        "STAN                      000007",
        "RRN                 412709000001",
        "AUTH CODE                 A1B2C3",
        "",
        "AMOUNT                 USD 20.00",
        "",
        "            APPROVED",
        "RESPONSE CODE                 00",
        "",
        "         CUSTOMER COPY",
    ]


def test_refund_merchant_copy_has_reference_reason_funds_and_signature() -> None:
    assert render_receipt(REFUND, CONFIG, MERCHANT_COPY) == [
        *HEADER_32,
        "             REFUND",
        "",
        "CARD            476173******0010",
        "ENTRY                       CHIP",
        "INVOICE                   000002",
        "BATCH                     000001",
        "STAN                      000008",
        "RRN                 412709000002",
        "AUTH CODE                 D4E5F6",
        "",
        "AMOUNT                  USD 5.00",
        "",
        "REFUND REF          412709000002",
        "REASON         01 GOODS RETURNED",
        "FUNDS EXPECTED BY 2024-05-09",
        "",
        "            APPROVED",
        "RESPONSE CODE                 00",
        "",
        "",
        "X_______________________________",
        "       MERCHANT SIGNATURE",
        "",
        "         MERCHANT COPY",
    ]


def test_refund_customer_copy_has_no_signature_line() -> None:
    lines = render_receipt(REFUND, CONFIG, CUSTOMER_COPY)
    assert not any(line.startswith("X___") for line in lines)
    assert lines[-1].strip() == "CUSTOMER COPY"


def test_real_time_refund_says_when_funds_arrive() -> None:
    record = replace(REFUND, host_data={"credit_channel": "RT", "credit_date": "20240506"})
    assert "FUNDS: REAL-TIME 2024-05-06" in render_receipt(record, CONFIG, CUSTOMER_COPY)


def test_declined_sale_shows_the_response_text_and_no_auth_code() -> None:
    record = replace(SALE, status=TxnStatus.DECLINED, response_code="05", auth_code=None)
    lines = render_receipt(record, CONFIG, CUSTOMER_COPY)
    assert lines[-6:] == ["", "            DECLINED", "         DO NOT HONOUR", "RESPONSE CODE                 05", "",
                          "         CUSTOMER COPY"]
    assert not any(line.startswith("AUTH CODE") for line in lines)


def test_void_of_a_refund_names_what_it_voids() -> None:
    record = replace(REFUND, id=3, invoice=3, txn_type=TxnType.VOID, processing_code="220000", original_id=2,
                     reason_code=None, host_data={})
    lines = render_receipt(record, CONFIG, MERCHANT_COPY)
    assert "              VOID" in lines
    assert "VOID OF                   REFUND" in lines
    assert not any(line.startswith("X___") for line in lines)


def test_forty_columns() -> None:
    lines = render_receipt(SALE, CONFIG, CUSTOMER_COPY, width=40)
    assert lines[3] == "TERMINAL ID                     POSSIM01"
    assert max(len(line) for line in lines) == 40


def test_other_widths_are_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        render_receipt(SALE, CONFIG, CUSTOMER_COPY, width=24)


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (0, "840", "USD 0.00"), (1, "840", "USD 0.01"), (123456, "978", "EUR 1234.56"), (500, "392", "JPY 500"),
    (1234, "048", "BHD 1.234"), (99, "999", "999 0.99"),
])
def test_format_amount(amount: int, currency: str, text: str) -> None:
    assert format_amount(amount, currency) == text


DCC_SALE = replace(SALE, dcc=DccOffer("392", 1919, "41555088", "3.50", "POSSIMFX"), currency="840", amount=1234,
                   host_data={"cross_border": "Y"})


def test_a_dcc_sale_receipt_shows_both_amounts_the_rate_the_markup_and_the_disclosure() -> None:
    lines = render_receipt(DCC_SALE, CONFIG, CUSTOMER_COPY)
    start = lines.index("AMOUNT                 USD 12.34")
    assert lines[start:start + 10] == [
        "AMOUNT                 USD 12.34",
        "CARDHOLDER PAYS         JPY 1919",
        "RATE        1 USD = 155.5088 JPY",
        "MARKUP                     3.50%",
        "DCC PROVIDER            POSSIMFX",
        "I WAS OFFERED A CHOICE OF",
        "CURRENCIES AND CHOSE TO PAY IN",
        "JPY. THE RATE INCLUDES A 3.50%",
        "MARKUP OVER THE REFERENCE RATE.",
        "CONVERSION BY POSSIMFX.",
    ]


def test_a_cross_border_refund_without_dcc_says_the_card_is_foreign_and_when_funds_arrive() -> None:
    refund = replace(REFUND, host_data={"credit_channel": "XB", "credit_date": "20240520", "cross_border": "Y"})
    lines = render_receipt(refund, CONFIG, CUSTOMER_COPY)
    assert "CARD ISSUED ABROAD" in lines and "FUNDS ABROAD BY 2024-05-20" in lines
