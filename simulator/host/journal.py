"""The host journal: every message, every transaction, every movement of money, in one SQLite file.

SQLite in WAL mode with ``synchronous=FULL``: a committed request survives a crash or a pulled
plug. The host handles one request in one SQLite transaction (:meth:`HostJournal.atomic`), so
its transaction row, its ledger rows and its stored response are committed together or not at
all: a crash can never leave money moved without the response that a retransmission must get.

Tables:

* ``messages``: every message in and out: time (UTC ISO 8601), peer, direction, terminal, STAN,
  MTI and the masked dump (:func:`iso8583.render_text`); undecodable frames with their length
  and the reason only (their bytes may hold a PAN).
* ``transactions``: one row per financial request (and reversal) with its outcome. PANs appear
  only masked (first 6 + last 4) and as an HMAC fingerprint for "same card" checks.
* ``ledger``: one row per movement of money from the cardholder's point of view: ``debit``
  (a sale) or ``credit`` (a refund), and the counter-entries of reversals and voids, each
  naming the entry it undoes (``counter_of``), so a test can see a movement undone.
* ``responses``: the encoded response to each answered request, keyed by (terminal, STAN,
  DE 7, response MTI), for retransmissions.
* ``sessions``: master/session key deliveries per terminal: the key blocks as sent (TR-31 under
  the terminal master key) and their check values.
* ``uploads``: the batch upload (0320) of each terminal and batch, one row per uploaded
  transaction (by its RRN; a new upload of the same transaction replaces the old one).
* ``settlements``: every settlement (0500) the host answered: terminal, batch, time, result,
  what the host compared with (its journal, the uploaded set, or a rule) and both sets of totals.
* ``counters``: named integers: the RRN counter (the highest RRN reserved), the business date offset, the
  IC data versions a terminal downloaded.

The class is built from one base and two table groups, each a module with one job: the connection and its
transactions (:mod:`simulator.host.journal_store`, schema upgrades in :mod:`simulator.host.journal_upgrade`),
the batch tables (:mod:`simulator.host.journal_batches`), sessions and counters
(:mod:`simulator.host.journal_counters`); rows become records in :mod:`simulator.host.journal_rows`. This module
keeps what every request writes and reads: messages, transactions, ledger and stored responses. The groups are
base classes, not objects the journal delegates to, so a method costs one call as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from iso8583 import Dialect, decode, render_text
from iso8583.errors import Iso8583Error
from simulator.host.journal_batches import BatchTables
from simulator.host.journal_counters import BUSINESS_DATE_OFFSET, RRN_BLOCK, RRN_DIGITS, CounterTables
from simulator.host.journal_rows import INSERT_MESSAGE, INSERT_TXN, entry_from_row, transaction_from_row, txn_values
from simulator.host.sealing import FrameSealer, SealError
from simulator.host.records import (
    REFUND_MTIS,
    Cause,
    Direction,
    HostTransaction,
    JournalMessage,
    LedgerEntry,
    SettlementBasis,
    SettlementRecord,
    Status,
    StoredResponse,
    UploadRecord,
    iso_time,
)

__all__ = [
    "BUSINESS_DATE_OFFSET",
    "REFUND_MTIS",
    "RRN_BLOCK",
    "RRN_DIGITS",
    "Cause",
    "Direction",
    "HostJournal",
    "HostTransaction",
    "JournalMessage",
    "LedgerEntry",
    "SettlementBasis",
    "SettlementRecord",
    "Status",
    "StoredResponse",
    "UploadRecord",
    "iso_time",
]


class HostJournal(BatchTables, CounterTables):
    """The host's SQLite journal (see the module docstring). Not shared between threads."""

    def _init_state(self) -> None:
        super()._init_state()
        self.sealer: FrameSealer | None = None
        """Seals the message frames written (set by the host logic from its KEK); None: frames not kept."""
        self.dialect: Dialect | None = None
        """The dialect frames are rendered in for :meth:`messages` (set by the host logic)."""

    # -- messages -----------------------------------------------------------------------------

    def record_message(
        self,
        *,
        time: datetime,
        peer: str,
        direction: str,
        terminal_id: str | None = None,
        stan: str | None = None,
        mti: str | None = None,
        frame: bytes | None = None,
        note: str | None = None,
    ) -> None:
        """Journal one message in or out: its identifying fields, and its frame sealed (:mod:`simulator.host.sealing`).

        Without a sealer (a journal opened only to read) no frame is stored: never a clear one.
        """
        sealed = self.sealer.seal(frame) if frame is not None and self.sealer is not None else None
        self._db.execute(INSERT_MESSAGE, (iso_time(time), peer, direction, terminal_id, stan, mti, sealed, note))

    def record_messages(self, messages: Iterable[JournalMessage]) -> None:
        """Journal several messages (a request and its answer) in one statement, in order: as
        :meth:`record_message` each, with one call into SQLite instead of one per row."""
        sealer = self.sealer
        self._db.executemany(INSERT_MESSAGE, [
            (iso_time(m.time), m.peer, m.direction, m.terminal_id, m.stan, m.mti,
             sealer.seal(m.frame) if m.frame is not None and sealer is not None else None, m.note)
            for m in messages])

    def messages(self, dialect: Dialect | None = None) -> list[dict[str, Any]]:
        """Every journaled message, oldest first, with a masked ``dump`` rendered from its frame when
        the journal can open it (its sealer) and ``dialect`` (default: the host's) is given."""
        rows = self._db.execute("SELECT * FROM messages ORDER BY id").fetchall()
        dialect = dialect or self.dialect
        return [{**dict(row), "dump": row["dump"] or self._render(row["frame"], dialect)} for row in rows]

    def _render(self, sealed: bytes | None, dialect: Dialect | None) -> str | None:
        if sealed is None or self.sealer is None or dialect is None:
            return None
        try:
            return render_text(decode(self.sealer.open(sealed), dialect), dialect)
        except (SealError, Iso8583Error) as exc:
            return f"(not renderable: {type(exc).__name__})"

    # -- transactions -------------------------------------------------------------------------

    def insert_transaction(self, record: HostTransaction) -> int:
        """Insert ``record`` and return its id."""
        cursor = self._db.execute(INSERT_TXN, txn_values(record))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def set_status(self, transaction_id: int, status: Status) -> None:
        """Change a transaction's status (reversed, voided, or approved again when a void is undone)."""
        self._db.execute("UPDATE transactions SET status = ? WHERE id = ?", (status.value, transaction_id))

    def transaction(self, transaction_id: int) -> HostTransaction | None:
        """The transaction with ``transaction_id``."""
        row = self._db.execute("SELECT * FROM transactions WHERE id = ?", (transaction_id,)).fetchone()
        return transaction_from_row(row)

    def find_by_rrn(self, terminal_id: str, rrn: str) -> HostTransaction | None:
        """The transaction of ``terminal_id`` the host gave ``rrn``."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND rrn = ?", (terminal_id, rrn)
        ).fetchone()
        return transaction_from_row(row)

    def find_by_request(self, terminal_id: str, mti: str, stan: str, transmission_time: str) -> HostTransaction | None:
        """The transaction of the request (MTI, STAN, DE 7) of ``terminal_id`` (the latest if several)."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND mti = ? AND stan = ? AND transmission_time = ?"
            " ORDER BY id DESC LIMIT 1",
            (terminal_id, mti, stan, transmission_time),
        ).fetchone()
        return transaction_from_row(row)

    def refunded_amount(self, original_id: int) -> int:
        """The sum of approved (not voided, not reversed) refunds of ``original_id``, applied advices included."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM transactions"
            " WHERE original_id = ? AND mti IN (?, ?) AND processing_code = '200000' AND status = 'approved'",
            (original_id, *REFUND_MTIS),
        ).fetchone()
        return int(row[0])

    def refunds_of(self, original_id: int) -> list[HostTransaction]:
        """Every refund (online or advice, in any status) naming ``original_id`` as its original, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM transactions WHERE original_id = ? AND mti IN (?, ?) AND processing_code = '200000'"
            " ORDER BY id", (original_id, *REFUND_MTIS),
        ).fetchall()
        return [record for record in map(transaction_from_row, rows) if record is not None]

    def find_applied_advice(self, terminal_id: str, stan: str, original_rrn: str | None, amount: int,
                            offline_code: str | None) -> HostTransaction | None:
        """An approved advice of ``terminal_id`` with this STAN, original RRN, amount and offline approval code."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND mti = '0220' AND stan = ? AND original_rrn IS ?"
            " AND amount = ? AND auth_code IS ? AND status IN ('approved', 'voided') ORDER BY id LIMIT 1",
            (terminal_id, stan, original_rrn, amount, offline_code),
        ).fetchone()
        return transaction_from_row(row)

    def count_refunds_since(self, since: datetime, *, terminal_id: str | None = None,
                            card_fingerprint: str | None = None) -> tuple[int, int]:
        """(count, amount) of the refunds (online and advices) accepted since ``since`` (voided ones
        included: they were refunds when made), of ``terminal_id`` and/or of the card ``card_fingerprint``."""
        clauses = ["mti IN (?, ?)", "processing_code = '200000'", "status IN ('approved', 'voided')", "time >= ?"]
        parameters: list[object] = [*REFUND_MTIS, iso_time(since)]
        if terminal_id is not None:
            clauses.append("terminal_id = ?")
            parameters.append(terminal_id)
        if card_fingerprint is not None:
            clauses.append("card_fingerprint = ?")
            parameters.append(card_fingerprint)
        row = self._db.execute(
            f"SELECT count(*), coalesce(sum(amount), 0) FROM transactions WHERE {' AND '.join(clauses)}", parameters
        ).fetchone()
        return int(row[0]), int(row[1])

    def transactions(self, terminal_id: str | None = None) -> list[HostTransaction]:
        """Every transaction (of ``terminal_id``), oldest first."""
        if terminal_id is None:
            rows = self._db.execute("SELECT * FROM transactions ORDER BY id").fetchall()
        else:
            rows = self._db.execute(
                "SELECT * FROM transactions WHERE terminal_id = ? ORDER BY id", (terminal_id,)
            ).fetchall()
        return [r for r in map(transaction_from_row, rows) if r is not None]

    # -- ledger -------------------------------------------------------------------------------

    def add_ledger_entry(
        self,
        *,
        time: datetime,
        transaction_id: int,
        terminal_id: str,
        direction: Direction,
        cause: Cause,
        amount: int,
        currency: str | None,
        counter_of: int | None = None,
        billing: tuple[int, str] | None = None,
    ) -> int:
        """Record one movement of money; ``counter_of`` names the entry it undoes; ``billing``: a DCC movement's
        amount and currency on the cardholder's side."""
        billing_amount, billing_currency = billing if billing is not None else (None, None)
        cursor = self._db.execute(
            "INSERT INTO ledger (time, transaction_id, terminal_id, direction, cause, amount, currency, counter_of,"
            " billing_amount, billing_currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (iso_time(time), transaction_id, terminal_id, direction.value, cause.value, amount, currency, counter_of,
             billing_amount, billing_currency),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def live_entries(self, transaction_id: int) -> list[LedgerEntry]:
        """The movements of ``transaction_id`` still in force, as the entries a new counter-entry must undo.

        Each entry of the transaction starts a chain (entry, its counter-entry, the counter of that...);
        the movement is in force when the chain ends on an entry of the starting direction, and that
        last entry is the one to counter (a sale voided, the void reversed, then voided again).
        """
        live = []
        for start in map(entry_from_row, self._db.execute(
                "SELECT * FROM ledger WHERE transaction_id = ? ORDER BY id", (transaction_id,)).fetchall()):
            tail = start
            while (row := self._db.execute("SELECT * FROM ledger WHERE counter_of = ?", (tail.id,)).fetchone()):
                tail = entry_from_row(row)
            if tail.direction is start.direction:
                live.append(tail)
        return live

    def ledger(self, terminal_id: str | None = None) -> list[LedgerEntry]:
        """Every ledger entry (of ``terminal_id``), oldest first."""
        if terminal_id is None:
            rows = self._db.execute("SELECT * FROM ledger ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM ledger WHERE terminal_id = ? ORDER BY id", (terminal_id,)).fetchall()
        return [entry_from_row(row) for row in rows]

    def batch_transactions(self, terminal_id: str, batch: int) -> list[HostTransaction]:
        """The transactions of ``terminal_id`` whose DE 60 reads as batch number ``batch``, oldest first.

        SQLite picks them out (the terminal's rows by index, DE 60 compared as a number), so a settlement
        does not load the terminal's whole history; the caller keeps only DE 60 values of up to 6 digits.
        """
        rows = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND CAST(batch AS INTEGER) = ? ORDER BY id",
            (terminal_id, batch),
        ).fetchall()
        return [r for r in map(transaction_from_row, rows) if r is not None]

    def moved_among(self, transaction_ids: list[int]) -> set[int]:
        """Those of ``transaction_ids`` that moved money (own ledger entries), looked up by index."""
        moved: set[int] = set()
        for start in range(0, len(transaction_ids), 500):
            chunk = transaction_ids[start:start + 500]
            rows = self._db.execute(
                f"SELECT DISTINCT transaction_id FROM ledger WHERE transaction_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            moved.update(int(row[0]) for row in rows)
        return moved

    def moved_transactions(self, terminal_id: str | None = None) -> set[int]:
        """The ids of the transactions (of ``terminal_id``) that moved money (own ledger entries)."""
        if terminal_id is None:
            rows = self._db.execute("SELECT DISTINCT transaction_id FROM ledger").fetchall()
        else:
            rows = self._db.execute("SELECT DISTINCT transaction_id FROM ledger WHERE terminal_id = ?",
                                    (terminal_id,)).fetchall()
        return {int(row[0]) for row in rows}

    def net_debit(self, terminal_id: str | None = None) -> int:
        """Debits minus credits: what the cardholders of ``terminal_id`` have paid, net."""
        return sum(e.amount if e.direction is Direction.DEBIT else -e.amount for e in self.ledger(terminal_id))

    # -- stored responses ---------------------------------------------------------------------

    def store_response(
        self, *, terminal_id: str, stan: str, transmission_time: str, mti_class: str, request_digest: str,
        response: bytes, time: datetime,
    ) -> None:
        """Keep the response bytes of an answered request for its retransmissions."""
        self._db.execute(
            "INSERT OR REPLACE INTO responses"
            " (terminal_id, stan, transmission_time, mti_class, request_digest, response, time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (terminal_id, stan, transmission_time, mti_class, request_digest, response, iso_time(time)),
        )

    def stored_response(self, terminal_id: str, stan: str, transmission_time: str, mti_class: str) -> StoredResponse | None:
        """The stored response to (terminal, STAN, DE 7, response MTI), if any."""
        row = self._db.execute(
            "SELECT request_digest, response FROM responses"
            " WHERE terminal_id = ? AND stan = ? AND transmission_time = ? AND mti_class = ?",
            (terminal_id, stan, transmission_time, mti_class),
        ).fetchone()
        return None if row is None else StoredResponse(row[0], bytes(row[1]))
