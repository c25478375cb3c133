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
with no transactions is in the terminal's currency, and one whose transactions are in several
currencies is refused (:class:`MixedCurrencies`) rather than summed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pos_terminal.journal import Journal
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

__all__ = ["MixedCurrencies", "merchant_report"]


class MixedCurrencies(ValueError):
    """The period's transactions are in more than one currency: their amounts cannot be added up."""


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
    sales, refunds = _bucket(), _bucket()
    by_reason: dict[str, dict[str, int]] = defaultdict(_bucket)
    by_brand: dict[str, dict[str, int]] = defaultdict(_bucket)
    by_channel: dict[str, dict[str, int]] = defaultdict(_bucket)
    voided = {"sales": _bucket(), "refunds": _bucket()}
    reversed_ = {kind.value: _bucket() for kind in TxnType}
    declined = {kind.value: 0 for kind in TxnType}
    arrival: list[int] = []
    records = journal.transactions_between(date_from, end)
    currencies = sorted({record.currency for record in records})
    if len(currencies) > 1:
        raise MixedCurrencies(f"the period holds transactions in several currencies ({', '.join(currencies)}): "
                              "report a period (--from, --to) in one currency")
    currency = currencies[0] if currencies else currency
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
            expected = _credit_date(record)
            if expected is not None:
                arrival.append((expected - record.transmitted_at.date()).days)
    return {
        "period": {"from": date_from.date().isoformat() if date_from else None,
                   "to": date_to.date().isoformat() if date_to else None},
        "currency": currency,
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
    }
