"""What a merchant sees of one journaled transaction: its status, its original, its money's arrival.

:func:`transaction_view` reads one transaction from the journal into a :class:`TransactionView`,
the one description that ``possim txn status`` / ``history`` (JSON and text), the device's
history screens and the receipts share. Status words (docs/protocol.md):

``approved``, ``declined``, ``voided`` (approved, then cancelled by an approved void),
``reversed`` (the host acknowledged its reversal: no money moved), ``reversal-pending`` (no
valid answer yet: its reversal is owed to the host), ``offline-pending`` (approved offline, its
advice not yet answered).

A refund's credit (``channel``, ``expected_date``, ``status``) is the host's last word on it:
from the refund's answer, or from the last status inquiry (``checked_at``); ``cancelled`` once the
refund is voided or reversed (keeping ``posted_date`` when the credit had posted before the void).
Only masked PANs appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pos_terminal.journal import Journal
from pos_terminal.state.records import ReversalStatus, TransactionRecord, TxnStatus, TxnType

__all__ = ["CreditInfo", "OriginalRef", "TransactionView", "parse_day", "status_of", "transaction_view"]


def _iso_date(yyyymmdd: object) -> str | None:
    if isinstance(yyyymmdd, str) and len(yyyymmdd) == 8 and yyyymmdd.isdigit():
        return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
    return None


@dataclass(frozen=True)
class OriginalRef:
    """The transaction a refund or a void refers to (typed by the cashier for an unmatched refund)."""

    rrn: str | None
    invoice: int | None
    date: str | None
    """``YYYY-MM-DD`` from the journal; ``MMDD`` as typed for an unmatched refund."""
    amount: int | None
    type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "rrn": self.rrn, "invoice": self.invoice, "date": self.date, "amount": self.amount}


@dataclass(frozen=True)
class CreditInfo:
    """When a refund's money reaches the cardholder, as the host last said."""

    channel: str | None
    """``RT`` (real-time) or ``BT`` (batch, T+N business days); None while offline."""
    expected_date: str | None
    status: str
    """``pending``, ``posted`` or ``cancelled``."""
    posted_date: str | None = None
    checked_at: str | None = None
    """When a status inquiry last asked the host (None: as the refund's answer said)."""

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "expected_date": self.expected_date, "status": self.status,
                "posted_date": self.posted_date, "checked_at": self.checked_at}


@dataclass(frozen=True)
class TransactionView:
    """One transaction as a merchant reads it (see the module docstring)."""

    record: TransactionRecord
    status: str
    refunded: int | None = None
    refundable_remaining: int | None = None
    original: OriginalRef | None = None
    credit: CreditInfo | None = None
    voided_by_invoice: int | None = None
    original_remaining: int | None = None
    """For a matched refund: what is left to refund of its original sale now."""

    @property
    def type(self) -> str:
        return self.record.txn_type.value

    @property
    def date(self) -> str:
        return f"{self.record.transmitted_at:%Y-%m-%d}"

    def original_json(self) -> dict[str, Any] | None:
        """A refund's or void's original as a transaction's answer gives it, with what is left to refund
        of a refund's sale (online and offline answers alike)."""
        if self.original is None:
            return None
        payload = self.original.to_json()
        if self.original_remaining is not None:
            payload["refundable_remaining"] = self.original_remaining
        return payload

    def to_json(self) -> dict[str, Any]:
        """The ``possim txn status --json`` object (and one entry of ``history``)."""
        record = self.record
        payload: dict[str, Any] = {
            "type": self.type,
            "status": self.status,
            "amount": record.amount,
            "currency": record.currency,
            "invoice": record.invoice,
            "rrn": record.rrn,
            "date": self.date,
            "time": f"{record.transmitted_at:%H:%M:%S}",
            "stan": record.stan,
            "batch": record.batch,
            "masked_pan": record.masked_pan,
            "card_brand": record.card_brand,
            "response_code": record.response_code,
            "auth_code": record.auth_code,
            "cross_border": record.host_data.get("cross_border") == "Y",
            "dcc": record.dcc.to_json() if record.dcc is not None else None,
        }
        if record.txn_type is TxnType.SALE:
            payload["refunded"] = self.refunded
            payload["refundable_remaining"] = self.refundable_remaining
        if record.txn_type is TxnType.REFUND:
            payload["reason"] = record.reason_code
            payload["credit"] = self.credit.to_json() if self.credit else None
        if self.original is not None:
            payload["original"] = self.original.to_json()
            if self.original_remaining is not None:
                payload["original"]["refundable_remaining"] = self.original_remaining
        if self.voided_by_invoice is not None:
            payload["voided_by_invoice"] = self.voided_by_invoice
        return payload


def status_of(journal: Journal, record: TransactionRecord) -> str:
    """The status word of ``record`` (see the module docstring)."""
    if record.status is TxnStatus.OFFLINE:
        return "offline-pending"
    if record.status is TxnStatus.PENDING:
        return "reversal-pending"
    if record.status is TxnStatus.APPROVED:
        reversal = journal.reversal_for(record.id)
        if reversal is not None and reversal.status is ReversalStatus.PENDING:
            return "reversal-pending"
        return "voided" if record.is_voided else "approved"
    return record.status.value


def _credit(record: TransactionRecord, status: str) -> CreditInfo | None:
    if record.txn_type is not TxnType.REFUND or status in ("declined",):
        return None
    data = record.host_data
    channel = data.get("credit_channel")
    expected = _iso_date(data.get("credit_date"))
    if status in ("voided", "reversed"):
        # A refund of the open batch may be voided even after its credit posted (the void takes the
        # money back from the card, docs: README "After the approval"): the posted date stays shown.
        return CreditInfo(channel, expected, "cancelled", posted_date=_iso_date(data.get("credit_posted_date")),
                          checked_at=data.get("checked_at"))
    if status == "offline-pending":
        return CreditInfo(None, None, "pending")
    if status == "reversal-pending":
        return CreditInfo(channel, expected, "pending")
    known = data.get("credit_status")
    return CreditInfo(channel, expected, known if isinstance(known, str) else "pending",
                      posted_date=_iso_date(data.get("credit_posted_date")), checked_at=data.get("checked_at"))


def _reference(original: TransactionRecord) -> OriginalRef:
    return OriginalRef(original.rrn, original.invoice, f"{original.transmitted_at:%Y-%m-%d}", original.amount,
                       original.txn_type.value)


def transaction_view(journal: Journal, record: TransactionRecord) -> TransactionView:
    """The merchant's view of ``record``, read from ``journal``."""
    status = status_of(journal, record)
    original = None
    if record.original_id is not None:
        original = _reference(journal.get(record.original_id))
    elif record.original_rrn:
        original = OriginalRef(record.original_rrn, None, record.original_date, None, "sale")
    voided_by = journal.get(record.voided_by).invoice if record.voided_by is not None else None
    if record.txn_type is TxnType.SALE:
        refunded = journal.refunded_amount(record.id)
        return TransactionView(record, status, refunded=refunded,
                               refundable_remaining=journal.refundable_remaining(record.id),
                               voided_by_invoice=voided_by)
    remaining = None
    if record.txn_type is TxnType.REFUND and record.original_id is not None:
        remaining = journal.refundable_remaining(record.original_id)
    return TransactionView(record, status, original=original, credit=_credit(record, status),
                           voided_by_invoice=voided_by, original_remaining=remaining)


def parse_day(text: str, name: str) -> datetime:
    """``YYYY-MM-DD`` (``--from`` / ``--to``) as the UTC midnight starting that day; ValueError naming ``name``."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{name} {text!r}: expected a date YYYY-MM-DD") from None
    return day.replace(tzinfo=UTC)
