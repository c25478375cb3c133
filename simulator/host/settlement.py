"""Batch totals on the host side: what a settlement (0500) and a batch upload (0320) are compared with.

Counting rules (docs/protocol.md, "Settlement"), over the transactions of one terminal and
batch (DE 60) that moved money on the host's ledger:

* an approved sale -> DEBIT; an approved refund or applied advice -> CREDIT. A sale or refund
  that was voided later still counts as DEBIT / CREDIT;
* an approved void of a sale -> DEBIT_REVERSAL; of a refund -> CREDIT_REVERSAL, each for the
  amount of the transaction it voided;
* reversed (0400 acknowledged) and declined transactions count nowhere, and so does a
  transaction a ``respond`` rule approved without moving money: the host's totals are the
  money it moved, so such a transaction shows as a reconciliation mismatch (95).

The uploaded set (0320) counts the same way: each uploaded sale is a DEBIT and, when flagged
voided (DE 63 VO = 1), also a DEBIT_REVERSAL; refunds likewise as CREDIT / CREDIT_REVERSAL.
Nothing here does I/O beyond the :class:`HostJournal` it is given, and nothing reads a request:
each protocol parses its own (:mod:`simulator.host.protocols.possim87.batch`,
:mod:`simulator.host.protocols.cup.batch`) and counts with these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from protocols.iso87 import BatchTotals, ProcessingCode, TotalsKind
from simulator.host.journal import (
    REFUND_MTIS,
    HostJournal,
    HostTransaction,
    Status,
    UploadRecord,
)

_STANDING = frozenset({Status.APPROVED, Status.VOIDED})
"""Statuses of a sale or refund that count: approved, or approved and voided later."""


def batch_number(value: object) -> int | None:
    """DE 60 as an integer (``"000001"`` -> 1), None when absent or not digits."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 6:
        return int(value)
    return None


def totals_kind(record: HostTransaction) -> TotalsKind | None:
    """What ``record`` counts as in its batch's totals (money movement aside), None for nothing."""
    if record.mti == "0200" and record.processing_code == ProcessingCode.PURCHASE:
        return TotalsKind.DEBIT if record.status in _STANDING else None
    if record.mti in REFUND_MTIS and record.processing_code == ProcessingCode.REFUND:
        return TotalsKind.CREDIT if record.status in _STANDING else None
    if record.mti == "0200" and record.status is Status.APPROVED:
        if record.processing_code == ProcessingCode.VOID_SALE:
            return TotalsKind.DEBIT_REVERSAL
        if record.processing_code == ProcessingCode.VOID_REFUND:
            return TotalsKind.CREDIT_REVERSAL
    return None


def batch_transactions(journal: HostJournal, terminal_id: str, batch: int) -> list[HostTransaction]:
    """The transactions of ``terminal_id`` whose DE 60 names ``batch``, oldest first."""
    return [t for t in journal.batch_transactions(terminal_id, batch) if batch_number(t.batch) == batch]


def counted_entries(journal: HostJournal, terminal_id: str, batch: int,
                    currency: str | None = None) -> list[tuple[TotalsKind, int]]:
    """The ``(kind, amount)`` entries of a batch by the counting rules (module docstring); ``currency``: only the
    transactions in that currency (DE 49), which a multi-currency terminal settles one 0500 each."""
    records = batch_transactions(journal, terminal_id, batch)
    moved = journal.moved_among([record.id for record in records if record.id is not None])
    entries = []
    for record in records:
        kind = totals_kind(record)
        if kind is None or record.id not in moved or (currency is not None and record.currency != currency):
            continue
        amount = record.amount
        if kind in (TotalsKind.DEBIT_REVERSAL, TotalsKind.CREDIT_REVERSAL) and record.original_id is not None:
            original = journal.transaction(record.original_id)
            amount = original.amount if original is not None and original.amount is not None else amount
        entries.append((kind, amount or 0))
    return entries


def journal_totals(journal: HostJournal, terminal_id: str, batch: int, currency: str | None = None) -> BatchTotals:
    """The host's own totals of a terminal's batch (in ``currency`` only, when given)."""
    return BatchTotals.of(counted_entries(journal, terminal_id, batch, currency))


def upload_totals(uploads: Iterable[UploadRecord], currency: str | None = None) -> BatchTotals:
    """The totals of an uploaded set (of its transactions in ``currency`` only, when given)."""
    entries: list[tuple[TotalsKind, int]] = []
    for upload in uploads:
        if currency is not None and upload.currency is not None and upload.currency != currency:
            continue
        debit = upload.processing_code == ProcessingCode.PURCHASE
        entries.append((TotalsKind.DEBIT if debit else TotalsKind.CREDIT, upload.amount))
        if upload.voided:
            entries.append((TotalsKind.DEBIT_REVERSAL if debit else TotalsKind.CREDIT_REVERSAL, upload.amount))
    return BatchTotals.of(entries)


def same_totals(first: BatchTotals, second: BatchTotals) -> bool:
    """True when every count and amount agrees."""
    return first.to_json() == second.to_json()
