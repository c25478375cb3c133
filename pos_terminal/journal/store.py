"""The journal's foundation: the SQLite connection, one-commit write transactions, counters.

Why SQLite with WAL and ``synchronous=FULL``: every state change is one SQLite transaction that
is on disk when the call returns, so a power cut or a SIGKILL leaves the journal either before or
after the change, never half-way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from pos_terminal.journal.errors import JournalError
from pos_terminal.journal.rows import transaction_row
from pos_terminal.journal.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION
from pos_terminal.state.records import TransactionRecord

COUNTER_MAX = 999_999  # STAN (DE 11) and invoice numbers are n6; 0 is never issued
_BUSY_TIMEOUT_SECONDS = 10.0
_OWN_COUNTERS = frozenset({"stan", "invoice", "batch"})


class JournalStore:
    """The connection, its transactions and the counters; the other journal parts build on it.

    Every method that changes something runs as one ``BEGIN IMMEDIATE`` ...
    ``COMMIT``; with ``synchronous=FULL`` the change is durable when the method
    returns. An instance may be shared between threads (calls are serialised).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        """Wrap an open, configured connection; use :meth:`open` instead."""
        self._connection: sqlite3.Connection | None = connection
        self._path = path
        self._lock = threading.RLock()
        self._deferred: list[tuple[str, tuple[object, ...]]] = []
        self._pending_counters: dict[str, int] = {}
        """Writes that ride along with the next commit (:meth:`defer`), so a transaction costs fewer fsyncs."""

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> Self:
        """Open (creating when missing, mode 0600) the journal at ``path`` and make sure its schema exists.

        ``read_only``: for look-ups beside a running terminal (``possim txn history`` while the device
        runs): a missing journal is an error, not created, and the connection refuses every write
        (``PRAGMA query_only``). In WAL mode such a reader never waits for the writer, nor the writer for it.
        """
        path = Path(path)
        if read_only and not path.exists():
            raise JournalError(f"no terminal journal at {path}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # SQLite gives its -wal and -shm files the database file's permissions.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            connection = sqlite3.connect(
                path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot open journal {path}: {exc}") from None
        connection.row_factory = sqlite3.Row
        journal = cls(connection, path)
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(f"journal {path}: cannot switch to WAL mode (got {mode!r})")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            journal._ensure_schema()
            if read_only:
                connection.execute("PRAGMA query_only=ON")
        except sqlite3.Error as exc:
            connection.close()
            raise JournalError(f"cannot open journal {path}: {exc}") from None
        except BaseException:
            connection.close()
            raise
        return journal

    @property
    def path(self) -> Path:
        """The journal file."""
        return self._path

    def close(self) -> None:
        """Close the connection; further calls raise :class:`JournalError`. Closing twice is harmless."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _ensure_schema(self) -> None:
        """Create the schema of a new journal, or migrate an older one, in one commit (none when it is current)."""
        with self._read() as db:
            current = db.execute("SELECT version FROM schema_version").fetchone() if self._has_schema(db) else None
        if current is not None and current[0] == SCHEMA_VERSION:
            return
        with self._write("create schema") as db:
            if not self._has_schema(db):
                for statement in SCHEMA:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (1)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            found = None if row is None else row[0]
            if not isinstance(found, int) or not 1 <= found <= SCHEMA_VERSION:
                raise JournalError(
                    f"journal {self._path} has schema version {found}, this program knows {SCHEMA_VERSION}"
                )
            for version in range(found, SCHEMA_VERSION):
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
            db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    @staticmethod
    def _has_schema(db: sqlite3.Connection) -> bool:
        return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
                          ).fetchone() is not None

    @contextlib.contextmanager
    def _write(self, operation: str) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE, the deferred writes, the body, COMMIT; ROLLBACK on any error."""
        with self._lock:
            db = self._db()
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self._path}: {operation}: {exc}") from None
            try:
                for statement, parameters in self._deferred:
                    db.execute(statement, parameters)
                yield db
                db.execute("COMMIT")
                self._deferred.clear()
                self._pending_counters.clear()
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise JournalError(f"journal {self._path}: {operation}: {exc}") from exc
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads that take more than one statement."""
        with self._lock:
            db = self._db()
            try:
                db.execute("BEGIN")
                yield db
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self._path}: read: {exc}") from exc
            finally:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("COMMIT")

    def defer(self, statement: str, parameters: tuple[object, ...]) -> None:
        """Queue a write for the next commit (any write method's, or :meth:`flush`) instead of a commit of its own.

        For writes that must be durable only by a point the caller controls: the engine flushes before a
        request's bytes leave (its message row, the card's ATC), and a response's message row rides with the
        commit that records the response. A crash before that commit loses only the queued rows.
        """
        with self._lock:
            self._deferred.append((statement, parameters))

    def flush(self) -> None:
        """Commit the deferred writes now (one fsync); nothing to do when none are queued."""
        with self._lock:
            if self._deferred:
                with self._write("flush deferred writes"):
                    pass

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise JournalError(f"journal {self._path} is closed")
        return self._connection

    # ----------------------------------------------------------------- counters

    def next_stan(self) -> int:
        """Allocate the next system trace audit number (DE 11): 1..999999, then 1 again."""
        with self._write("allocate STAN") as db:
            return self._advance(db, "stan")

    def next_invoice(self) -> int:
        """Allocate the next invoice number: 1..999999, then 1 again."""
        with self._write("allocate invoice") as db:
            return self._advance(db, "invoice")

    def current_batch(self) -> int:
        """The open batch's number (1 for a new journal)."""
        with self._read() as db:
            return self._counter(db, "batch")

    def close_batch(self) -> int:
        """Close the open batch and return the new one's number.

        Refused while a reversal is pending: settlement must flush reversals
        first, or the closed batch's totals would be wrong.
        """
        with self._write("close batch") as db:
            pending = db.execute("SELECT count(*) FROM reversals WHERE status = 'pending'").fetchone()[0]
            if pending:
                raise JournalError(f"journal {self._path}: cannot close the batch, {pending} reversal(s) pending")
            advices = db.execute("SELECT count(*) FROM advices WHERE status = 'pending'").fetchone()[0]
            if advices:
                raise JournalError(f"journal {self._path}: cannot close the batch, {advices} advice(s) pending")
            batch = self._counter(db, "batch") + 1
            db.execute("UPDATE counters SET value = ? WHERE name = 'batch'", (batch,))
            return batch

    def defer_counter(self, name: str, value: int) -> None:
        """:meth:`set_counter` with the next commit (see :meth:`defer`); the value reads back at once."""
        if name in _OWN_COUNTERS:
            raise JournalError(f"journal {self._path}: counter {name!r} is advanced only by the journal itself")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"counter {name!r} must be a non-negative int, got {value!r}")
        self.defer("INSERT INTO counters (name, value) VALUES (?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))
        self._pending_counters[name] = value

    def get_counter(self, name: str, default: int) -> int:
        """A named counter kept by another component (e.g. a DUKPT counter), or ``default`` when never set.

        With :meth:`set_counter` this makes the journal a
        ``pos_terminal.state.keyring.CounterStore``.
        """
        with self._lock:
            if self._deferred and name in self._pending_counters:
                return self._pending_counters[name]
            with self._read() as db:
                row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return default if row is None else int(row[0])

    def set_counter(self, name: str, value: int) -> None:
        """Durably set a named counter (one commit). The journal's own STAN, invoice and batch are refused."""
        if name in _OWN_COUNTERS:
            raise JournalError(f"journal {self._path}: counter {name!r} is advanced only by the journal itself")
        if not isinstance(name, str) or not name:
            raise ValueError(f"counter name must be a non-empty string, got {name!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"counter {name!r} must be a non-negative int, got {value!r}")
        with self._write(f"set counter {name}") as db:
            db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def _counter(self, db: sqlite3.Connection, name: str) -> int:
        row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: counter {name!r} is missing")
        return int(row[0])

    def _advance(self, db: sqlite3.Connection, name: str) -> int:
        value = self._counter(db, name) % COUNTER_MAX + 1
        db.execute("UPDATE counters SET value = ? WHERE name = ?", (value, name))
        return value

    def _find_row(self, db: sqlite3.Connection, txn_id: int) -> TransactionRecord:
        row = db.execute("SELECT * FROM transactions WHERE id = ?", (txn_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: no transaction {txn_id}")
        return transaction_row(row)
