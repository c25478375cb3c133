"""Batch totals and the settlement report, from the terminal's journal (docs/protocol.md, Settlement)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pos_terminal.common.dates import iso_date
from pos_terminal.journal import Journal
from protocols.money import format_amount
from protocols.iso87 import BatchTotals, TotalsKind
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType


def totals_kind(record: TransactionRecord, original: TransactionRecord | None) -> TotalsKind | None:
    """How an approved transaction counts: sales are debits, refunds credits, voids reverse their original."""
    if record.status is not TxnStatus.APPROVED:
        return None
    if record.txn_type is TxnType.SALE:
        return TotalsKind.DEBIT
    if record.txn_type is TxnType.REFUND:
        return TotalsKind.CREDIT
    if original is not None and original.txn_type is TxnType.SALE:
        return TotalsKind.DEBIT_REVERSAL
    return TotalsKind.CREDIT_REVERSAL


def batch_entries(journal: Journal, batch: int) -> list[tuple[TransactionRecord, TotalsKind]]:
    """The approved transactions of ``batch`` with what each counts as."""
    entries = []
    for record in journal.transactions(batch=batch):
        original = journal.get(record.original_id) if record.txn_type is TxnType.VOID and record.original_id else None
        kind = totals_kind(record, original)
        if kind is not None:
            entries.append((record, kind))
    return entries


def batch_totals(journal: Journal, batch: int) -> BatchTotals:
    """DE 74-77 / 86-89 totals of ``batch``."""
    return BatchTotals.of((kind, record.amount) for record, kind in batch_entries(journal, batch))


def batch_totals_by_currency(journal: Journal, batch: int) -> dict[str, BatchTotals]:
    """The totals of ``batch`` per transaction currency (DE 49), each settled by its own 0500 (docs/protocol.md)."""
    per_currency: dict[str, list[tuple[TotalsKind, int]]] = defaultdict(list)
    for record, kind in batch_entries(journal, batch):
        per_currency[record.currency].append((kind, record.amount))
    return {code: BatchTotals.of(entries) for code, entries in sorted(per_currency.items())}


def settlement_report(journal: Journal, batch: int, totals: BatchTotals, *, result: str, uploaded: bool) -> dict[str, Any]:
    """The report for the printer and ``possim txn settle --json``: totals per type and per card brand,
    and every refund with the host's expected arrival of the funds. Masked PANs only."""
    per_brand: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: {"count": 0, "amount": 0}))
    refunds = []
    for record, kind in batch_entries(journal, batch):
        slot = per_brand[record.card_brand][kind.value]
        slot["count"] += 1
        slot["amount"] += record.amount
        if record.txn_type is TxnType.REFUND:
            voided = record.is_voided
            refunds.append({
                "invoice": record.invoice, "rrn": record.rrn, "masked_pan": record.masked_pan, "amount": record.amount,
                "voided": voided, "status": "voided" if voided else "approved",
                "credit_channel": None if voided else record.host_data.get("credit_channel"),
                "credit_date": None if voided else iso_date(record.host_data.get("credit_date")),
            })
    return {
        "batch": batch,
        "result": result,
        "batch_uploaded": uploaded,
        "totals": totals.to_json(),
        "by_currency": {code: part.to_json() for code, part in batch_totals_by_currency(journal, batch).items()},
        "per_brand": {brand: dict(kinds) for brand, kinds in sorted(per_brand.items())},
        "refunds": refunds,
    }


def report_lines(report: dict[str, Any], currency: str, width: int = 32) -> list[str]:
    """The settlement report as printer lines of at most ``width`` characters (nothing cut: long rows wrap).

    A voided refund is listed as voided: its money never reaches the cardholder, so it is not
    under the funds arrival.
    """
    def money(amount: int) -> str:
        return format_amount(amount, currency, with_code=False)

    def row(label: str, count: int, amount: int, indent: str = "") -> list[str]:
        return _fit(f"{indent}{label}", f"{count:>4} {money(amount):>12}", width)

    lines = ["SETTLEMENT REPORT".center(width).rstrip(), f"BATCH {report['batch']:06d}".center(width).rstrip(),
             f"RESULT: {report['result']}"[:width], f"CURRENCY {format_amount(0, currency).split()[0]}", ""]
    labels = {"debit": "SALES", "credit": "REFUNDS", "debit_reversal": "VOIDED SALES",
              "credit_reversal": "VOIDED REFUNDS"}
    for kind, label in labels.items():
        total = report["totals"][kind]
        lines += row(label, total["count"], total["amount"])
    by_currency = report.get("by_currency", {})
    if len(by_currency) > 1:  # one settlement per currency: each one's totals in its own money
        for code, totals in by_currency.items():
            lines.append(f"== {format_amount(0, code).split()[0]}"[:width])
            for kind, label in labels.items():
                if totals[kind]["count"]:
                    lines += _fit(f"  {label}", f"{totals[kind]['count']:>4} "
                                  f"{format_amount(totals[kind]['amount'], code, with_code=False):>12}", width)
    for brand, kinds in report["per_brand"].items():
        lines.append(f"-- {brand.upper()}"[:width])
        for kind, total in kinds.items():
            lines += row(labels[kind], total["count"], total["amount"], "  ")
    standing = [refund for refund in report["refunds"] if not refund["voided"]]
    voided = [refund for refund in report["refunds"] if refund["voided"]]
    if standing:
        lines += ["", "FUNDS ARRIVAL OF REFUNDS"]
        for refund in standing:
            date = refund["credit_date"]
            arrival = str(iso_date(date)) if date else "PENDING"
            channel = {"RT": "RT", "BT": "BT", "XB": "XB"}.get(refund["credit_channel"] or "", "--")
            lines += _fit(f"{refund['invoice']:06d} {channel} {arrival}", money(refund["amount"]), width)
    if voided:
        lines += ["", "VOIDED REFUNDS (NO FUNDS MOVE)"[:width]]
        for refund in voided:
            lines += _fit(f"{refund['invoice']:06d} VOIDED", money(refund["amount"]), width)
    return lines


def _fit(text: str, value: str, width: int) -> list[str]:
    """``text`` left and ``value`` right on one line, or on two when they do not fit (never cut)."""
    if len(text) + 1 + len(value) <= width:
        return [text.ljust(width - len(value)) + value]
    return [text[:width], value.rjust(width)]
