"""Reversals: owed to the host from the moment a request is journaled until the host acknowledges them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from pos_terminal.journal.errors import JournalError
from pos_terminal.journal.rows import check_text, reversal_row, time_text
from pos_terminal.journal.store import JournalStore
from pos_terminal.state.records import ReversalRecord, ReversalStatus, TransactionRecord, TxnStatus, TxnType


class ReversalsMixin(JournalStore):
    """Reversals: owed to the host from the moment a request is journaled until the host acknowledges them."""

    def schedule_reversal(self, txn_id: int, *, now: datetime) -> ReversalRecord:
        """Add a pending reversal for a transaction that has none: one begun ``with_reversal=False``,
        or an approved one that must be undone (e.g. the card declined after online approval).

        Refused for declined or reversed transactions and when a reversal already exists.
        """
        stamp = time_text(now)
        with self._write(f"schedule reversal of transaction {txn_id}") as db:
            txn = self._find_row(db, txn_id)
            label = f"journal {self._path}: transaction {txn_id}"
            if txn.status not in (TxnStatus.PENDING, TxnStatus.APPROVED):
                raise JournalError(f"{label} is {txn.status}; only pending or approved transactions are reversed")
            existing = db.execute("SELECT id FROM reversals WHERE transaction_id = ?", (txn_id,)).fetchone()
            if existing is not None:
                raise JournalError(f"{label} already has reversal {existing[0]}")
            reversal_id = self._insert_reversal(
                db, txn_id, txn.stan, time_text(txn.transmitted_at), txn.amount, stamp
            )
            return self._find_reversal(db, reversal_id)

    def _insert_reversal(
        self, db: sqlite3.Connection, txn_id: int, stan: int, transmitted_at: str, amount: int, stamp: str
    ) -> int:
        cursor = db.execute(
            """INSERT INTO reversals (transaction_id, stan, transmitted_at, amount, attempts, status, created_at)
               VALUES (?, ?, ?, ?, 0, 'pending', ?)""",
            (txn_id, stan, transmitted_at, amount, stamp),
        )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def pending_reversals(self) -> list[ReversalRecord]:
        """Reversals not yet acknowledged, oldest first (the order they must be sent in)."""
        with self._read() as db:
            rows = db.execute("SELECT * FROM reversals WHERE status = 'pending' ORDER BY id").fetchall()
        return [reversal_row(row) for row in rows]

    def reversal_for(self, txn_id: int) -> ReversalRecord | None:
        """The reversal (pending or acknowledged) of a transaction, or None."""
        with self._read() as db:
            row = db.execute("SELECT * FROM reversals WHERE transaction_id = ?", (txn_id,)).fetchone()
        return None if row is None else reversal_row(row)

    def note_reversal_attempt(self, reversal_id: int, now: datetime) -> ReversalRecord:
        """Record that the reversal is being sent (once more): attempts + 1, last_attempt_at = now.

        Call it before sending, so that a retry after a crash is flagged as a
        repeat (attempts > 0) and a late response to the original is refused.
        """
        stamp = time_text(now)
        with self._write(f"note attempt of reversal {reversal_id}") as db:
            reversal = self._find_reversal(db, reversal_id)
            if reversal.status is not ReversalStatus.PENDING:
                raise JournalError(f"journal {self._path}: reversal {reversal_id} is already {reversal.status}")
            db.execute(
                "UPDATE reversals SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?",
                (stamp, reversal_id),
            )
            return self._find_reversal(db, reversal_id)

    def acknowledge_reversal(self, reversal_id: int, response_code: str, now: datetime) -> ReversalRecord:
        """The host acknowledged the reversal: mark it ACKED and its transaction REVERSED, in one commit.

        A reversed approved void no longer cancels its original (``voided_by``
        is cleared). Acknowledging an already acknowledged reversal (a
        duplicate response) changes nothing and returns it.
        """

        def reversed_(db: sqlite3.Connection, txn: TransactionRecord, stamp: str) -> None:
            db.execute("UPDATE transactions SET status = 'reversed', updated_at = ? WHERE id = ?", (stamp, txn.id))
            if txn.txn_type is TxnType.VOID and txn.original_id is not None:
                db.execute(
                    "UPDATE transactions SET voided_by = NULL, updated_at = ? WHERE id = ? AND voided_by = ?",
                    (stamp, txn.original_id, txn.id),
                )

        return self._close_reversal(reversal_id, response_code, now, "acknowledge reversal", reversed_)

    def refuse_reversal(self, reversal_id: int, response_code: str, now: datetime) -> ReversalRecord:
        """The host refused the reversal for good: its original stands (docs/protocol.md, "Money rules").

        The reversal is closed (ACKED, with the refusal's ``response_code``, so it is never sent again) and
        its transaction is APPROVED as the host says, in one commit; a void stands and marks its original
        ``voided_by``. The answer to the original was lost, so its RRN and approval code stay unknown.
        """

        def standing(db: sqlite3.Connection, txn: TransactionRecord, stamp: str) -> None:
            if txn.status is TxnStatus.PENDING:
                db.execute("UPDATE transactions SET status = 'approved', updated_at = ? WHERE id = ?",
                           (stamp, txn.id))
            if txn.txn_type is TxnType.VOID and txn.original_id is not None:
                db.execute("UPDATE transactions SET voided_by = ?, updated_at = ? WHERE id = ?",
                           (txn.id, stamp, txn.original_id))

        return self._close_reversal(reversal_id, response_code, now, "close refused reversal", standing)

    def _close_reversal(
        self, reversal_id: int, response_code: str, now: datetime, action: str,
        settle: Callable[[sqlite3.Connection, TransactionRecord, str], None],
    ) -> ReversalRecord:
        """Close a reversal with the host's ``response_code`` (ACKED: never sent again) and ``settle`` its
        transaction, in one commit; a reversal already closed (a duplicate answer) is returned unchanged."""
        check_text(response_code, "response_code", 2, required=True)
        stamp = time_text(now)
        with self._write(f"{action} {reversal_id}") as db:
            reversal = self._find_reversal(db, reversal_id)
            if reversal.status is ReversalStatus.ACKED:
                return reversal
            db.execute(
                "UPDATE reversals SET status = 'acked', response_code = ?, last_attempt_at = "
                "coalesce(last_attempt_at, ?) WHERE id = ?",
                (response_code, stamp, reversal_id),
            )
            settle(db, self._find_row(db, reversal.transaction_id), stamp)
            return self._find_reversal(db, reversal_id)

    def _find_reversal(self, db: sqlite3.Connection, reversal_id: int) -> ReversalRecord:
        row = db.execute("SELECT * FROM reversals WHERE id = ?", (reversal_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: no reversal {reversal_id}")
        return reversal_row(row)

