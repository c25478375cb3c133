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
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from operator import attrgetter
from datetime import datetime
from pathlib import Path
from typing import Any

from iso8583 import Dialect, decode, render_text
from iso8583.errors import Iso8583Error
from protocols.iso87 import BatchTotals, TotalsKind
from simulator.host.credits import check_offset
from simulator.host.effects import Effect, PendingEffects
from simulator.host.schema import ADDED_COLUMNS, PARTIAL_INDEXES, RETIRED_INDEXES, SCHEMA
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
    "REFUND_MTIS",
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

RRN_DIGITS = 12
RRN_BLOCK = 256
"""RRNs reserved from the journal's counter at a time (:meth:`HostJournal.next_rrn`)."""
_TXN_COLUMNS = tuple(f.name for f in fields(HostTransaction) if f.name != "id")
_INSERT_TXN = f"INSERT INTO transactions ({', '.join(_TXN_COLUMNS)}) VALUES ({', '.join('?' * len(_TXN_COLUMNS))})"
_txn_values = attrgetter(*_TXN_COLUMNS)
"""A transaction's column values in :data:`_TXN_COLUMNS` order (one call per sale: the statement text is built once)."""
_INSERT_MESSAGE = ("INSERT INTO messages (time, peer, direction, terminal_id, stan, mti, frame, note)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
BUSINESS_DATE_OFFSET = "business_date_offset"
"""Counter: how many days the host's business date runs ahead of the UTC calendar (``possim host advance-date``)."""
_UPLOAD_COLUMNS = tuple(f.name for f in fields(UploadRecord))

class HostJournal:
    """The host's SQLite journal (see the module docstring). Not shared between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # owner-only, like the terminal's; SQLite gives -wal/-shm the same mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.sealer: FrameSealer | None = None
        """Seals the message frames written (set by the host logic from its KEK); None: frames not kept."""
        self.dialect: Dialect | None = None
        """The dialect frames are rendered in for :meth:`messages` (set by the host logic)."""
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()
        self._update_indexes()
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS transactions_card ON transactions (card_fingerprint, time)")
        self._db.execute(  # the refund velocity checks per terminal (antifraud.check_velocity)
            "CREATE INDEX IF NOT EXISTS transactions_terminal_time ON transactions (terminal_id, time)")
        self._db.execute(  # which transactions of a batch moved money (settlement), without scanning the ledger
            "CREATE INDEX IF NOT EXISTS ledger_transaction ON ledger (transaction_id)")
        self._depth = 0
        self.effects = PendingEffects()
        """State outside SQLite waiting for the transaction's commit (:meth:`after_commit`)."""
        self._rrn_next, self._rrn_last = 1, 0  # the RRNs in hand (none yet): next_rrn reserves a block

    @classmethod
    def read_only(cls, path: Path | str) -> HostJournal:
        """The journal at ``path`` for reading only: SQLite refuses every write (a test or a report that looks
        while the host runs). The schema is taken as it is; a missing journal raises FileNotFoundError."""
        journal = cls.__new__(cls)
        journal.path = Path(path)
        if not journal.path.exists():
            raise FileNotFoundError(f"no host journal at {journal.path}")
        journal.sealer, journal.dialect = None, None
        journal._db = sqlite3.connect(f"{journal.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                      check_same_thread=False)
        journal._db.row_factory = sqlite3.Row
        journal._depth = 0
        journal.effects = PendingEffects()
        journal._rrn_next, journal._rrn_last = 1, 0
        return journal

    def _add_missing_columns(self) -> None:
        """Bring a journal written by an earlier version up to date (columns added since)."""
        for table, added in ADDED_COLUMNS.items():
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in added:
                if name not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _update_indexes(self) -> None:
        """Bring an older journal's indexes up to date (:data:`RETIRED_INDEXES`, :data:`PARTIAL_INDEXES`), in one
        transaction."""
        full = [name for name in PARTIAL_INDEXES
                if "WHERE" not in (self._index_sql(name) or "WHERE").upper()]
        retired = [name for name in RETIRED_INDEXES if self._index_sql(name) is not None]
        if not full and not retired:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for name in (*retired, *full):
                self._db.execute(f"DROP INDEX {name}")
            for name in full:
                self._db.execute(PARTIAL_INDEXES[name])
            self._db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise

    def _index_sql(self, name: str) -> str | None:
        row = self._db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One SQLite transaction; a nested call is a savepoint inside it.

        On an exception the innermost level is rolled back (a savepoint rolls back only its own
        writes: one failed request in a batch leaves the others' rows in place) and it propagates.
        Nothing is durable before the outermost level commits, so a caller that answers only after
        the outermost ``atomic`` returns answers only what is on disk (group commit: many requests,
        one commit, one fsync). The :meth:`after_commit` effects of a level follow it: applied after
        the outermost COMMIT, discarded with a rollback (:mod:`simulator.host.effects`).
        """
        if self._depth:
            name = f"level{self._depth}"
            self._db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            self.effects.begin()
            try:
                yield
            except BaseException:
                self.effects.rollback()
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                raise
            finally:
                self._depth -= 1
            try:
                self._db.execute(f"RELEASE {name}")
            except BaseException:
                self.effects.rollback()
                raise
            self.effects.release()
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self.effects.begin()
        try:
            yield
        except BaseException:
            self._depth = 0
            self.effects.rollback()
            self._db.execute("ROLLBACK")
            raise
        try:
            self._commit()
        except BaseException:
            self.effects.rollback()
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self.effects.commit()

    def _commit(self) -> None:
        """COMMIT the outermost transaction (one durable write; a test makes it fail to see nothing leak)."""
        self._db.execute("COMMIT")

    def after_commit(self, apply: Callable[[], None], discard: Callable[[], None] | None = None, *,
                     name: str = "") -> None:
        """Run ``apply`` once the enclosing transaction is durable; ``discard`` if it is rolled back instead.

        Outside a transaction ``apply`` runs at once. For state outside SQLite (key store, caches,
        rule counters) that must not outlive a failed commit (:mod:`simulator.host.effects`).
        """
        self.effects.add(Effect(apply, discard, name) if discard is not None else Effect(apply, name=name))

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
        self._db.execute(_INSERT_MESSAGE, (iso_time(time), peer, direction, terminal_id, stan, mti, sealed, note))

    def record_messages(self, messages: Iterable[JournalMessage]) -> None:
        """Journal several messages (a request and its answer) in one statement, in order: as
        :meth:`record_message` each, with one call into SQLite instead of one per row."""
        sealer = self.sealer
        self._db.executemany(_INSERT_MESSAGE, [
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
        cursor = self._db.execute(_INSERT_TXN, _txn_values(record))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def set_status(self, transaction_id: int, status: Status) -> None:
        """Change a transaction's status (reversed, voided, or approved again when a void is undone)."""
        self._db.execute("UPDATE transactions SET status = ? WHERE id = ?", (status.value, transaction_id))

    def transaction(self, transaction_id: int) -> HostTransaction | None:
        """The transaction with ``transaction_id``."""
        row = self._db.execute("SELECT * FROM transactions WHERE id = ?", (transaction_id,)).fetchone()
        return _record(row)

    def find_by_rrn(self, terminal_id: str, rrn: str) -> HostTransaction | None:
        """The transaction of ``terminal_id`` the host gave ``rrn``."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND rrn = ?", (terminal_id, rrn)
        ).fetchone()
        return _record(row)

    def find_by_request(self, terminal_id: str, mti: str, stan: str, transmission_time: str) -> HostTransaction | None:
        """The transaction of the request (MTI, STAN, DE 7) of ``terminal_id`` (the latest if several)."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND mti = ? AND stan = ? AND transmission_time = ?"
            " ORDER BY id DESC LIMIT 1",
            (terminal_id, mti, stan, transmission_time),
        ).fetchone()
        return _record(row)

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
        return [record for record in map(_record, rows) if record is not None]

    def find_applied_advice(self, terminal_id: str, stan: str, original_rrn: str | None, amount: int,
                            offline_code: str | None) -> HostTransaction | None:
        """An approved advice of ``terminal_id`` with this STAN, original RRN, amount and offline approval code."""
        row = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND mti = '0220' AND stan = ? AND original_rrn IS ?"
            " AND amount = ? AND auth_code IS ? AND status IN ('approved', 'voided') ORDER BY id LIMIT 1",
            (terminal_id, stan, original_rrn, amount, offline_code),
        ).fetchone()
        return _record(row)

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
        return [r for r in map(_record, rows) if r is not None]

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
        for start in map(_entry, self._db.execute(
                "SELECT * FROM ledger WHERE transaction_id = ? ORDER BY id", (transaction_id,)).fetchall()):
            tail = start
            while (row := self._db.execute("SELECT * FROM ledger WHERE counter_of = ?", (tail.id,)).fetchone()):
                tail = _entry(row)
            if tail.direction is start.direction:
                live.append(tail)
        return live

    def ledger(self, terminal_id: str | None = None) -> list[LedgerEntry]:
        """Every ledger entry (of ``terminal_id``), oldest first."""
        if terminal_id is None:
            rows = self._db.execute("SELECT * FROM ledger ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM ledger WHERE terminal_id = ? ORDER BY id", (terminal_id,)).fetchall()
        return [_entry(row) for row in rows]

    def batch_transactions(self, terminal_id: str, batch: int) -> list[HostTransaction]:
        """The transactions of ``terminal_id`` whose DE 60 reads as batch number ``batch``, oldest first.

        SQLite picks them out (the terminal's rows by index, DE 60 compared as a number), so a settlement
        does not load the terminal's whole history; the caller keeps only DE 60 values of up to 6 digits.
        """
        rows = self._db.execute(
            "SELECT * FROM transactions WHERE terminal_id = ? AND CAST(batch AS INTEGER) = ? ORDER BY id",
            (terminal_id, batch),
        ).fetchall()
        return [r for r in map(_record, rows) if r is not None]

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

    # -- batch upload and settlement ----------------------------------------------------------

    def record_upload(self, record: UploadRecord) -> None:
        """Add one uploaded transaction to its terminal's batch (replacing an earlier upload of its RRN)."""
        values = [int(v) if isinstance(v, bool) else v for v in (getattr(record, n) for n in _UPLOAD_COLUMNS)]
        self._db.execute(
            f"INSERT OR REPLACE INTO uploads ({', '.join(_UPLOAD_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(values))})",
            values,
        )

    def uploads(self, terminal_id: str, batch: int) -> list[UploadRecord]:
        """The uploaded set of ``terminal_id``'s batch ``batch``, in upload order."""
        rows = self._db.execute(
            f"SELECT {', '.join(_UPLOAD_COLUMNS)} FROM uploads WHERE terminal_id = ? AND batch = ? ORDER BY rowid",
            (terminal_id, batch),
        ).fetchall()
        return [UploadRecord(**{**{n: row[n] for n in _UPLOAD_COLUMNS}, "voided": bool(row["voided"])})
                for row in rows]

    def clear_uploads(self, terminal_id: str, batch: int) -> None:
        """Forget the uploaded set of a batch (a new reconciliation starts)."""
        self._db.execute("DELETE FROM uploads WHERE terminal_id = ? AND batch = ?", (terminal_id, batch))

    def record_settlement(self, record: SettlementRecord) -> int:
        """Journal one answered settlement request and return its id."""
        cursor = self._db.execute(
            "INSERT INTO settlements (time, terminal_id, batch, stan, transmission_time, processing_code,"
            " response_code, basis, terminal_totals, host_totals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.time, record.terminal_id, record.batch, record.stan, record.transmission_time,
             record.processing_code, record.response_code, record.basis.value,
             _totals_text(record.terminal_totals), _totals_text(record.host_totals)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def settlements(self, terminal_id: str | None = None) -> list[SettlementRecord]:
        """Every journaled settlement (of ``terminal_id``), oldest first."""
        if terminal_id is None:
            rows = self._db.execute("SELECT * FROM settlements ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM settlements WHERE terminal_id = ? ORDER BY id",
                                    (terminal_id,)).fetchall()
        return [SettlementRecord(
            time=row["time"], terminal_id=row["terminal_id"], batch=row["batch"], stan=row["stan"],
            transmission_time=row["transmission_time"], response_code=row["response_code"],
            basis=SettlementBasis(row["basis"]), processing_code=row["processing_code"],
            terminal_totals=_totals(row["terminal_totals"]), host_totals=_totals(row["host_totals"]), id=row["id"],
        ) for row in rows]

    # -- sessions and counters ----------------------------------------------------------------

    def record_session(
        self, *, time: datetime, terminal_id: str, pin_key_block: str, pin_key_kcv: str, mac_key_block: str,
        mac_key_kcv: str, request_stan: str | None = None, request_time: str | None = None,
    ) -> None:
        """Journal a session key delivery (blocks as sent, wrapped under the terminal master key) and the
        sign-on it answered (its STAN and DE 7), so a replay of that sign-on gets the same keys."""
        self._db.execute(
            "INSERT INTO sessions (time, terminal_id, pin_key_block, pin_key_kcv, mac_key_block, mac_key_kcv,"
            " request_stan, request_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (iso_time(time), terminal_id, pin_key_block, pin_key_kcv, mac_key_block, mac_key_kcv, request_stan,
             request_time),
        )

    def last_session(self, terminal_id: str) -> sqlite3.Row | None:
        """The latest session key delivery of ``terminal_id``."""
        return self._db.execute("SELECT * FROM sessions WHERE terminal_id = ? ORDER BY id DESC LIMIT 1",
                                (terminal_id,)).fetchone()

    def sessions(self, terminal_id: str) -> list[sqlite3.Row]:
        """The session key deliveries of ``terminal_id``, oldest first."""
        return self._db.execute("SELECT * FROM sessions WHERE terminal_id = ? ORDER BY id", (terminal_id,)).fetchall()

    def business_date_offset(self) -> int:
        """Days the business date runs ahead of the UTC calendar (0 unless moved for a test)."""
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (BUSINESS_DATE_OFFSET,)).fetchone()
        return 0 if row is None else int(row[0])

    def advance_business_date(self, days: int) -> int:
        """Move the business date ``days`` ahead (durably); returns the new offset."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be a non-negative int, got {days!r}")
        return self.move_business_date(lambda current: current + days)

    def move_business_date(self, new_offset: Callable[[int], int]) -> int:
        """Set the business date offset to ``new_offset(current)``, read and written in one transaction.

        ``BEGIN IMMEDIATE`` serialises concurrent moves (eight ``advance-date --to D`` at once end on
        D, not past it). An exception of ``new_offset`` writes nothing; so does an offset outside
        0..:data:`~simulator.host.credits.MAX_OFFSET_DAYS` (BusinessDateError).
        """
        with self.atomic():
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (BUSINESS_DATE_OFFSET,)).fetchone()
            offset = check_offset(new_offset(0 if row is None else int(row[0])))
            self._db.execute("INSERT INTO counters (name, value) VALUES (?, ?)"
                             " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (BUSINESS_DATE_OFFSET, offset))
        return offset

    def ic_download_version(self, terminal_id: str, kind: str) -> int | None:
        """The version of the IC data ``kind`` (cup-pos CA keys or parameters) ``terminal_id`` last finished
        downloading, None when it never did."""
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (f"ic-download/{kind}/{terminal_id}",)).fetchone()
        return None if row is None else int(row[0])

    def record_ic_download(self, terminal_id: str, kind: str, version: int) -> None:
        """``terminal_id`` finished downloading version ``version`` of the IC data ``kind`` (its end message)."""
        self._db.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value ="
                         " excluded.value", (f"ic-download/{kind}/{terminal_id}", version))

    def next_rrn(self) -> str:
        """A new retrieval reference number: 12 digits, never given before by this journal.

        Taken from a block of :data:`RRN_BLOCK` numbers reserved with one statement (the ``rrn`` counter holds the
        highest number reserved), not one statement per RRN. The reservation is written in the caller's
        transaction: when that is rolled back the block is forgotten with it (an effect's discard), and what a
        crash leaves unused of a block is never given: RRNs are unique and increasing, not contiguous.
        """
        if self._rrn_next > self._rrn_last:
            last = int(self._db.execute(
                "INSERT INTO counters (name, value) VALUES ('rrn', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
                (RRN_BLOCK,)).fetchone()[0])
            self._rrn_next, self._rrn_last = last - RRN_BLOCK + 1, last
            self.after_commit(_keep, self._forget_rrns, name="RRN block")
        value = self._rrn_next
        self._rrn_next = value + 1
        return f"{value % 10**RRN_DIGITS:0{RRN_DIGITS}d}"

    def _forget_rrns(self) -> None:
        """The reservation of the block in hand was rolled back: reserve a new one for the next RRN."""
        self._rrn_next, self._rrn_last = 1, 0


def _keep() -> None:
    """A committed RRN block needs nothing more: its reservation is on disk."""


def _record(row: sqlite3.Row | None) -> HostTransaction | None:
    if row is None:
        return None
    values = {name: row[name] for name in _TXN_COLUMNS}
    values["status"] = Status(values["status"])
    if values["cross_border"] is not None:
        values["cross_border"] = bool(values["cross_border"])
    return HostTransaction(**values, id=row["id"])


def _entry(row: sqlite3.Row) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"], time=row["time"], transaction_id=row["transaction_id"], terminal_id=row["terminal_id"],
        direction=Direction(row["direction"]), cause=Cause(row["cause"]), amount=row["amount"],
        currency=row["currency"], counter_of=row["counter_of"], billing_amount=row["billing_amount"],
        billing_currency=row["billing_currency"],
    )


def _totals_text(totals: BatchTotals | None) -> str | None:
    return None if totals is None else json.dumps(totals.to_json(), sort_keys=True)


def _totals(text: str | None) -> BatchTotals | None:
    if text is None:
        return None
    data = json.loads(text)
    return BatchTotals(tuple((kind, int(data[kind.value]["count"]), int(data[kind.value]["amount"]))
                             for kind in TotalsKind if kind.value in data))
