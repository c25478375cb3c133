"""Store-and-forward: offline refunds and the advices (0220/0221) queued for the host."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pos_terminal.journal.errors import JournalError
from pos_terminal.journal.rows import advice_row, check_text, json_text, time_text
from pos_terminal.journal.transactions import TransactionsMixin
from pos_terminal.state.records import AdviceRecord, NewTransaction, ReversalStatus, TransactionRecord, TxnStatus, TxnType


class AdvicesMixin(TransactionsMixin):
    """Store-and-forward: offline refunds and the advices (0220/0221) queued for the host."""

    def begin_offline_refund(self, new: NewTransaction, *, now: datetime, auth_code: str) -> TransactionRecord:
        """Journal a refund approved offline and queue its advice, in one commit.

        The refund is checked against its original like an online one (it must
        be a matched refund); its status is OFFLINE until the host answers the
        advice, and its amount already counts as refunded.
        """
        if new.txn_type is not TxnType.REFUND or new.original_id is None:
            raise ValueError("only a matched refund (with original_id) can complete offline")
        check_text(auth_code, "auth_code", 6, required=True)
        stamp = time_text(now)
        with self._write("begin offline refund") as db:
            batch = self._counter(db, "batch")
            self._check_original(db, new, batch)
            stan = self._advance(db, "stan")
            invoice = self._advance(db, "invoice")
            cursor = db.execute(
                """INSERT INTO transactions (invoice, stan, batch, txn_type, status, amount, currency,
                       masked_pan, card_fingerprint, card_brand, entry_mode, processing_code, mti,
                       original_id, reason_code, auth_code, transmitted_at, created_at, updated_at, host_data)
                   VALUES (?, ?, ?, 'refund', 'offline', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')""",
                (invoice, stan, batch, new.amount, new.currency, new.masked_pan, new.card_fingerprint,
                 new.card_brand, new.entry_mode, new.processing_code, new.mti, new.original_id, new.reason_code,
                 auth_code, stamp, stamp, stamp),
            )
            txn_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            db.execute(
                "INSERT INTO advices (transaction_id, attempts, status, created_at) VALUES (?, 0, 'pending', ?)",
                (txn_id, stamp),
            )
            return self._find_row(db, txn_id)

    def pending_advices(self) -> list[AdviceRecord]:
        """Advices not yet answered, in the order they were queued (the order they must be sent in)."""
        with self._read() as db:
            rows = db.execute("SELECT * FROM advices WHERE status = 'pending' ORDER BY id").fetchall()
        return [advice_row(row) for row in rows]

    def advice_for(self, txn_id: int) -> AdviceRecord | None:
        """The advice (pending or answered) of an offline refund, or None."""
        with self._read() as db:
            row = db.execute("SELECT * FROM advices WHERE transaction_id = ?", (txn_id,)).fetchone()
        return None if row is None else advice_row(row)

    def note_advice_attempt(self, advice_id: int, now: datetime) -> AdviceRecord:
        """Record that the advice is being sent (once more), before sending: a later send is a repeat."""
        stamp = time_text(now)
        with self._write(f"note attempt of advice {advice_id}") as db:
            advice = self._find_advice(db, advice_id)
            if advice.status is not ReversalStatus.PENDING:
                raise JournalError(f"journal {self._path}: advice {advice_id} is already {advice.status}")
            db.execute(
                "UPDATE advices SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?", (stamp, advice_id)
            )
            return self._find_advice(db, advice_id)

    def acknowledge_advice(
        self, advice_id: int, *, response_code: str, rrn: str | None, host_data: Mapping[str, Any] | None,
        now: datetime,
    ) -> TransactionRecord:
        """The host answered the advice: the advice is ACKED and its refund APPROVED (00) or DECLINED, in one commit.

        A declined advice does not undo the refund at the counter; it shows as a mismatch at settlement.
        A duplicate answer changes nothing.
        """
        check_text(response_code, "response_code", 2, required=True)
        check_text(rrn, "rrn", 12, required=False)
        data = json_text(host_data, "host_data")
        stamp = time_text(now)
        with self._write(f"acknowledge advice {advice_id}") as db:
            advice = self._find_advice(db, advice_id)
            if advice.status is ReversalStatus.ACKED:
                return self._find_row(db, advice.transaction_id)
            db.execute(
                "UPDATE advices SET status = 'acked', response_code = ? WHERE id = ?", (response_code, advice_id)
            )
            status = TxnStatus.APPROVED if response_code == "00" else TxnStatus.DECLINED
            db.execute(
                """UPDATE transactions SET status = ?, response_code = ?, rrn = ?, host_data = ?, updated_at = ?
                   WHERE id = ?""",
                (str(status), response_code, rrn, data, stamp, advice.transaction_id),
            )
            return self._find_row(db, advice.transaction_id)

    def _find_advice(self, db: sqlite3.Connection, advice_id: int) -> AdviceRecord:
        row = db.execute("SELECT * FROM advices WHERE id = ?", (advice_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: no advice {advice_id}")
        return advice_row(row)

