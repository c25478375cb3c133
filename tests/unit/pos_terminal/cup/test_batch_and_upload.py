"""The terminal's CUP batch: DE 48 totals per card group, the upload plan, and the DE 48 upload codec.

Counting rules of docs/protocol.md ("The cup-pos profile", Settlement): debits are approved sales
that stand, credits approved refunds; UnionPay cards are domestic, the others foreign. The upload
list layout (2 + 8 x 40 digits) is the one CUP POS terminals send.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from protocols.cup import CardTotals, CupFieldError
from pos_terminal.profiles.cup.batch import settlement_totals, upload_plan
from protocols.cup.upload import (
    CardGroup,
    UploadEntry,
    UploadList,
    card_group,
    parse_upload_count,
    upload_count,
)
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

MOMENT = datetime(2024, 9, 15, tzinfo=UTC)


def txn(kind: TxnType, amount: int, *, stan: int, brand: str = "unionpay", status: TxnStatus = TxnStatus.APPROVED,
        voided_by: int | None = None) -> TransactionRecord:
    return TransactionRecord(
        id=stan, invoice=stan, stan=stan, batch=1, txn_type=kind, status=status, amount=amount, currency="156",
        masked_pan="621626*********0018", card_fingerprint="0" * 64, card_brand=brand, entry_mode="chip",
        processing_code="000000", mti="0200", original_id=None, reason_code=None, rrn=None, auth_code=None,
        response_code="00", voided_by=voided_by, transmitted_at=MOMENT, created_at=MOMENT, updated_at=MOMENT,
        host_data={},
    )


BATCH = [
    txn(TxnType.SALE, 10000, stan=1),
    txn(TxnType.SALE, 500, stan=2, voided_by=3),
    txn(TxnType.VOID, 500, stan=3),
    txn(TxnType.REFUND, 2500, stan=4),
    txn(TxnType.SALE, 3000, stan=5, brand="visa"),
    txn(TxnType.SALE, 900, stan=6, status=TxnStatus.DECLINED),
    txn(TxnType.SALE, 800, stan=7, status=TxnStatus.REVERSED),
    txn(TxnType.REFUND, 100, stan=8, status=TxnStatus.PENDING),
]


def test_totals_count_standing_sales_as_debits_and_approved_refunds_as_credits_per_group() -> None:
    totals = settlement_totals(BATCH)
    assert totals.domestic == CardTotals(10000, 1, 2500, 1)
    assert totals.foreign == CardTotals(3000, 1, 0, 0)
    assert totals.encode() == "000000010000001000000002500001" "0" "000000003000001000000000000000" "0"


def test_the_upload_plan_carries_the_unbalanced_groups_only() -> None:
    plan = upload_plan(BATCH, [CardGroup.DOMESTIC])
    assert [entry.voucher for sales in plan.sale_lists for entry in sales.entries] == ["000001"]
    assert [refund.stan for refund in plan.refunds] == [4]
    assert plan.count == 2
    assert upload_plan(BATCH, []).count == 0


def test_sales_are_uploaded_eight_to_a_message() -> None:
    sales = [replace(BATCH[0], id=n, stan=n) for n in range(1, 10)]
    plan = upload_plan(sales, [CardGroup.DOMESTIC])
    assert [len(part.entries) for part in plan.sale_lists] == [8, 1]


def test_an_upload_list_is_the_count_then_40_digits_per_sale() -> None:
    value = UploadList((UploadEntry(CardGroup.DOMESTIC, "000012", 12345),
                        UploadEntry(CardGroup.FOREIGN, "000013", 1, "4761730000000010"))).encode()
    assert value == ("02" "00" "000012" + "0" * 20 + "000000012345"
                     "01" "000013" "00004761730000000010" "000000000001")
    decoded = UploadList.decode(value)
    assert [(e.group, e.voucher, e.amount, e.pan) for e in decoded.entries] == [
        (CardGroup.DOMESTIC, "000012", 12345, ""), (CardGroup.FOREIGN, "000013", 1, "4761730000000010")]


def test_an_upload_entry_repr_never_shows_the_pan() -> None:
    assert "4761" not in repr(UploadEntry(CardGroup.FOREIGN, "000013", 1, "4761730000000010"))


@pytest.mark.parametrize(("value", "message"), [
    ("09" + "0" * 360, "field 48 count: offset 0: 9 entries, expected 1 to 8"),
    ("01" + "0" * 39, "field 48: offset 2: 39 digits of entries, 1 entries take 40"),
    ("01" "02" + "0" * 38, "field 48 card group: offset 2: 02 is not 00 or 01"),
])
def test_a_malformed_upload_list_names_the_offset(value: str, message: str) -> None:
    with pytest.raises(CupFieldError) as caught:
        UploadList.decode(value)
    assert str(caught.value) == message


def test_the_end_of_upload_count_is_four_digits() -> None:
    assert (upload_count(12), parse_upload_count("0012")) == ("0012", 12)
    with pytest.raises(CupFieldError, match="expected 4 digits"):
        parse_upload_count("12")


def test_unionpay_cards_are_domestic_the_others_foreign() -> None:
    assert (card_group("unionpay"), card_group("UnionPay"), card_group("visa"), card_group(None)) == (
        CardGroup.DOMESTIC, CardGroup.DOMESTIC, CardGroup.FOREIGN, CardGroup.FOREIGN)
