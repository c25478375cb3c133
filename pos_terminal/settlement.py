"""Batch totals and the settlement report, from the terminal's journal (docs/protocol.md, Settlement)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pos_terminal.journal import Journal
from pos_terminal.protocol import BatchTotals, TotalsKind
from pos_terminal.records import TransactionRecord, TxnStatus, TxnType


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
            refunds.append({
                "invoice": record.invoice, "rrn": record.rrn, "masked_pan": record.masked_pan, "amount": record.amount,
                "voided": record.is_voided, "credit_channel": record.host_data.get("credit_channel"),
                "credit_date": record.host_data.get("credit_date"),
            })
    return {
        "batch": batch,
        "result": result,
        "batch_uploaded": uploaded,
        "totals": totals.to_json(),
        "per_brand": {brand: dict(kinds) for brand, kinds in sorted(per_brand.items())},
        "refunds": refunds,
    }


def report_lines(report: dict[str, Any], currency: str, width: int = 32) -> list[str]:
    """The settlement report as printer lines."""
    def money(amount: int) -> str:
        return f"{amount // 100}.{amount % 100:02d}"

    lines = ["SETTLEMENT REPORT".center(width), f"BATCH {report['batch']:06d}".center(width),
             f"RESULT: {report['result']}", ""]
    labels = {"debit": "SALES", "credit": "REFUNDS", "debit_reversal": "VOIDED SALES",
              "credit_reversal": "VOIDED REFUNDS"}
    for kind, label in labels.items():
        total = report["totals"][kind]
        lines.append(f"{label:<15}{total['count']:>4} {money(total['amount']):>12}"[:width])
    for brand, kinds in report["per_brand"].items():
        lines.append(f"-- {brand.upper()}")
        for kind, total in kinds.items():
            lines.append(f"  {labels[kind]:<13}{total['count']:>4} {money(total['amount']):>12}"[:width])
    if report["refunds"]:
        lines.append("REFUNDS AND FUNDS ARRIVAL")
        for refund in report["refunds"]:
            arrival = refund["credit_date"] or "PENDING"
            lines.append(f"{refund['invoice']:06d} {money(refund['amount']):>10} {arrival}"[:width])
    lines.append(f"CURRENCY {currency}")
    return lines
