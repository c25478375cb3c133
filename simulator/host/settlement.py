"""Batch reconciliation on the host side: settlement totals (0500) and the batch upload (0320).

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
Nothing here does I/O beyond the :class:`HostJournal` it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from iso8583.message import Message
from protocols.iso87 import BatchTotals, ProcessingCode, TotalsKind
from protocols.possim87.additional_data import AdditionalDataError, AdditionalTag, additional_data
from simulator.host.journal import (
    REFUND_MTIS,
    HostJournal,
    SettlementBasis,
    SettlementRecord,
    Status,
    HostTransaction,
    UploadRecord,
    iso_time,
)

SETTLEMENT_CODES = frozenset({ProcessingCode.SETTLEMENT, ProcessingCode.SETTLEMENT_AFTER_UPLOAD})
UPLOAD_CODES = frozenset({ProcessingCode.PURCHASE, ProcessingCode.REFUND})
_STANDING = frozenset({Status.APPROVED, Status.VOIDED})
"""Statuses of a sale or refund that count: approved, or approved and voided later."""


class MalformedRequest(ValueError):
    """A settlement or upload request lacks a field or carries a value that makes no sense (answer 30)."""


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
    return [t for t in journal.transactions(terminal_id) if batch_number(t.batch) == batch]


def counted_entries(journal: HostJournal, terminal_id: str, batch: int) -> list[tuple[TotalsKind, int]]:
    """The ``(kind, amount)`` entries of a batch by the counting rules (module docstring)."""
    moved = journal.moved_transactions(terminal_id)
    entries = []
    for record in batch_transactions(journal, terminal_id, batch):
        kind = totals_kind(record)
        if kind is None or record.id not in moved:
            continue
        amount = record.amount
        if kind in (TotalsKind.DEBIT_REVERSAL, TotalsKind.CREDIT_REVERSAL) and record.original_id is not None:
            original = journal.transaction(record.original_id)
            amount = original.amount if original is not None and original.amount is not None else amount
        entries.append((kind, amount or 0))
    return entries


def journal_totals(journal: HostJournal, terminal_id: str, batch: int) -> BatchTotals:
    """The host's own totals of a terminal's batch."""
    return BatchTotals.of(counted_entries(journal, terminal_id, batch))


def upload_totals(uploads: Iterable[UploadRecord]) -> BatchTotals:
    """The totals of an uploaded set."""
    entries: list[tuple[TotalsKind, int]] = []
    for upload in uploads:
        debit = upload.processing_code == ProcessingCode.PURCHASE
        entries.append((TotalsKind.DEBIT if debit else TotalsKind.CREDIT, upload.amount))
        if upload.voided:
            entries.append((TotalsKind.DEBIT_REVERSAL if debit else TotalsKind.CREDIT_REVERSAL, upload.amount))
    return BatchTotals.of(entries)


def same_totals(first: BatchTotals, second: BatchTotals) -> bool:
    """True when every count and amount agrees."""
    return first.to_json() == second.to_json()


@dataclass(frozen=True)
class SettlementRequest:
    """The parts of a 0500 the host reconciles."""

    terminal_id: str
    batch: int
    processing_code: ProcessingCode
    totals: BatchTotals
    stan: str
    transmission_time: str

    @property
    def basis(self) -> SettlementBasis:
        """920000 compares with the journal, 960000 with the uploaded set."""
        return (SettlementBasis.UPLOAD if self.processing_code is ProcessingCode.SETTLEMENT_AFTER_UPLOAD
                else SettlementBasis.JOURNAL)


def parse_settlement(request: Message, terminal_id: str) -> SettlementRequest:
    """Read a 0500; :class:`MalformedRequest` when DE 3 is not 920000 / 960000, or DE 60 or the totals
    are missing or malformed."""
    code = request.get(3)
    if not isinstance(code, str) or code not in SETTLEMENT_CODES:
        raise MalformedRequest(f"DE 3 {code!r} is not a settlement processing code (920000, 960000)")
    batch = batch_number(request.get(60))
    if batch is None:
        raise MalformedRequest("DE 60 (batch number) missing or not 6 digits")
    try:
        totals = BatchTotals.from_message(request)
    except ValueError as exc:
        raise MalformedRequest(str(exc)) from None
    return SettlementRequest(terminal_id, batch, ProcessingCode(code), totals, _text(request, 11),
                             _text(request, 7))


def settle(journal: HostJournal, request: SettlementRequest, now: datetime) -> SettlementRecord:
    """Reconcile: compute the host's totals, compare, journal the outcome (00 or 95) and return it.

    A 920000 also discards an earlier upload of the batch: a new reconciliation starts.
    """
    if request.basis is SettlementBasis.UPLOAD:
        host = upload_totals(journal.uploads(request.terminal_id, request.batch))
    else:
        journal.clear_uploads(request.terminal_id, request.batch)
        host = journal_totals(journal, request.terminal_id, request.batch)
    code = "00" if same_totals(request.totals, host) else "95"
    record = SettlementRecord(
        time=iso_time(now), terminal_id=request.terminal_id, batch=request.batch, stan=request.stan,
        transmission_time=request.transmission_time, response_code=code, basis=request.basis,
        processing_code=request.processing_code.value, terminal_totals=request.totals, host_totals=host,
    )
    journal.record_settlement(record)
    return record


def parse_upload(request: Message, terminal_id: str, now: datetime) -> UploadRecord:
    """Read a 0320 (DE 3, 4, 37, 60 required; DE 63 VO 0 or 1, absent = 0); :class:`MalformedRequest` if not."""
    code = request.get(3)
    if not isinstance(code, str) or code not in UPLOAD_CODES:
        raise MalformedRequest(f"DE 3 {code!r}: a batch upload carries a sale (000000) or a refund (200000)")
    amount = request.get(4)
    if not isinstance(amount, str) or not amount.isdigit():
        raise MalformedRequest("DE 4 (amount) missing or not numeric")
    rrn = request.get(37)
    if not isinstance(rrn, str) or not rrn.strip():
        raise MalformedRequest("DE 37 (RRN) missing")
    batch = batch_number(request.get(60))
    if batch is None:
        raise MalformedRequest("DE 60 (batch number) missing or not 6 digits")
    try:
        voided = additional_data(request).get(AdditionalTag.VOIDED, "0")
    except AdditionalDataError as exc:
        raise MalformedRequest(str(exc)) from None
    if voided not in ("0", "1"):
        raise MalformedRequest("DE 63 VO must be 0 or 1")
    return UploadRecord(
        terminal_id=terminal_id, batch=batch, rrn=rrn, processing_code=code, amount=int(amount),
        voided=voided == "1", time=iso_time(now), currency=_optional(request, 49), stan=_optional(request, 11),
        local_date=_optional(request, 13), local_time=_optional(request, 12), auth_code=_optional(request, 38),
        invoice=_optional(request, 62),
    )


def _optional(request: Message, number: int) -> str | None:
    value = request.get(number)
    return value if isinstance(value, str) else None


def _text(request: Message, number: int) -> str:
    return _optional(request, number) or ""
