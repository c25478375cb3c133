"""Batch totals and the settlement report (pos_terminal.output.batch_totals)."""

from __future__ import annotations

from protocols.iso87 import TotalsKind
from pos_terminal.output.batch_totals import batch_totals, report_lines, settlement_report, totals_kind
from pos_terminal.state.records import TxnStatus, TxnType
from tests.unit.pos_terminal.journal_fake import FakeJournal, txn


def test_sales_are_debits_and_refunds_credits() -> None:
    assert totals_kind(txn(1), None) is TotalsKind.DEBIT
    assert totals_kind(txn(1, kind=TxnType.REFUND), None) is TotalsKind.CREDIT


def test_a_void_reverses_what_its_original_was() -> None:
    void = txn(3, kind=TxnType.VOID)
    assert totals_kind(void, txn(1)) is TotalsKind.DEBIT_REVERSAL
    assert totals_kind(void, txn(2, kind=TxnType.REFUND)) is TotalsKind.CREDIT_REVERSAL


def test_only_approved_transactions_count() -> None:
    for status in (TxnStatus.DECLINED, TxnStatus.PENDING, TxnStatus.REVERSED, TxnStatus.OFFLINE):
        assert totals_kind(txn(1, status=status), None) is None


def test_batch_totals_add_up_one_batch_only() -> None:
    journal = FakeJournal([
        txn(1, amount=1000), txn(2, amount=500, kind=TxnType.REFUND), txn(3, kind=TxnType.VOID, amount=1000,
                                                                          original_id=1),
        txn(4, amount=9999, batch=2),
    ])
    totals = batch_totals(journal, 1).to_json()
    assert totals["debit"] == {"count": 1, "amount": 1000}
    assert totals["credit"] == {"count": 1, "amount": 500}
    assert totals["debit_reversal"] == {"count": 1, "amount": 1000}
    assert totals["credit_reversal"] == {"count": 0, "amount": 0}


def test_the_settlement_report_lists_each_refund_with_its_funds_arrival() -> None:
    journal = FakeJournal([txn(1, kind=TxnType.REFUND, amount=250, host_data={"credit_channel": "BT",
                                                                              "credit_date": "20260312"})])
    report = settlement_report(journal, 1, batch_totals(journal, 1), result="00", uploaded=False)
    assert report["refunds"] == [{"invoice": 1, "rrn": "000000000001", "masked_pan": "411111******1111",
                                  "amount": 250, "voided": False, "status": "approved", "credit_channel": "BT",
                                  "credit_date": "2026-03-12"}]
    assert report["per_brand"] == {"visa": {"credit": {"count": 1, "amount": 250}}}


def test_a_voided_refund_has_no_funds_arrival() -> None:
    journal = FakeJournal([txn(1, kind=TxnType.REFUND, voided_by=2, host_data={"credit_channel": "RT"})])
    (refund,) = settlement_report(journal, 1, batch_totals(journal, 1), result="00", uploaded=True)["refunds"]
    assert (refund["status"], refund["credit_channel"], refund["credit_date"]) == ("voided", None, None)


def printed(journal: FakeJournal, width: int) -> list[str]:
    report = settlement_report(journal, 1, batch_totals(journal, 1), result="APPROVED", uploaded=False)
    return report_lines(report, "840", width=width)


def test_the_printed_report_lists_standing_refunds_under_funds_arrival_and_voided_ones_apart() -> None:
    lines = printed(FakeJournal([
        txn(2, kind=TxnType.REFUND, amount=250, host_data={"credit_channel": "RT", "credit_date": "20260312"}),
        txn(3, kind=TxnType.REFUND, amount=75, voided_by=4),
    ]), width=32)
    arrival, voided = lines.index("FUNDS ARRIVAL OF REFUNDS"), lines.index("VOIDED REFUNDS (NO FUNDS MOVE)")
    assert lines[arrival + 1] == "000002 RT 2026-03-12        2.50"
    assert lines[voided + 1] == "000003 VOIDED               0.75"


def test_a_refund_without_a_credit_date_is_printed_as_pending() -> None:
    lines = printed(FakeJournal([txn(1, kind=TxnType.REFUND, amount=250)]), width=32)
    assert "000001 -- PENDING" + " " * 11 + "2.50" in lines


def test_a_row_too_long_for_the_paper_wraps_instead_of_being_cut() -> None:
    lines = printed(FakeJournal([txn(1, amount=123456)]), width=24)
    assert all(len(line) <= 24 for line in lines)
    assert lines[lines.index("-- VISA") + 1:][:2] == ["  SALES", "          1      1234.56"]
