"""possim-87 batch requests: the 0500 settlement (DE 74-77 / 86-89 totals) and the 0320 batch upload.

docs/protocol.md, "Settlement (0500 / 0510) and batch upload": a 920000 settlement compares the
terminal's totals with the host's journal (and discards an earlier upload of the batch), a 960000
with the uploaded set; 0510 is 00 when they agree, else 95, and the settlement is journaled either
way. A 0320 adds one transaction to the terminal's uploaded set (DE 63 VO: voided later). The
counting is shared with every protocol (:mod:`simulator.host.settlement`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iso8583.message import Message
from protocols.iso87 import BatchTotals, ProcessingCode
from protocols.possim87.additional_data import AdditionalDataError, AdditionalTag, additional_data
from simulator.host.journal import HostJournal, SettlementBasis, SettlementRecord, UploadRecord, iso_time
from simulator.host.settlement import batch_number, journal_totals, same_totals, upload_totals

__all__ = ["MalformedRequest", "SettlementRequest", "parse_settlement", "parse_upload", "settle"]

SETTLEMENT_CODES = frozenset({ProcessingCode.SETTLEMENT, ProcessingCode.SETTLEMENT_AFTER_UPLOAD})
UPLOAD_CODES = frozenset({ProcessingCode.PURCHASE, ProcessingCode.REFUND})


class MalformedRequest(ValueError):
    """A settlement or upload request lacks a field or carries a value that makes no sense (answer 30)."""


@dataclass(frozen=True)
class SettlementRequest:
    """The parts of a 0500 the host reconciles."""

    terminal_id: str
    batch: int
    processing_code: ProcessingCode
    totals: BatchTotals
    stan: str
    transmission_time: str
    currency: str | None = None
    """DE 49: the currency whose transactions these totals count (None: all, a terminal of one currency)."""

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
                             _text(request, 7), _optional(request, 49))


def settle(journal: HostJournal, request: SettlementRequest, now: datetime) -> SettlementRecord:
    """Reconcile: compute the host's totals, compare, journal the outcome (00 or 95) and return it.

    A 920000 also discards an earlier upload of the batch: a new reconciliation starts.
    """
    if request.basis is SettlementBasis.UPLOAD:
        host = upload_totals(journal.uploads(request.terminal_id, request.batch), request.currency)
    else:
        journal.clear_uploads(request.terminal_id, request.batch)
        host = journal_totals(journal, request.terminal_id, request.batch, request.currency)
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
