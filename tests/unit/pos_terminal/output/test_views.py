"""The merchant's view of one transaction (pos_terminal.output.views): status words, originals, credits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pos_terminal.output.views import parse_day, status_of, transaction_view
from pos_terminal.state.records import ReversalRecord, ReversalStatus, TxnStatus, TxnType
from tests.unit.pos_terminal.journal_fake import NOW, FakeJournal, txn


def reversal(transaction_id: int, status: ReversalStatus) -> ReversalRecord:
    return ReversalRecord(id=1, transaction_id=transaction_id, stan=9, transmitted_at=NOW, amount=1000, attempts=1,
                          status=status, created_at=NOW, last_attempt_at=None, response_code=None)


@pytest.mark.parametrize(("status", "word"), [
    (TxnStatus.APPROVED, "approved"), (TxnStatus.DECLINED, "declined"), (TxnStatus.REVERSED, "reversed"),
    (TxnStatus.PENDING, "reversal-pending"), (TxnStatus.OFFLINE, "offline-pending"),
])
def test_each_journal_status_has_its_status_word(status: TxnStatus, word: str) -> None:
    record = txn(1, status=status)
    assert status_of(FakeJournal([record]), record) == word


def test_an_approved_transaction_cancelled_by_a_void_is_voided() -> None:
    record = txn(1, voided_by=2)
    assert status_of(FakeJournal([record]), record) == "voided"


def test_an_approved_transaction_whose_reversal_is_owed_is_reversal_pending() -> None:
    record = txn(1)
    owed = FakeJournal([record], reversals={1: reversal(1, ReversalStatus.PENDING)})
    acked = FakeJournal([record], reversals={1: reversal(1, ReversalStatus.ACKED)})
    assert (status_of(owed, record), status_of(acked, record)) == ("reversal-pending", "approved")


def test_a_sale_shows_what_was_refunded_and_what_is_left() -> None:
    sale = txn(1, amount=1000)
    journal = FakeJournal([sale, txn(2, kind=TxnType.REFUND, amount=300, original_id=1)])
    payload = transaction_view(journal, sale).to_json()
    assert (payload["refunded"], payload["refundable_remaining"]) == (300, 700)
    assert "credit" not in payload and "original" not in payload


def test_a_matched_refund_names_its_original_and_what_is_left_of_it() -> None:
    sale = txn(1, amount=1000, rrn="000000000011")
    refund = txn(2, kind=TxnType.REFUND, amount=300, original_id=1, reason="01")
    payload = transaction_view(FakeJournal([sale, refund]), refund).to_json()
    assert payload["original"] == {"type": "sale", "rrn": "000000000011", "invoice": 1, "date": "2026-03-09",
                                   "amount": 1000, "refundable_remaining": 700}
    assert payload["reason"] == "01"


def test_an_unmatched_refund_names_the_original_as_the_cashier_typed_it() -> None:
    refund = txn(1, kind=TxnType.REFUND, original_rrn="000000000099", original_date="0301")
    original = transaction_view(FakeJournal([refund]), refund).original
    assert original is not None
    assert original.to_json() == {"type": "sale", "rrn": "000000000099", "invoice": None, "date": "0301",
                                  "amount": None}


def test_a_refund_credit_is_the_hosts_last_word_with_iso_dates() -> None:
    refund = txn(1, kind=TxnType.REFUND, host_data={"credit_channel": "BT", "credit_date": "20260312",
                                                    "credit_status": "posted", "credit_posted_date": "20260311",
                                                    "checked_at": "2026-03-11T09:00:00Z"})
    credit = transaction_view(FakeJournal([refund]), refund).credit
    assert credit is not None
    assert credit.to_json() == {"channel": "BT", "expected_date": "2026-03-12", "status": "posted",
                                "posted_date": "2026-03-11", "checked_at": "2026-03-11T09:00:00Z"}


def test_a_voided_refund_credit_is_cancelled() -> None:
    refund = txn(1, kind=TxnType.REFUND, voided_by=2, host_data={"credit_channel": "RT"})
    void = txn(2, invoice=5, kind=TxnType.VOID)
    view = transaction_view(FakeJournal([refund, void]), refund)
    assert view.credit is not None and view.credit.status == "cancelled"
    assert view.to_json()["voided_by_invoice"] == 5


def test_a_refund_voided_after_its_credit_posted_keeps_the_posted_date() -> None:
    refund = txn(1, kind=TxnType.REFUND, voided_by=2, host_data={
        "credit_channel": "RT", "credit_date": "20260311", "credit_status": "posted", "credit_posted_date": "20260311"})
    view = transaction_view(FakeJournal([refund, txn(2, invoice=5, kind=TxnType.VOID)]), refund)
    assert view.credit is not None and (view.credit.status, view.credit.posted_date) == ("cancelled", "2026-03-11")


def test_an_offline_refund_has_a_pending_credit_without_channel() -> None:
    refund = txn(1, kind=TxnType.REFUND, status=TxnStatus.OFFLINE, host_data={"credit_channel": "RT"})
    credit = transaction_view(FakeJournal([refund]), refund).credit
    assert credit is not None and (credit.channel, credit.status) == (None, "pending")


def test_a_declined_refund_has_no_credit() -> None:
    refund = txn(1, kind=TxnType.REFUND, status=TxnStatus.DECLINED)
    assert transaction_view(FakeJournal([refund]), refund).to_json()["credit"] is None


def test_a_credit_without_a_status_from_the_host_is_pending() -> None:
    refund = txn(1, kind=TxnType.REFUND, host_data={"credit_channel": "RT", "credit_date": "bad"})
    credit = transaction_view(FakeJournal([refund]), refund).credit
    assert credit is not None and (credit.status, credit.expected_date) == ("pending", None)


def test_the_view_shows_date_and_time_of_transmission() -> None:
    payload = transaction_view(FakeJournal([txn(1)]), txn(1)).to_json()
    assert (payload["date"], payload["time"], payload["type"]) == ("2026-03-09", "12:00:00", "sale")


def test_parse_day_is_the_utc_midnight_of_that_day() -> None:
    assert parse_day("2026-03-09", "--from") == datetime(2026, 3, 9, tzinfo=UTC)


def test_parse_day_refuses_other_formats_naming_the_option() -> None:
    with pytest.raises(ValueError, match=r"--to '09/03/2026': expected a date YYYY-MM-DD"):
        parse_day("09/03/2026", "--to")
