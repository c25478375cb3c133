"""Finding transactions: by id, invoice, RRN, batch; and what is left to refund of a sale."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from pos_terminal.journal.errors import AmbiguousLookup
from pos_terminal.journal.rows import time_text, transaction_row
from pos_terminal.journal.store import JournalStore
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType


class LookupsMixin(JournalStore):
    """Finding transactions: by id, invoice, RRN, batch; and what is left to refund of a sale."""

    def get(self, txn_id: int) -> TransactionRecord:
        """The transaction with this id; :class:`JournalError` when there is none."""
        with self._read() as db:
            return self._find_row(db, txn_id)

    def find_by_invoice(self, invoice: int, batch: int | None = None) -> TransactionRecord | None:
        """The transaction with this invoice number (in ``batch``, or in any batch), or None.

        Invoice numbers wrap after 999999; when more than one transaction
        matches, :class:`JournalError` asks for the batch rather than guessing.
        """
        with self._read() as db:
            if batch is None:
                rows = db.execute("SELECT * FROM transactions WHERE invoice = ? ORDER BY id", (invoice,)).fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM transactions WHERE invoice = ? AND batch = ? ORDER BY id", (invoice, batch)
                ).fetchall()
        where = f"invoice {invoice}" + ("" if batch is None else f" in batch {batch}")
        return self._single(rows, where, "give the batch")

    def find_by_rrn(self, rrn: str, local_date: str | None = None, *, day: date | None = None
                    ) -> TransactionRecord | None:
        """The transaction the host gave this RRN (optionally sent on ``local_date``, MMDD, or on ``day``), or None.

        ``local_date`` is compared with the month and day of ``transmitted_at`` in UTC, ``day`` with
        its whole date. A void carries its original's RRN: a transaction and its own voids are one
        match, the original (whose status says voided and names the void). When unrelated
        transactions match, :class:`AmbiguousLookup` asks for the date rather than guessing.
        """
        if local_date is not None and not (len(local_date) == 4 and local_date.isascii() and local_date.isdigit()):
            raise ValueError(f"local_date must be MMDD, got {local_date!r}")
        query, parameters = "SELECT * FROM transactions WHERE rrn = ?", [rrn]
        if local_date is not None:
            query += " AND substr(transmitted_at, 6, 2) || substr(transmitted_at, 9, 2) = ?"
            parameters.append(local_date)
        if day is not None:
            query += " AND substr(transmitted_at, 1, 10) = ?"
            parameters.append(day.isoformat())
        with self._read() as db:
            rows = db.execute(query + " ORDER BY id", parameters).fetchall()
        ids = {row["id"] for row in rows}
        rows = [row for row in rows if not (row["txn_type"] == TxnType.VOID.value and row["original_id"] in ids)]
        where = f"RRN {rrn}" + ("" if local_date is None else f" on {local_date}") + \
            ("" if day is None else f" on {day.isoformat()}")
        return self._single(rows, where, "give the original date")

    def _single(self, rows: list[sqlite3.Row], where: str, hint: str) -> TransactionRecord | None:
        if not rows:
            return None
        if len(rows) > 1:
            invoices = tuple(int(row["invoice"]) for row in rows)
            listed = ", ".join(f"{invoice:06d}" for invoice in invoices)
            raise AmbiguousLookup(f"journal {self._path}: {where} matches invoices {listed}; {hint}", where, invoices)
        return transaction_row(rows[0])

    def transactions(self, batch: int | None = None, txn_type: TxnType | None = None) -> list[TransactionRecord]:
        """Transactions in journal order, optionally of one batch and/or one type."""
        clauses, parameters = [], []
        if batch is not None:
            clauses.append("batch = ?")
            parameters.append(batch)
        if txn_type is not None:
            clauses.append("txn_type = ?")
            parameters.append(str(TxnType(txn_type)))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._read() as db:
            rows = db.execute(f"SELECT * FROM transactions{where} ORDER BY id", parameters).fetchall()
        return [transaction_row(row) for row in rows]

    def transactions_between(
        self, since: datetime | None = None, until: datetime | None = None, *, txn_type: TxnType | None = None,
        limit: int | None = None,
    ) -> list[TransactionRecord]:
        """Transactions made in ``[since, until)`` (by ``transmitted_at``), of one type, newest first, at most ``limit``."""
        clauses, parameters = [], []
        if since is not None:
            clauses.append("transmitted_at >= ?")
            parameters.append(time_text(since, "since"))
        if until is not None:
            clauses.append("transmitted_at < ?")
            parameters.append(time_text(until, "until"))
        if txn_type is not None:
            clauses.append("txn_type = ?")
            parameters.append(str(TxnType(txn_type)))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        parameters.append(-1 if limit is None else limit)
        with self._read() as db:
            rows = db.execute(f"SELECT * FROM transactions{where} ORDER BY id DESC LIMIT ?", parameters).fetchall()
        return [transaction_row(row) for row in rows]

    def recent_transactions(self, limit: int) -> list[TransactionRecord]:
        """The newest ``limit`` transactions, in journal order (a bounded read for history screens)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive int, got {limit!r}")
        with self._read() as db:
            rows = db.execute("SELECT * FROM transactions ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [transaction_row(row) for row in reversed(rows)]

    def last_transaction(self) -> TransactionRecord | None:
        """The most recently journaled transaction, or None for an empty journal."""
        with self._read() as db:
            row = db.execute("SELECT * FROM transactions ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else transaction_row(row)

    # ----------------------------------------------------------------- refund arithmetic

    def refunds_to_card_since(self, card_fingerprint: str, since: datetime) -> int:
        """Refunds to the card ``card_fingerprint`` journaled since ``since``: approved (not voided), pending
        and offline ones (the refund policy counts what went, or may yet go, to the card)."""
        with self._read() as db:
            row = db.execute(
                """SELECT count(*) FROM transactions WHERE txn_type = 'refund' AND card_fingerprint = ?
                   AND created_at >= ? AND voided_by IS NULL AND status IN ('approved', 'pending', 'offline')""",
                (card_fingerprint, time_text(since, "since")),
            ).fetchone()
        return int(row[0])

    def refunded_amount(self, original_id: int) -> int:
        """Sum of the approved (or offline, money already returned) non-voided refunds that refer to ``original_id``."""
        with self._read() as db:
            row = db.execute(
                """SELECT coalesce(sum(amount), 0) FROM transactions
                   WHERE original_id = ? AND txn_type = 'refund' AND status IN ('approved', 'offline')
                     AND voided_by IS NULL""",
                (original_id,),
            ).fetchone()
        return int(row[0])

    def refunded_billing(self, original_id: int) -> tuple[int, int]:
        """A DCC sale's refunds in force or pending: (merchant amount, billing amount) summed, so that a new refund's
        conversion leaves room for them (docs/protocol.md, refunds of DCC sales)."""
        with self._read() as db:
            row = db.execute(
                """SELECT coalesce(sum(amount), 0), coalesce(sum(dcc_amount), 0) FROM transactions
                   WHERE original_id = ? AND txn_type = 'refund' AND status IN ('approved', 'offline', 'pending')
                     AND voided_by IS NULL""",
                (original_id,),
            ).fetchone()
        return int(row[0]), int(row[1])

    def refundable_remaining(self, original_id: int) -> int:
        """Original amount minus :meth:`refunded_amount`; 0 unless the original is an approved, non-voided sale.

        Pending refunds are not subtracted here (they may yet be reversed), but
        :meth:`begin_transaction` counts them when it checks a new refund.
        """
        with self._read() as db:
            original = self._find_row(db, original_id)
            if (
                original.txn_type is not TxnType.SALE
                or original.status is not TxnStatus.APPROVED
                or original.voided_by is not None
            ):
                return 0
            row = db.execute(
                """SELECT coalesce(sum(amount), 0) FROM transactions
                   WHERE original_id = ? AND txn_type = 'refund' AND status IN ('approved', 'offline')
                     AND voided_by IS NULL""",
                (original_id,),
            ).fetchone()
        return max(original.amount - int(row[0]), 0)

