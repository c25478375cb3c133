"""The merchant's refund statistics over a period, from the terminal's journal (``possim txn report``).

Counted by the date the transaction was made (UTC), ``date_from`` and ``date_to`` inclusive:

* ``sales``: approved sales that stand (count, amount); voided sales are under ``voided``;
* ``refunds``: approved refunds that stand, offline ones included (count, amount), by reason code,
  by card brand and by credit channel (``RT``, ``BT``, ``offline`` while the advice is pending);
  a voided refund is never a refund: it is counted under ``voided`` only;
* ``voided`` and ``reversed`` (count and amount per type), ``declined`` (count);
* ``refund_rate``: refunded amount / sold amount, and refund count / sale count;
* ``days_to_arrival``: calendar days from each refund to its expected credit date (min, median, max).

Amounts are in the currency the transactions were made in (the journal's, not terminal.toml's: a
terminal run with ``--dialect cup-pos`` made its sales in CNY whatever its file says); a period
with no transactions is in the terminal's currency. Amounts of different currencies are never
added: the top-level figures are those of ``currency`` (the period's only currency, else the
terminal's), ``by_currency`` gives each currency's, ``cross_border`` the standing refunds to cards
issued at home and abroad (per currency), and ``dcc_refunds`` the refunds of DCC sales per billing
currency with both amounts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pos_terminal.journal import Journal
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

__all__ = ["merchant_report"]


def _bucket() -> dict[str, int]:
    return {"count": 0, "amount": 0}


def _add(bucket: dict[str, int], record: TransactionRecord) -> None:
    bucket["count"] += 1
    bucket["amount"] += record.amount


def _credit_date(record: TransactionRecord) -> date | None:
    text = record.host_data.get("credit_date")
    if isinstance(text, str) and len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def merchant_report(journal: Journal, *, date_from: datetime | None = None, date_to: datetime | None = None,
                    currency: str) -> dict[str, Any]:
    """The statistics of the journal's transactions made from ``date_from`` to ``date_to`` (days, inclusive).

    ``currency``: the terminal's, for a period without transactions (see the module docstring).
    """
    end = date_to + timedelta(days=1) if date_to is not None else None
    records = journal.transactions_between(date_from, end)
    per_currency: dict[str, list[TransactionRecord]] = defaultdict(list)
    for record in records:
        per_currency[record.currency].append(record)
    if len(per_currency) == 1:
        currency = next(iter(per_currency))
    elif per_currency and currency not in per_currency:
        currency = sorted(per_currency)[0]
    return {
        "period": {"from": date_from.date().isoformat() if date_from else None,
                   "to": date_to.date().isoformat() if date_to else None},
        "currency": currency,
        **_figures(per_currency.get(currency, [])),
        "by_currency": {code: {"sales": figures["sales"], "refunds": figures["refunds"], "voided": figures["voided"],
                               "refund_rate": figures["refund_rate"], "dcc_refunds": figures["dcc_refunds"]}
                        for code, figures in ((code, _figures(group)) for code, group in sorted(per_currency.items()))},
        "cross_border": _cross_border(records),
    }


def _standing_refunds(records: list[TransactionRecord]) -> list[TransactionRecord]:
    return [record for record in records if record.txn_type is TxnType.REFUND and not record.is_voided
            and record.status in (TxnStatus.APPROVED, TxnStatus.OFFLINE)]


def _cross_border(records: list[TransactionRecord]) -> dict[str, Any]:
    """Refunds that stand, domestic and cross-border (the host's DE 63 XB), count and amount per currency."""
    split: dict[str, dict[str, dict[str, int]]] = {"domestic": defaultdict(_bucket), "cross_border": defaultdict(_bucket)}
    for record in _standing_refunds(records):
        side = "cross_border" if record.host_data.get("cross_border") == "Y" else "domestic"
        _add(split[side][record.currency], record)
    return {side: dict(sorted(buckets.items())) for side, buckets in split.items()}


def _figures(records: list[TransactionRecord]) -> dict[str, Any]:
    """The report's figures over ``records`` (all in one currency)."""
    sales, refunds = _bucket(), _bucket()
    by_reason: dict[str, dict[str, int]] = defaultdict(_bucket)
    by_brand: dict[str, dict[str, int]] = defaultdict(_bucket)
    by_channel: dict[str, dict[str, int]] = defaultdict(_bucket)
    dcc_refunds: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "amount": 0, "billing_amount": 0})
    voided = {"sales": _bucket(), "refunds": _bucket()}
    reversed_ = {kind.value: _bucket() for kind in TxnType}
    declined = {kind.value: 0 for kind in TxnType}
    arrival: list[int] = []
    for record in records:
        kind = record.txn_type
        if record.status is TxnStatus.REVERSED:
            _add(reversed_[kind.value], record)
        elif record.status is TxnStatus.DECLINED:
            declined[kind.value] += 1
        elif record.status not in (TxnStatus.APPROVED, TxnStatus.OFFLINE) or kind is TxnType.VOID:
            continue
        elif record.is_voided:
            _add(voided["sales" if kind is TxnType.SALE else "refunds"], record)
        elif kind is TxnType.SALE:
            _add(sales, record)
        else:
            _add(refunds, record)
            _add(by_reason[record.reason_code or "none"], record)
            _add(by_brand[record.card_brand], record)
            channel = "offline" if record.status is TxnStatus.OFFLINE else record.host_data.get("credit_channel")
            _add(by_channel[str(channel or "unknown")], record)
            if record.dcc is not None:
                slot = dcc_refunds[record.dcc.currency]
                slot["count"] += 1
                slot["amount"] += record.amount
                slot["billing_amount"] += record.dcc.amount
            expected = _credit_date(record)
            if expected is not None:
                arrival.append((expected - record.transmitted_at.date()).days)
    return {
        "sales": sales,
        "refunds": {**refunds, "by_reason": dict(sorted(by_reason.items())), "by_brand": dict(sorted(by_brand.items())),
                    "by_channel": dict(sorted(by_channel.items()))},
        "voided": voided,
        "reversed": reversed_,
        "declined": declined,
        "refund_rate": {"amount": _ratio(refunds["amount"], sales["amount"]),
                        "count": _ratio(refunds["count"], sales["count"])},
        "days_to_arrival": {"min": min(arrival), "median": statistics.median(arrival), "max": max(arrival)}
        if arrival else {"min": None, "median": None, "max": None},
        "dcc_refunds": dict(sorted(dcc_refunds.items())),
    }
