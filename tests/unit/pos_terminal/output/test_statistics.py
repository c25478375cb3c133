"""The merchant's refund statistics (pos_terminal.output.statistics) over an in-memory journal."""

from __future__ import annotations

import dataclasses
from datetime import timedelta


from pos_terminal.output.statistics import merchant_report
from pos_terminal.state.records import TxnStatus, TxnType
from tests.unit.pos_terminal.journal_fake import NOW, FakeJournal, txn


def report(*records, **period) -> dict:
    return merchant_report(FakeJournal(list(records)), currency="840", **period)


def test_an_empty_journal_reports_zeroes_and_no_rates() -> None:
    empty = report()
    assert empty["sales"] == {"count": 0, "amount": 0}
    assert empty["refund_rate"] == {"amount": None, "count": None}
    assert empty["days_to_arrival"] == {"min": None, "median": None, "max": None}


def test_standing_sales_and_refunds_are_counted_with_their_amounts() -> None:
    result = report(txn(1, amount=1000), txn(2, amount=3000), txn(3, kind=TxnType.REFUND, amount=500, original_id=1))
    assert result["sales"] == {"count": 2, "amount": 4000}
    assert (result["refunds"]["count"], result["refunds"]["amount"]) == (1, 500)


def test_the_refund_rate_compares_refunds_with_sales_by_amount_and_count() -> None:
    result = report(txn(1, amount=1000), txn(2, amount=3000), txn(3, kind=TxnType.REFUND, amount=1000))
    assert result["refund_rate"] == {"amount": 0.25, "count": 0.5}


def test_a_voided_refund_is_counted_as_voided_only() -> None:
    result = report(txn(1, kind=TxnType.REFUND, amount=700, voided_by=2), txn(2, kind=TxnType.VOID, amount=700))
    assert result["refunds"]["count"] == 0
    assert result["voided"]["refunds"] == {"count": 1, "amount": 700}


def test_reversed_and_declined_transactions_are_counted_per_type() -> None:
    result = report(txn(1, status=TxnStatus.REVERSED, amount=900), txn(2, kind=TxnType.REFUND, status=TxnStatus.DECLINED))
    assert result["reversed"]["sale"] == {"count": 1, "amount": 900}
    assert result["declined"] == {"sale": 0, "refund": 1, "void": 0}


def test_pending_transactions_are_left_out() -> None:
    assert report(txn(1, status=TxnStatus.PENDING))["sales"]["count"] == 0


def test_refunds_are_broken_down_by_reason_brand_and_credit_channel() -> None:
    result = report(
        txn(1, kind=TxnType.REFUND, amount=100, reason="01", brand="visa", host_data={"credit_channel": "RT"}),
        txn(2, kind=TxnType.REFUND, amount=200, brand="mastercard", status=TxnStatus.OFFLINE),
    )
    refunds = result["refunds"]
    assert refunds["by_reason"] == {"01": {"count": 1, "amount": 100}, "none": {"count": 1, "amount": 200}}
    assert set(refunds["by_brand"]) == {"visa", "mastercard"}
    assert refunds["by_channel"] == {"RT": {"count": 1, "amount": 100}, "offline": {"count": 1, "amount": 200}}


def test_days_to_arrival_run_from_the_refund_to_its_expected_credit_date() -> None:
    day = NOW - timedelta(days=1)  # 2026-03-09
    result = report(*(txn(i, kind=TxnType.REFUND, when=day, host_data={"credit_date": date})
                      for i, date in enumerate(["20260309", "20260311", "20260319"], start=1)))
    assert result["days_to_arrival"] == {"min": 0, "median": 2, "max": 10}


def test_the_period_includes_both_end_days() -> None:
    start = NOW.replace(hour=0) - timedelta(days=1)
    inside = [txn(1, when=start), txn(2, when=start + timedelta(days=1, hours=23))]
    outside = [txn(3, when=start - timedelta(seconds=1)), txn(4, when=start + timedelta(days=2))]
    result = report(*inside, *outside, date_from=start, date_to=start + timedelta(days=1))
    assert result["sales"]["count"] == 2
    assert result["period"] == {"from": "2026-03-09", "to": "2026-03-10"}


def test_the_report_is_in_the_currency_the_transactions_were_made_in() -> None:
    made_in_cny = dataclasses.replace(txn(1, amount=1000), currency="156")
    assert report(made_in_cny)["currency"] == "156"


def test_a_period_without_transactions_is_in_the_terminals_currency() -> None:
    assert report()["currency"] == "840"


def test_a_period_in_several_currencies_is_reported_per_currency_not_summed() -> None:
    result = report(txn(1, amount=1000), dataclasses.replace(txn(2, amount=700), currency="156"))
    assert result["currency"] == "840" and result["sales"]["amount"] == 1000
    assert result["by_currency"]["840"]["sales"] == {"count": 1, "amount": 1000}
    assert result["by_currency"]["156"]["sales"] == {"count": 1, "amount": 700}
