"""The host journal as a report, per terminal and batch: ``possim host report`` (docs/host-report.md).

For each terminal and batch (DE 60): what was sold, what was refunded (online refunds and
advices, with the masked PAN, the RRN, the amount and how and when the money reaches the
cardholder), what was voided, what was reversed, what was declined, the host's settlement
totals, the uploaded set, and every settlement the host answered (time, result, both totals).

:func:`build_report` reads a :class:`HostJournal` into plain dataclasses; :func:`report_json`
and :func:`report_text` render them. PANs appear only as journaled: masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from protocols import money
from protocols.iso87 import BatchTotals, Mti, ProcessingCode, TotalsKind
from simulator.host import credits, settlement
from simulator.host.dcc import DccConfig
from simulator.host.journal import HostJournal, SettlementRecord, Status, HostTransaction

_KINDS: dict[tuple[str, str | None], str] = {
    (Mti.FINANCIAL_REQUEST, ProcessingCode.PURCHASE): "sale",
    (Mti.FINANCIAL_REQUEST, ProcessingCode.REFUND): "refund",
    (Mti.ADVICE, ProcessingCode.REFUND): "advice",
    (Mti.FINANCIAL_REQUEST, ProcessingCode.VOID_SALE): "void of sale",
    (Mti.FINANCIAL_REQUEST, ProcessingCode.VOID_REFUND): "void of refund",
}
"""The transactions a report lists, by (journaled MTI, DE 3)."""
TRANSACTION_KINDS = _KINDS
"""The same table for other readers of the journal (the host's HTTP API filters by it)."""


def transaction_kind(record: HostTransaction) -> str | None:
    """``sale``, ``refund``, ``advice``, ``void of sale``, ``void of refund``; None for anything else."""
    return _KINDS.get((record.mti, record.processing_code))


@dataclass(frozen=True)
class BatchReport:
    """One terminal's batch, as the host journaled it."""

    terminal_id: str
    batch: int | None
    transactions: tuple[HostTransaction, ...]
    totals: BatchTotals
    uploaded: tuple[int, BatchTotals] | None
    settlements: tuple[SettlementRecord, ...]
    moved: frozenset[int]
    business_date: date | None = None
    """The host's business date when the report was made: where each refund's money is on it."""
    dcc: DccConfig | None = None
    """The host's rate table, for the exchange difference of DCC refunds (None: the test defaults)."""

    def credit(self, record: HostTransaction) -> credits.CreditView | None:
        """The credit of a refund on the report's business date."""
        return credits.credit_view(record, self.business_date) if self.business_date else None

    def of_kind(self, *kinds: str, statuses: frozenset[Status] | None = None) -> list[HostTransaction]:
        """The batch's transactions of ``kinds`` (with one of ``statuses``), oldest first."""
        return [t for t in self.transactions if transaction_kind(t) in kinds
                and (statuses is None or t.status in statuses)]

    @property
    def sales(self) -> list[HostTransaction]:
        return self.of_kind("sale", statuses=_ACCEPTED)

    @property
    def refunds(self) -> list[HostTransaction]:
        return self.of_kind("refund", "advice", statuses=_ACCEPTED)

    @property
    def voids(self) -> list[HostTransaction]:
        return self.of_kind("void of sale", "void of refund", statuses=_ACCEPTED)

    @property
    def reversed(self) -> list[HostTransaction]:
        return [t for t in self.transactions if transaction_kind(t) and t.status is Status.REVERSED]

    @property
    def declined(self) -> list[HostTransaction]:
        return [t for t in self.transactions if transaction_kind(t) and t.status is Status.DECLINED]

    @property
    def currency(self) -> str | None:
        """The batch's currency (DE 49 of its first transaction that has one)."""
        return next((t.currency for t in self.transactions if t.currency), None)

    @property
    def settled(self) -> SettlementRecord | None:
        """The settlement that closed the batch (the last one answered 00), None while open."""
        return next((s for s in reversed(self.settlements) if s.settled), None)


_ACCEPTED = frozenset({Status.APPROVED, Status.VOIDED, Status.REVERSED})


@dataclass(frozen=True)
class HostReport:
    """Every selected terminal's batches, on the host's business date."""

    batches: tuple[BatchReport, ...]
    business_date: date | None = None


def build_report(journal: HostJournal, *, terminal_id: str | None = None, batch: int | None = None,
                 now: datetime | None = None, dcc: DccConfig | None = None) -> HostReport:
    """Read the journal into per-terminal, per-batch reports (filtered by terminal and batch when given).

    ``now`` (default: the current time) with the journal's business-date offset decides where each
    refund's money is (pending, posted, cancelled)."""
    today = credits.business_date(now or datetime.now(UTC), journal.business_date_offset())
    keys: dict[tuple[str, int | None], list[HostTransaction]] = {}
    for record in journal.transactions(terminal_id):
        if transaction_kind(record) is not None:
            keys.setdefault((record.terminal_id, settlement.batch_number(record.batch)), []).append(record)
    settlements: dict[tuple[str, int | None], list[SettlementRecord]] = {}
    for attempt in journal.settlements(terminal_id):
        settlements.setdefault((attempt.terminal_id, attempt.batch), []).append(attempt)
        keys.setdefault((attempt.terminal_id, attempt.batch), [])
    batches = []
    moved_by_terminal: dict[str, frozenset[int]] = {}
    for (tid, number), records in sorted(keys.items(), key=lambda item: (item[0][0], item[0][1] is None,
                                                                         item[0][1] or 0)):
        if batch is not None and number != batch:
            continue
        moved = moved_by_terminal.setdefault(tid, frozenset(journal.moved_transactions(tid)))
        uploads = journal.uploads(tid, number) if number is not None else []
        batches.append(BatchReport(
            terminal_id=tid, batch=number, transactions=tuple(records),
            totals=settlement.journal_totals(journal, tid, number) if number is not None else BatchTotals.of([]),
            uploaded=(len(uploads), settlement.upload_totals(uploads)) if uploads else None,
            settlements=tuple(settlements.get((tid, number), [])), moved=moved, business_date=today, dcc=dcc,
        ))
    return HostReport(tuple(batches), today)


# -- JSON -------------------------------------------------------------------------------------


def _iso_date(yyyymmdd: str | None) -> str | None:
    if not yyyymmdd:
        return None
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])).isoformat()
    except ValueError:
        return yyyymmdd


def _transaction_json(record: HostTransaction, report: BatchReport) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": transaction_kind(record), "time": record.time, "stan": record.stan, "rrn": record.rrn,
        "invoice": record.invoice, "masked_pan": record.masked_pan, "amount": record.amount,
        "currency": record.currency, "status": record.status.value, "response_code": record.response_code,
        "approval_code": record.auth_code,
    }
    if record.original_rrn is not None:
        item["original_rrn"] = record.original_rrn
    if transaction_kind(record) in ("refund", "advice") and record.status is not Status.DECLINED:
        item["credit_channel"] = record.credit_channel
        item["credit_date"] = _iso_date(record.credit_date)
        item["credited"] = record.status is Status.APPROVED and record.id in report.moved
        view = report.credit(record)
        item["credit_status"] = view.status.value if view else None
        item["posted_date"] = view.posted_date.isoformat() if view and view.posted_date else None
    if record.reason is not None:
        item["reason"] = record.reason
    if record.cross_border is not None:
        item["cross_border"] = record.cross_border
    if record.dcc_currency is not None:
        item["dcc"] = {"currency": record.dcc_currency, "amount": record.dcc_amount, "rate": record.dcc_rate,
                       "markup_percent": record.dcc_markup, "provider": record.dcc_provider}
    if record.status is Status.DECLINED and record.note:
        item["declined_by"] = record.note
    return item


def _result(attempt: SettlementRecord) -> str:
    """``settled`` (00), ``mismatch`` (95) or ``refused`` (any other code a rule gave)."""
    return "settled" if attempt.settled else "mismatch" if attempt.response_code == "95" else "refused"


def _settlement_json(attempt: SettlementRecord) -> dict[str, Any]:
    return {
        "time": attempt.time, "stan": attempt.stan, "processing_code": attempt.processing_code,
        "compared_with": attempt.basis.value, "response_code": attempt.response_code,
        "result": _result(attempt),
        "terminal_totals": attempt.terminal_totals.to_json() if attempt.terminal_totals else None,
        "host_totals": attempt.host_totals.to_json() if attempt.host_totals else None,
    }


def _credits_json(report: BatchReport) -> dict[str, Any]:
    """The batch's refunds by credit status, and the standing ones by expected arrival date."""
    by_status: dict[str, dict[str, int]] = {status.value: {"count": 0, "amount": 0} for status in credits.CreditStatus}
    by_arrival: dict[str, dict[str, int]] = {}
    for record in report.refunds:
        view = report.credit(record)
        if view is None:
            continue
        slot = by_status[view.status.value]
        slot["count"] += 1
        slot["amount"] += record.amount or 0
        if view.status is not credits.CreditStatus.CANCELLED:
            arrival = by_arrival.setdefault(view.expected_date.isoformat(), {"count": 0, "amount": 0})
            arrival["count"] += 1
            arrival["amount"] += record.amount or 0
    return {"by_status": by_status, "by_arrival": dict(sorted(by_arrival.items()))}


def refund_breakdown(report: BatchReport, dcc: DccConfig | None = None) -> dict[str, Any]:
    """The batch's standing refunds by currency, domestic / cross-border (per currency), and those of DCC sales
    per billing currency with the merchant's exchange difference at today's reference rate (docs/host-report.md).
    Amounts of different currencies are never added."""
    dcc = dcc or report.dcc or DccConfig()
    by_currency: dict[str, dict[str, int]] = {}
    sides: dict[str, dict[str, dict[str, int]]] = {"domestic": {}, "cross_border": {}}
    by_billing: dict[str, dict[str, Any]] = {}
    for record in report.refunds:
        if record.status is not Status.APPROVED or record.amount is None:
            continue
        code = record.currency or "?"
        _count(by_currency.setdefault(code, {"count": 0, "amount": 0}), record.amount)
        side = sides["cross_border" if record.cross_border else "domestic"]
        _count(side.setdefault(code, {"count": 0, "amount": 0}), record.amount)
        if record.dcc_currency is not None and record.dcc_amount is not None:
            slot = by_billing.setdefault(record.dcc_currency, {"count": 0, "amount": 0, "billing_amount": 0,
                                                               "currency": code, "exchange_difference": 0})
            _count(slot, record.amount)
            slot["billing_amount"] += record.dcc_amount
            difference = dcc.exchange_difference(record.amount, code, record.dcc_amount, record.dcc_currency)
            slot["exchange_difference"] = None if difference is None or slot["exchange_difference"] is None \
                else slot["exchange_difference"] + difference
    return {"by_currency": dict(sorted(by_currency.items())),
            **{side: dict(sorted(buckets.items())) for side, buckets in sides.items()},
            "dcc": dict(sorted(by_billing.items()))}


def _count(bucket: dict[str, Any], amount: int) -> None:
    bucket["count"] += 1
    bucket["amount"] += amount


def batch_json(report: BatchReport) -> dict[str, Any]:
    """One batch as a JSON-ready dict."""
    settled = report.settled
    return {
        "batch": report.batch,
        "sales": [_transaction_json(t, report) for t in report.sales],
        "refunds": [_transaction_json(t, report) for t in report.refunds],
        "voids": [_transaction_json(t, report) for t in report.voids],
        "reversed": [_transaction_json(t, report) for t in report.reversed],
        "declined": [_transaction_json(t, report) for t in report.declined],
        "totals": report.totals.to_json(),
        "uploaded": None if report.uploaded is None else {
            "transactions": report.uploaded[0], "totals": report.uploaded[1].to_json()},
        "refund_credits": _credits_json(report),
        "refund_breakdown": refund_breakdown(report),
        "settled": settled is not None,
        "settled_at": settled.time if settled else None,
        "settlements": [_settlement_json(s) for s in report.settlements],
    }


def report_json(report: HostReport) -> dict[str, Any]:
    """The whole report as one JSON object: ``{"terminals": [{"terminal_id", "batches": [...]}]}``."""
    terminals: dict[str, list[dict[str, Any]]] = {}
    for batch in report.batches:
        terminals.setdefault(batch.terminal_id, []).append(batch_json(batch))
    return {"business_date": report.business_date.isoformat() if report.business_date else None,
            "terminals": [{"terminal_id": tid, "batches": batches} for tid, batches in terminals.items()]}


# -- text -------------------------------------------------------------------------------------


def format_amount(amount: int | None, currency: str | None) -> str:
    """Minor units as the currency's units (ISO 4217), e.g. 1050 840 -> ``USD 10.50``; ``-`` when unknown."""
    if amount is None:
        return "-"
    return money.format_amount(amount, currency) if currency else str(amount)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["    " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return lines


def _row(record: HostTransaction, *extra: str) -> list[str]:
    return [record.time, record.rrn or "-", record.invoice or "-", record.masked_pan or "-",
            format_amount(record.amount, record.currency), *extra]


def _totals_text(totals: BatchTotals | None, currency: str | None) -> str:
    if totals is None:
        return "-"
    return ", ".join(f"{kind.value.replace('_', ' ')}s {totals.count(kind)} / "
                     f"{format_amount(totals.amount(kind), currency)}" for kind in TotalsKind)


def _section(title: str, headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return [f"  {title}: none"]
    return [f"  {title}:", *_table(headers, rows)]


def batch_text(report: BatchReport) -> list[str]:
    """One batch as text lines."""
    number = "(no batch number)" if report.batch is None else f"{report.batch:06d}"
    settled = report.settled
    state = (f"settled {settled.time}" if settled else
             f"NOT settled (last attempt {report.settlements[-1].time}: {report.settlements[-1].response_code})"
             if report.settlements else "open")
    lines = [f"Terminal {report.terminal_id}  batch {number}  -  {state}"]
    base = ["time", "RRN", "invoice", "card", "amount"]
    lines += _section("Sold", [*base, "approval", "status"],
                      [_row(t, t.auth_code or "-", t.status.value) for t in report.sales])
    lines += _section("Refunded", [*base, "kind", "original RRN", "channel", "credit date", "status", "funds"],
                      [_row(t, transaction_kind(t) or "-", t.original_rrn or "-", t.credit_channel or "-",
                            _iso_date(t.credit_date) or "-",
                            "credited" if t.status is Status.APPROVED and t.id in report.moved else t.status.value,
                            _funds(report, t))
                       for t in report.refunds])
    summary = _credits_json(report)["by_status"]
    if report.refunds:
        lines.append("  Refund credits: " + ", ".join(
            f"{status} {slot['count']} / {format_amount(slot['amount'], report.currency)}"
            for status, slot in summary.items()))
        lines += _breakdown_text(refund_breakdown(report))
    lines += _section("Voided", [*base, "kind", "voided RRN", "status"],
                      [_row(t, transaction_kind(t) or "-", t.original_rrn or "-", t.status.value)
                       for t in report.voids])
    lines += _section("Reversed", [*base, "kind"], [_row(t, transaction_kind(t) or "-") for t in report.reversed])
    lines += _section("Declined", [*base, "kind", "code", "original RRN", "declined by"],
                      [_row(t, transaction_kind(t) or "-", t.response_code, t.original_rrn or "-", t.note or "-")
                       for t in report.declined])
    currency = report.currency
    lines.append(f"  Host totals: {_totals_text(report.totals, currency)}")
    if report.uploaded is not None:
        lines.append(f"  Uploaded ({report.uploaded[0]} transactions): {_totals_text(report.uploaded[1], currency)}")
    if not report.settlements:
        lines.append("  Settlements: none")
        return lines
    lines.append("  Settlements:")
    for attempt in report.settlements:
        lines.append(f"    {attempt.time}  DE 3 {attempt.processing_code or '-'}  compared with {attempt.basis.value}"
                     f"  -> {attempt.response_code} {_result(attempt)}")
        lines.append(f"      terminal: {_totals_text(attempt.terminal_totals, currency)}")
        lines.append(f"      host:     {_totals_text(attempt.host_totals, currency)}")
    return lines


def _breakdown_text(breakdown: dict[str, Any]) -> list[str]:
    """The refunds by currency, domestic / cross-border, and DCC with the exchange difference."""
    def money(slots: dict[str, dict[str, Any]]) -> str:
        return ", ".join(f"{slot['count']} / {format_amount(slot['amount'], code)}" for code, slot in slots.items())

    lines = []
    for key, label in (("domestic", "domestic"), ("cross_border", "cross-border")):
        if breakdown[key]:
            lines.append(f"  Refunds {label}: {money(breakdown[key])}")
    for billing, slot in breakdown["dcc"].items():
        difference = slot["exchange_difference"]
        lines.append(f"  DCC refunds in {money_alpha(billing)}: {slot['count']} / "
                     f"{format_amount(slot['amount'], slot['currency'])} = {format_amount(slot['billing_amount'], billing)}"
                     + ("" if difference is None else
                        f"; exchange difference at today's rate {format_amount(difference, slot['currency'])}"))
    return lines


def money_alpha(code: str) -> str:
    return money.currency(code).alpha


def _funds(report: BatchReport, record: HostTransaction) -> str:
    view = report.credit(record)
    if view is None:
        return "-"
    return f"posted {view.posted_date}" if view.posted_date else view.status.value


def report_text(report: HostReport) -> str:
    """The whole report as readable text (amounts in major units of the ISO 4217 numeric currency shown)."""
    if not report.batches:
        return "no transactions or settlements in the host journal"
    blocks = ["\n".join(batch_text(batch)) for batch in report.batches]
    header = f"Business date {report.business_date}" if report.business_date else ""
    return "\n\n".join([header, *blocks] if header else blocks)
