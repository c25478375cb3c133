"""An in-memory stand-in for the terminal's journal, for unit tests of the modules that only read it.

It answers the read queries of :class:`pos_terminal.journal.Journal` that the policy, the views,
the statistics and the batch totals ask, from a list of :class:`TransactionRecord` built with
:func:`txn`. No SQLite, no files: each test states its journal in a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pos_terminal.journal import JournalError
from pos_terminal.state.records import ReversalRecord, TransactionRecord, TxnStatus, TxnType

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COUNTED_REFUND_STATUSES = (TxnStatus.APPROVED, TxnStatus.PENDING, TxnStatus.OFFLINE)


def txn(id: int, *, invoice: int | None = None, kind: TxnType = TxnType.SALE,
        status: TxnStatus = TxnStatus.APPROVED, amount: int = 1000, card: str = "card-a", brand: str = "visa",
        when: datetime = NOW - timedelta(days=1), batch: int = 1, original_id: int | None = None,
        voided_by: int | None = None, reason: str | None = None, rrn: str | None = None,
        host_data: dict[str, Any] | None = None, original_rrn: str | None = None,
        original_date: str | None = None) -> TransactionRecord:
    """A journaled transaction with test defaults (an approved USD 10.00 visa sale made yesterday)."""
    return TransactionRecord(
        id=id, invoice=invoice if invoice is not None else id, stan=id, batch=batch, txn_type=kind, status=status,
        amount=amount, currency="840", masked_pan="411111******1111", card_fingerprint=card, card_brand=brand,
        entry_mode="chip", processing_code="000000", mti="0200", original_id=original_id, reason_code=reason,
        rrn=rrn if rrn is not None else f"{id:012d}", auth_code="123456", response_code="00", voided_by=voided_by,
        transmitted_at=when, created_at=when, updated_at=when, host_data=dict(host_data or {}),
        original_rrn=original_rrn, original_date=original_date,
    )


@dataclass
class FakeJournal:
    """The records of one terminal, answering the journal's read queries."""

    records: list[TransactionRecord] = field(default_factory=list)
    reversals: dict[int, ReversalRecord] = field(default_factory=dict)
    open_batch: int = 1
    ambiguous_invoices: frozenset[int] = frozenset()

    def get(self, transaction_id: int) -> TransactionRecord:
        return next(record for record in self.records if record.id == transaction_id)

    def current_batch(self) -> int:
        return self.open_batch

    def find_by_invoice(self, invoice: int, batch: int | None = None) -> TransactionRecord | None:
        if invoice in self.ambiguous_invoices and batch is None:
            raise JournalError(f"journal x.db: invoice {invoice:06d} is in several batches")
        found = [r for r in self.records if r.invoice == invoice and (batch is None or r.batch == batch)]
        return found[0] if found else None

    def find_by_rrn(self, rrn: str, local_date: str | None = None) -> TransactionRecord | None:
        found = [r for r in self.records
                 if r.rrn == rrn and (local_date is None or f"{r.transmitted_at:%m%d}" == local_date)]
        return found[0] if found else None

    def refunds_to_card_since(self, fingerprint: str, since: datetime) -> int:
        return sum(1 for r in self.records if r.txn_type is TxnType.REFUND and r.card_fingerprint == fingerprint
                   and r.transmitted_at >= since and r.status in COUNTED_REFUND_STATUSES and not r.is_voided)

    def refunded_amount(self, sale_id: int) -> int:
        return sum(r.amount for r in self.records if r.original_id == sale_id and r.txn_type is TxnType.REFUND
                   and r.status in COUNTED_REFUND_STATUSES and not r.is_voided)

    def refundable_remaining(self, sale_id: int) -> int:
        return self.get(sale_id).amount - self.refunded_amount(sale_id)

    def reversal_for(self, transaction_id: int) -> ReversalRecord | None:
        return self.reversals.get(transaction_id)

    def transactions(self, *, batch: int) -> list[TransactionRecord]:
        return [r for r in self.records if r.batch == batch]

    def transactions_between(self, start: datetime | None, end: datetime | None) -> list[TransactionRecord]:
        return [r for r in self.records
                if (start is None or r.transmitted_at >= start) and (end is None or r.transmitted_at < end)]
