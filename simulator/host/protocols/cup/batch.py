"""The host's ``cup-pos`` settlement (0500) and batch upload (0320).

0500: the terminal's DE 48 totals (domestic and foreign cards: debit amount and count, credit
amount and count) are compared, group by group, with the host's own for the terminal's batch
(60.2), counted from the money it moved: debits are approved sales that stand (not voided, not
reversed), credits approved refunds; the card group comes from the card's brand (UnionPay cards
are domestic). The 0510 is 00 with DE 48 = the terminal's totals, each group's result code set to
1 (balanced) or 2 (not balanced). The settlement is journaled with the reconciliation outcome as
the host's response code of record (00 balanced, 95 not), both sets of totals summed over the
groups, and a new reconciliation discards an earlier upload of the batch.

0320: sales lists (60.3 = 201), one row per sale found by voucher and batch; a refund
(60.1 = 25) by its RRN; the end of the upload (202 / 207) is answered 00 and, after an upload,
journaled as a settlement on the uploaded set: 00 when as many transactions arrived as the end
announces, else 95.

The batch messages carry no MAC in the CUP specification (host.toml ``cup_batch_mac = "accept"``, the
default, takes them so; ``"require"`` wants a DE 64 that verifies), so the host accepts them only in
the order of a settlement the terminal asked for (docs/protocol.md, "Settlement and batch upload"):
an upload (201, a refund) and its end (202) only while the batch's last reconciliation is an
unbalanced 0500 not yet closed by an upload; an end that balanced (207) only after a 0500 of that
batch. Anything else is 12 and journals nothing: an end of upload out of the blue (count 0, no
0500 before it) must not mark a terminal's open batch settled. The same 202 again (same DE 11)
after it closed the batch is answered 00 again, journaling nothing new.
"""

from __future__ import annotations

from datetime import datetime

from iso8583.message import Message
from protocols.cup.errors import CupFieldError
from protocols.cup.fields import CardTotals, ReconciliationResult, SettlementTotals
from protocols.cup.upload import CardGroup, UploadList, card_group, parse_upload_count
from protocols.iso87 import BatchTotals, ResponseCode, TotalsKind
from simulator.host import settlement
from simulator.host.cards import brand_of
from simulator.host.protocols.cup.answers import answer
from simulator.host.protocols.cup.classify import CANONICAL_CODES, CANONICAL_MTI, CupRequest
from simulator.host.exchange import Exchange, FormatError, field_text, request_amount, require_field
from simulator.host.journal import HostJournal, SettlementBasis, SettlementRecord, Status, UploadRecord, iso_time

_NOT_RECONCILED = "95"


def host_totals(journal: HostJournal, terminal_id: str, batch: int) -> dict[CardGroup, CardTotals]:
    """The host's CUP totals of a terminal's batch, per card group, from the money it moved."""
    moved = journal.moved_transactions(terminal_id)
    sums = {group: [0, 0, 0, 0] for group in CardGroup}
    for record in settlement.batch_transactions(journal, terminal_id, batch):
        if record.status is not Status.APPROVED or record.id not in moved or record.mti != CANONICAL_MTI:
            continue
        group = card_group(brand_of(record.masked_pan[:6]) if record.masked_pan else None)
        if record.processing_code == CANONICAL_CODES["sale"]:
            sums[group][0] += record.amount or 0
            sums[group][1] += 1
        elif record.processing_code == CANONICAL_CODES["refund"]:
            sums[group][2] += record.amount or 0
            sums[group][3] += 1
    return {group: CardTotals(*values) for group, values in sums.items()}


def _same(first: CardTotals, second: CardTotals) -> bool:
    return (first.debit_amount, first.debit_count, first.credit_amount, first.credit_count) == \
        (second.debit_amount, second.debit_count, second.credit_amount, second.credit_count)


def as_batch_totals(groups: list[CardTotals]) -> BatchTotals:
    """The groups summed, as the host journal keeps settlement totals (debits and credits)."""
    return BatchTotals((
        (TotalsKind.DEBIT, sum(g.debit_count for g in groups), sum(g.debit_amount for g in groups)),
        (TotalsKind.CREDIT, sum(g.credit_count for g in groups), sum(g.credit_amount for g in groups)),
        (TotalsKind.DEBIT_REVERSAL, 0, 0),
        (TotalsKind.CREDIT_REVERSAL, 0, 0),
    ))


def _terminal_totals(request: Message) -> SettlementTotals:
    try:
        return SettlementTotals.decode(require_field(request, 48))
    except CupFieldError as exc:
        raise FormatError(str(exc)) from None


def _groups(totals: SettlementTotals) -> list[tuple[CardGroup, CardTotals]]:
    return [(CardGroup.DOMESTIC, totals.domestic)] + (
        [(CardGroup.FOREIGN, totals.foreign)] if totals.foreign is not None else [])


def settle(journal: HostJournal, exchange: Exchange, kind: CupRequest) -> Message:
    """0500: compare the DE 48 totals with the host's, group by group; 0510 / 00 with the result codes."""
    request, profile = exchange.request, exchange.terminal
    assert profile is not None
    terminal = _terminal_totals(request)
    batch = int(kind.batch)
    host = host_totals(journal, profile.terminal_id, batch)
    results = {group: ReconciliationResult.BALANCED if _same(totals, host[group]) else ReconciliationResult.UNBALANCED
               for group, totals in _groups(terminal)}
    answered = SettlementTotals(
        _with_result(terminal.domestic, results[CardGroup.DOMESTIC]),
        None if terminal.foreign is None else _with_result(terminal.foreign, results[CardGroup.FOREIGN]))
    balanced = all(result is ReconciliationResult.BALANCED for result in results.values())
    journal.clear_uploads(profile.terminal_id, batch)
    journal.record_settlement(SettlementRecord(
        time=iso_time(exchange.now), terminal_id=profile.terminal_id, batch=batch, stan=field_text(request, 11) or "",
        transmission_time=kind.batch, response_code=ResponseCode.APPROVED if balanced else _NOT_RECONCILED,
        basis=SettlementBasis.JOURNAL, terminal_totals=as_batch_totals([t for _, t in _groups(terminal)]),
        host_totals=as_batch_totals([host[group] for group, _ in _groups(terminal)]),
    ))
    return answer(request, ResponseCode.APPROVED, exchange.now, {48: answered.encode()})


def scripted_settlement(journal: HostJournal, exchange: Exchange, kind: CupRequest, code: str) -> Message:
    """A 0500 a ``respond`` rule answers: journaled on the rule's basis; DE 48 back with every group not balanced."""
    request, profile = exchange.request, exchange.terminal
    assert profile is not None
    try:
        terminal: SettlementTotals | None = _terminal_totals(request)
    except FormatError:
        terminal = None
    journal.record_settlement(SettlementRecord(
        time=iso_time(exchange.now), terminal_id=profile.terminal_id, batch=int(kind.batch),
        stan=field_text(request, 11) or "", transmission_time=kind.batch, response_code=code,
        basis=SettlementBasis.RULE,
        terminal_totals=as_batch_totals([t for _, t in _groups(terminal)]) if terminal else None,
    ))
    extra = {}
    if terminal is not None:
        extra[48] = SettlementTotals(
            _with_result(terminal.domestic, ReconciliationResult.UNBALANCED),
            None if terminal.foreign is None else _with_result(terminal.foreign, ReconciliationResult.UNBALANCED),
        ).encode()
    return answer(request, code, exchange.now, extra)


def _with_result(totals: CardTotals, result: ReconciliationResult) -> CardTotals:
    return CardTotals(totals.debit_amount, totals.debit_count, totals.credit_amount, totals.credit_count, result)


def _upload_allowed(journal: HostJournal, terminal_id: str, batch: int, kind: CupRequest, stan: str) -> bool:
    """Whether a 0320 of ``kind`` fits a settlement the terminal asked for (see the module docstring)."""
    assert kind.row is not None
    last = next((s for s in reversed(journal.settlements(terminal_id)) if s.batch == batch), None)
    if last is None:
        return False
    if kind.row.name == "batch_upload_end_balanced":
        return last.basis is SettlementBasis.JOURNAL
    if kind.row.name == "batch_upload_end" and last.basis is SettlementBasis.UPLOAD:
        return last.stan == stan  # the very end that closed the batch, sent again
    return last.basis is SettlementBasis.JOURNAL and last.response_code == _NOT_RECONCILED


def upload(journal: HostJournal, exchange: Exchange, kind: CupRequest) -> Message:
    """0320: a list of sales, a refund, or the end of the upload; 00, or 12 outside a requested settlement."""
    request, profile = exchange.request, exchange.terminal
    assert profile is not None and kind.row is not None
    batch = int(kind.batch)
    stan = field_text(request, 11) or ""
    if not _upload_allowed(journal, profile.terminal_id, batch, kind, stan):
        return answer(request, ResponseCode.INVALID_TRANSACTION, exchange.now)
    if kind.row.name == "batch_upload":
        try:
            sales = UploadList.decode(require_field(request, 48))
        except CupFieldError as exc:
            raise FormatError(str(exc)) from None
        for entry in sales.entries:
            journal.record_upload(_sale_upload(journal, profile.terminal_id, kind.batch, entry.voucher, entry.amount,
                                               exchange.now))
    elif kind.row.name == "refund_upload":
        journal.record_upload(UploadRecord(
            terminal_id=profile.terminal_id, batch=batch, rrn=require_field(request, 37),
            processing_code=CANONICAL_CODES["refund"], amount=request_amount(request), voided=False,
            time=iso_time(exchange.now), currency=field_text(request, 49), stan=field_text(request, 11),
            auth_code=field_text(request, 38), invoice=field_text(request, 11),
        ))
    else:
        _end_of_upload(journal, exchange, kind)
    return answer(request, ResponseCode.APPROVED, exchange.now)


def _sale_upload(journal: HostJournal, terminal_id: str, batch: str, voucher: str, amount: int,
                 now: datetime) -> UploadRecord:
    """An uploaded sale, keyed by the host's RRN of it (``V`` and the voucher when the host never approved it)."""
    sale = journal.find_by_request(terminal_id, CANONICAL_MTI, voucher, batch)
    rrn = sale.rrn if sale is not None and sale.rrn else f"V{voucher}"
    return UploadRecord(terminal_id=terminal_id, batch=int(batch), rrn=rrn, processing_code=CANONICAL_CODES["sale"],
                        amount=amount, voided=False, time=iso_time(now), stan=voucher, invoice=voucher)


def _end_of_upload(journal: HostJournal, exchange: Exchange, kind: CupRequest) -> None:
    """202 / 207: after an upload, journal the settlement on the uploaded set (00 when the count agrees)."""
    request, profile = exchange.request, exchange.terminal
    assert profile is not None and kind.row is not None
    try:
        count = parse_upload_count(require_field(request, 48))
    except CupFieldError as exc:
        raise FormatError(str(exc)) from None
    if kind.row.name != "batch_upload_end":
        return
    batch = int(kind.batch)
    closed = next((s for s in reversed(journal.settlements(profile.terminal_id)) if s.batch == batch), None)
    if closed is not None and closed.basis is SettlementBasis.UPLOAD:
        return  # the end that closed the batch, sent again: nothing new
    uploads = journal.uploads(profile.terminal_id, batch)
    earlier = [s for s in journal.settlements(profile.terminal_id) if s.batch == batch and
               s.basis is not SettlementBasis.UPLOAD]
    journal.record_settlement(SettlementRecord(
        time=iso_time(exchange.now), terminal_id=profile.terminal_id, batch=batch, stan=field_text(request, 11) or "",
        transmission_time=kind.batch, response_code=ResponseCode.APPROVED if count == len(uploads) else _NOT_RECONCILED,
        basis=SettlementBasis.UPLOAD, terminal_totals=earlier[-1].terminal_totals if earlier else None,
        host_totals=settlement.upload_totals(uploads),
    ))
