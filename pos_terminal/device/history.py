"""The journal browser: one display row per transaction, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from pos_terminal.receipt import format_amount
from pos_terminal.records import TransactionRecord, TxnStatus, TxnType

__all__ = ["history_row", "history_rows", "status_word"]

_KIND = {TxnType.SALE: "S", TxnType.REFUND: "R", TxnType.VOID: "V"}
_STATUS = {
    TxnStatus.APPROVED: "APPR",
    TxnStatus.DECLINED: "DECL",
    TxnStatus.REVERSED: "REVD",
    TxnStatus.PENDING: "PEND",
    TxnStatus.OFFLINE: "OFFL",
}


def status_word(record: TransactionRecord) -> str:
    """APPR, VOID (approved, then voided), DECL, REVD (reversed), PEND (no answer yet), OFFL (store-and-forward)."""
    if record.is_voided:
        return "VOID"
    return _STATUS.get(record.status, record.status.upper()[:4])


def history_row(record: TransactionRecord) -> str:
    """``S000001    20.00 APPR``: kind (Sale, Refund, Void), invoice, amount, status; 21 characters."""
    amount = format_amount(record.amount, record.currency, with_code=False)
    return f"{_KIND[record.txn_type]}{record.invoice:06d} {amount:>8} {status_word(record)}"


def history_rows(records: Sequence[TransactionRecord]) -> list[str]:
    """Rows for ``records``, newest first."""
    return [history_row(record) for record in reversed(records)]
