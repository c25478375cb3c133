"""The terminal's journal: transactions, reversals, counters, messages and events in one SQLite file.

Why SQLite with WAL and ``synchronous=FULL``: every state change is one SQLite
transaction that is on disk when the call returns, so a power cut or a
SIGKILL leaves the journal either before or after the change, never half-way.
That is what the "journal before send" rule needs: :meth:`Journal.begin_transaction`
allocates the STAN and invoice, stores the transaction as PENDING and stores
its pending reversal in one commit; after it returns, a crash leaves a
reversal to send, and only a host response (:meth:`Journal.complete_transaction`)
or a reversal acknowledgement (:meth:`Journal.acknowledge_reversal`) clears it.

The journal also refuses, inside the same commit, what would move money twice:
a refund above what is left to refund (pending refunds count as spent), a
void of something already voided or being voided, a void of a sale that has
refunds, a late response to a transaction whose reversal was already sent.

No full PAN, track data, PIN or key is ever stored: a card is its masked PAN
and an HMAC fingerprint under a per-data-folder secret
(:func:`card_fingerprint`, :func:`load_or_create_secret`). Message dumps are
stored as given; the caller passes masked dumps.

Times are taken as timezone-aware ``datetime`` values and stored as UTC
ISO 8601 text (``2024-05-01T12:34:56.000000Z``), which sorts by time.

Schema (version 1)::

    schema_version(version)
    counters(name PRIMARY KEY, value)         -- 'stan', 'invoice': last issued (0 = none yet);
                                              -- 'batch': the open batch (starts at 1);
                                              -- others: get_counter/set_counter (DUKPT counters)
    transactions(id, invoice, stan, batch, txn_type, status, amount, currency, masked_pan,
                 card_fingerprint, card_brand, entry_mode, processing_code, mti,
                 original_id -> transactions, reason_code, rrn, auth_code, response_code,
                 voided_by -> transactions, transmitted_at, created_at, updated_at, host_data JSON)
    reversals(id, transaction_id UNIQUE -> transactions, stan, transmitted_at, amount, attempts,
              status, created_at, last_attempt_at, response_code)
                                              -- a response deletes the pending row; an ack keeps it
    messages(id, transaction_id -> transactions, direction, mti, stan, at, dump)
    events(id, kind, detail JSON, at)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from keys.errors import KeyStoreError
from keys.secretfile import load_or_create_secret_file
from pos_terminal.records import (
    AdviceRecord,
    EventRecord,
    MessageDirection,
    MessageRecord,
    NewTransaction,
    ReversalRecord,
    ReversalStatus,
    TransactionRecord,
    TxnStatus,
    TxnType,
)

__all__ = [
    "COUNTER_MAX",
    "SCHEMA_VERSION",
    "SECRET_LENGTH",
    "Journal",
    "JournalError",
    "card_fingerprint",
    "load_or_create_secret",
]

SCHEMA_VERSION = 1
COUNTER_MAX = 999_999  # STAN (DE 11) and invoice numbers are n6; 0 is never issued
SECRET_LENGTH = 32
_BUSY_TIMEOUT_SECONDS = 10.0
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_COMPLETION_STATUSES = (TxnStatus.APPROVED, TxnStatus.DECLINED)
_OWN_COUNTERS = frozenset({"stan", "invoice", "batch"})


class JournalError(RuntimeError):
    """The journal cannot do what was asked: unknown row, forbidden state change, unreadable file.

    Messages name the journal file and the row; they never contain card data.
    """


_SCHEMA = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL CHECK (value >= 0)
    )""",
    """CREATE TABLE transactions (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        invoice          INTEGER NOT NULL CHECK (invoice BETWEEN 1 AND 999999),
        stan             INTEGER NOT NULL CHECK (stan BETWEEN 1 AND 999999),
        batch            INTEGER NOT NULL CHECK (batch >= 1),
        txn_type         TEXT NOT NULL CHECK (txn_type IN ('sale', 'refund', 'void')),
        status           TEXT NOT NULL
                         CHECK (status IN ('pending', 'approved', 'declined', 'reversed', 'offline')),
        amount           INTEGER NOT NULL CHECK (amount > 0),
        currency         TEXT NOT NULL CHECK (length(currency) = 3),
        masked_pan       TEXT NOT NULL CHECK (masked_pan GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]*[*]*'
                                          OR masked_pan NOT GLOB '*[0-9]*'),
        card_fingerprint TEXT NOT NULL CHECK (length(card_fingerprint) = 64),
        card_brand       TEXT NOT NULL,
        entry_mode       TEXT NOT NULL,
        processing_code  TEXT NOT NULL,
        mti              TEXT NOT NULL,
        original_id      INTEGER REFERENCES transactions(id),
        reason_code      TEXT,
        rrn              TEXT,
        auth_code        TEXT,
        response_code    TEXT,
        voided_by        INTEGER REFERENCES transactions(id),
        transmitted_at   TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        host_data        TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX transactions_batch_invoice ON transactions (batch, invoice)",
    "CREATE INDEX transactions_invoice ON transactions (invoice)",
    "CREATE INDEX transactions_rrn ON transactions (rrn)",
    "CREATE INDEX transactions_original ON transactions (original_id)",
    """CREATE TABLE reversals (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        transaction_id  INTEGER NOT NULL UNIQUE REFERENCES transactions(id),
        stan            INTEGER NOT NULL,
        transmitted_at  TEXT NOT NULL,
        amount          INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        status          TEXT NOT NULL CHECK (status IN ('pending', 'acked')),
        created_at      TEXT NOT NULL,
        last_attempt_at TEXT,
        response_code   TEXT
    )""",
    "CREATE INDEX reversals_status ON reversals (status, id)",
    """CREATE TABLE advices (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        transaction_id  INTEGER NOT NULL UNIQUE REFERENCES transactions(id),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        status          TEXT NOT NULL CHECK (status IN ('pending', 'acked')),
        created_at      TEXT NOT NULL,
        last_attempt_at TEXT,
        response_code   TEXT
    )""",
    "CREATE INDEX advices_status ON advices (status, id)",
    """CREATE TABLE messages (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        transaction_id INTEGER REFERENCES transactions(id),
        direction      TEXT NOT NULL CHECK (direction IN ('out', 'in')),
        mti            TEXT NOT NULL,
        stan           INTEGER,
        at             TEXT NOT NULL,
        dump           TEXT NOT NULL
    )""",
    """CREATE TABLE events (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        kind   TEXT NOT NULL,
        detail TEXT NOT NULL,
        at     TEXT NOT NULL
    )""",
    "INSERT INTO counters (name, value) VALUES ('stan', 0), ('invoice', 0), ('batch', 1)",
)


# --------------------------------------------------------------------------- card identity


def card_fingerprint(secret: bytes, pan: str) -> str:
    """HMAC-SHA256 of ``pan`` under ``secret``, as 64 lower-case hex digits.

    Lets the terminal check that a refund's card is the original card without
    storing the PAN; the per-data-folder secret keeps the fingerprint from
    being brute-forced from the masked PAN by anyone holding only the journal.
    """
    if not isinstance(secret, bytes | bytearray) or len(secret) < 16:
        raise ValueError("fingerprint secret must be at least 16 bytes")
    if not isinstance(pan, str) or not pan.isascii() or not pan.isdigit():
        raise ValueError("PAN must be a string of digits")
    return hmac.new(bytes(secret), pan.encode("ascii"), hashlib.sha256).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """Read the 32-byte fingerprint secret from ``path`` (hex text), or create it (mode 0600) when missing.

    A file readable by group or others is refused on POSIX, as is a file of
    the wrong length. Creation is atomic and never overwrites a file another
    process created meanwhile (:mod:`keys.secretfile`).
    """
    try:
        return load_or_create_secret_file(path, "fingerprint secret", SECRET_LENGTH)
    except KeyStoreError as error:
        raise JournalError(str(error)) from None


def _time_text(moment: datetime, name: str = "now") -> str:
    """A timezone-aware datetime as the journal's UTC ISO 8601 text."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got {moment!r}")
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _time_value(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _json_text(value: Mapping[str, Any] | None, name: str) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping, got {type(value).__name__}")
    try:
        return json.dumps(dict(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be JSON-serialisable: {exc}") from None


def _transaction(row: sqlite3.Row) -> TransactionRecord:
    return TransactionRecord(
        id=row["id"],
        invoice=row["invoice"],
        stan=row["stan"],
        batch=row["batch"],
        txn_type=TxnType(row["txn_type"]),
        status=TxnStatus(row["status"]),
        amount=row["amount"],
        currency=row["currency"],
        masked_pan=row["masked_pan"],
        card_fingerprint=row["card_fingerprint"],
        card_brand=row["card_brand"],
        entry_mode=row["entry_mode"],
        processing_code=row["processing_code"],
        mti=row["mti"],
        original_id=row["original_id"],
        reason_code=row["reason_code"],
        rrn=row["rrn"],
        auth_code=row["auth_code"],
        response_code=row["response_code"],
        voided_by=row["voided_by"],
        transmitted_at=datetime.fromisoformat(row["transmitted_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        host_data=json.loads(row["host_data"]),
    )


def _reversal(row: sqlite3.Row) -> ReversalRecord:
    return ReversalRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        stan=row["stan"],
        transmitted_at=datetime.fromisoformat(row["transmitted_at"]),
        amount=row["amount"],
        attempts=row["attempts"],
        status=ReversalStatus(row["status"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_attempt_at=_time_value(row["last_attempt_at"]),
        response_code=row["response_code"],
    )


def _advice(row: sqlite3.Row) -> AdviceRecord:
    return AdviceRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        attempts=row["attempts"],
        status=ReversalStatus(row["status"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_attempt_at=_time_value(row["last_attempt_at"]),
        response_code=row["response_code"],
    )


def _message(row: sqlite3.Row) -> MessageRecord:
    return MessageRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        direction=MessageDirection(row["direction"]),
        mti=row["mti"],
        stan=row["stan"],
        at=datetime.fromisoformat(row["at"]),
        dump=row["dump"],
    )


def _event(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        id=row["id"], kind=row["kind"], detail=json.loads(row["detail"]), at=datetime.fromisoformat(row["at"])
    )


def _check_text(value: str | None, name: str, max_length: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return
    if not isinstance(value, str) or not value or len(value) > max_length or not value.isprintable():
        raise ValueError(f"{name} must be 1 to {max_length} printable characters, got {value!r}")


# --------------------------------------------------------------------------- the journal


class Journal:
    """The terminal's durable state over one SQLite file. Open with :meth:`Journal.open`.

    Every method that changes something runs as one ``BEGIN IMMEDIATE`` ...
    ``COMMIT``; with ``synchronous=FULL`` the change is durable when the method
    returns. An instance may be shared between threads (calls are serialised).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        """Wrap an open, configured connection; use :meth:`open` instead."""
        self._connection: sqlite3.Connection | None = connection
        self._path = path
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Open (creating when missing, mode 0600) the journal at ``path`` and make sure its schema exists."""
        path = Path(path)
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
        with self._write("create schema") as db:
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
            if exists is None:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
                return
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None or row[0] != SCHEMA_VERSION:
                found = None if row is None else row[0]
                raise JournalError(
                    f"journal {self._path} has schema version {found}, this program knows {SCHEMA_VERSION}"
                )

    @contextlib.contextmanager
    def _write(self, operation: str) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE, the body, COMMIT; ROLLBACK on any error."""
        with self._lock:
            db = self._db()
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self._path}: {operation}: {exc}") from None
            try:
                yield db
                db.execute("COMMIT")
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

    def get_counter(self, name: str, default: int) -> int:
        """A named counter kept by another component (e.g. a DUKPT counter), or ``default`` when never set.

        With :meth:`set_counter` this makes the journal a
        ``pos_terminal.keyring.CounterStore``.
        """
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

    # ----------------------------------------------------------------- transactions

    def begin_transaction(
        self, new: NewTransaction, *, now: datetime, with_reversal: bool = True
    ) -> TransactionRecord:
        """Journal a transaction before its request is sent: the "journal before send" rule.

        In one SQLite transaction: allocate STAN and invoice, insert the
        transaction as PENDING in the open batch with ``transmitted_at=now``,
        and (``with_reversal``) insert its pending reversal. After this returns
        a crash leaves a reversal to send. Refunds and voids are checked
        against their original here, in the same commit (see :meth:`_check_original`).
        """
        if not isinstance(new, NewTransaction):
            raise TypeError(f"new must be a NewTransaction, got {type(new).__name__}")
        stamp = _time_text(now)
        with self._write("begin transaction") as db:
            batch = self._counter(db, "batch")
            if new.original_id is not None:
                self._check_original(db, new, batch)
            stan = self._advance(db, "stan")
            invoice = self._advance(db, "invoice")
            cursor = db.execute(
                """INSERT INTO transactions (invoice, stan, batch, txn_type, status, amount, currency,
                       masked_pan, card_fingerprint, card_brand, entry_mode, processing_code, mti,
                       original_id, reason_code, transmitted_at, created_at, updated_at, host_data)
                   VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')""",
                (
                    invoice,
                    stan,
                    batch,
                    str(new.txn_type),
                    new.amount,
                    new.currency,
                    new.masked_pan,
                    new.card_fingerprint,
                    new.card_brand,
                    new.entry_mode,
                    new.processing_code,
                    new.mti,
                    new.original_id,
                    new.reason_code,
                    stamp,
                    stamp,
                    stamp,
                ),
            )
            txn_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            if with_reversal:
                self._insert_reversal(db, txn_id, stan, stamp, new.amount, stamp)
            return self._find_row(db, txn_id)

    def check_original(self, new: NewTransaction) -> None:
        """Raise :class:`JournalError` when :meth:`begin_transaction` would refuse ``new`` against its
        original, without writing anything (so a caller can refuse before going online)."""
        if new.original_id is None:
            return
        with self._read() as db:
            self._check_original(db, new, self._counter(db, "batch"))

    def _check_original(self, db: sqlite3.Connection, new: NewTransaction, batch: int) -> None:
        """Refuse a refund or void that would move money twice. Runs inside the begin commit.

        Refund: the original is an approved, non-voided sale in the same
        currency, with no void pending, and the amount is at most the original
        minus approved (non-voided) and pending refunds. Void: the original is
        an approved, non-voided sale or refund of the open batch with the same
        amount and currency, with no other void pending, and (for a sale) no
        approved or pending refund against it.
        """
        original = self._find_row(db, new.original_id)  # type: ignore[arg-type]
        label = f"journal {self._path}: {new.txn_type} of transaction {original.id}"
        pending_void = db.execute(
            "SELECT id FROM transactions WHERE original_id = ? AND txn_type = 'void' AND status = 'pending'",
            (original.id,),
        ).fetchone()
        if original.status is not TxnStatus.APPROVED:
            raise JournalError(f"{label}: the original is {original.status}, not approved")
        if original.voided_by is not None:
            raise JournalError(f"{label}: the original was voided by transaction {original.voided_by}")
        if pending_void is not None:
            raise JournalError(f"{label}: void {pending_void[0]} of the original is still pending")
        if new.currency != original.currency:
            raise JournalError(f"{label}: currency {new.currency} differs from the original's {original.currency}")
        refunds = db.execute(
            """SELECT coalesce(sum(CASE WHEN status = 'approved' AND voided_by IS NULL THEN amount END), 0),
                      coalesce(sum(CASE WHEN status IN ('pending', 'offline') THEN amount END), 0)
               FROM transactions WHERE original_id = ? AND txn_type = 'refund'""",
            (original.id,),
        ).fetchone()
        refunded, pending = int(refunds[0]), int(refunds[1])
        if new.txn_type is TxnType.REFUND:
            if original.txn_type is not TxnType.SALE:
                raise JournalError(f"{label}: the original is a {original.txn_type}; only a sale can be refunded")
            remaining = original.amount - refunded - pending
            if new.amount > remaining:
                raise JournalError(
                    f"{label}: amount {new.amount} exceeds the refundable remainder {max(remaining, 0)} "
                    f"(original {original.amount}, refunded {refunded}, pending {pending})"
                )
        elif new.txn_type is TxnType.VOID:
            if original.txn_type not in (TxnType.SALE, TxnType.REFUND):
                raise JournalError(f"{label}: the original is a {original.txn_type}; only sales and refunds are voided")
            if original.batch != batch:
                raise JournalError(f"{label}: the original is in closed batch {original.batch}, open batch is {batch}")
            if new.amount != original.amount:
                raise JournalError(f"{label}: amount {new.amount} differs from the original's {original.amount}")
            if refunded or pending:
                raise JournalError(f"{label}: the sale has refunds ({refunded} approved, {pending} pending)")

    def complete_transaction(
        self,
        txn_id: int,
        *,
        status: TxnStatus,
        response_code: str,
        rrn: str | None,
        auth_code: str | None,
        host_data: Mapping[str, Any] | None = None,
        now: datetime,
    ) -> TransactionRecord:
        """Record the host's response (APPROVED or DECLINED) and clear the pending reversal, in one commit.

        An approved void also marks its original ``voided_by``. Refused when
        the transaction is not PENDING, or when its reversal has already been
        sent (a late response cannot cancel a reversal the host may have acted
        on: the reversal must be acknowledged instead).
        """
        status = TxnStatus(status)
        if status not in _COMPLETION_STATUSES:
            raise ValueError(f"status must be approved or declined, got {status}")
        _check_text(response_code, "response_code", 2, required=True)
        _check_text(rrn, "rrn", 12, required=False)
        _check_text(auth_code, "auth_code", 6, required=False)
        data = _json_text(host_data, "host_data")
        stamp = _time_text(now)
        with self._write(f"complete transaction {txn_id}") as db:
            txn = self._find_row(db, txn_id)
            label = f"journal {self._path}: transaction {txn_id}"
            if txn.status is not TxnStatus.PENDING:
                raise JournalError(f"{label} is already {txn.status}")
            reversal = db.execute(
                "SELECT id, attempts, status FROM reversals WHERE transaction_id = ?", (txn_id,)
            ).fetchone()
            if reversal is not None and (reversal["attempts"] > 0 or reversal["status"] != "pending"):
                raise JournalError(
                    f"{label}: reversal {reversal['id']} was already sent ({reversal['attempts']} attempt(s)); "
                    "it must be acknowledged, the response cannot be recorded"
                )
            db.execute(
                """UPDATE transactions SET status = ?, response_code = ?, rrn = ?, auth_code = ?,
                       host_data = ?, updated_at = ? WHERE id = ?""",
                (str(status), response_code, rrn, auth_code, data, stamp, txn_id),
            )
            if reversal is not None:
                db.execute("DELETE FROM reversals WHERE id = ?", (reversal["id"],))
            if status is TxnStatus.APPROVED and txn.txn_type is TxnType.VOID:
                updated = db.execute(
                    """UPDATE transactions SET voided_by = ?, updated_at = ?
                       WHERE id = ? AND status = 'approved' AND voided_by IS NULL""",
                    (txn_id, stamp, txn.original_id),
                ).rowcount
                if updated != 1:
                    raise JournalError(
                        f"{label}: void approved but original {txn.original_id} is no longer an approved, "
                        "unvoided transaction"
                    )
            return self._find_row(db, txn_id)

    # ----------------------------------------------------------------- reversals

    def schedule_reversal(self, txn_id: int, *, now: datetime) -> ReversalRecord:
        """Add a pending reversal for a transaction that has none: one begun ``with_reversal=False``,
        or an approved one that must be undone (e.g. the card declined after online approval).

        Refused for declined or reversed transactions and when a reversal already exists.
        """
        stamp = _time_text(now)
        with self._write(f"schedule reversal of transaction {txn_id}") as db:
            txn = self._find_row(db, txn_id)
            label = f"journal {self._path}: transaction {txn_id}"
            if txn.status not in (TxnStatus.PENDING, TxnStatus.APPROVED):
                raise JournalError(f"{label} is {txn.status}; only pending or approved transactions are reversed")
            existing = db.execute("SELECT id FROM reversals WHERE transaction_id = ?", (txn_id,)).fetchone()
            if existing is not None:
                raise JournalError(f"{label} already has reversal {existing[0]}")
            reversal_id = self._insert_reversal(
                db, txn_id, txn.stan, _time_text(txn.transmitted_at), txn.amount, stamp
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
        return [_reversal(row) for row in rows]

    def reversal_for(self, txn_id: int) -> ReversalRecord | None:
        """The reversal (pending or acknowledged) of a transaction, or None."""
        with self._read() as db:
            row = db.execute("SELECT * FROM reversals WHERE transaction_id = ?", (txn_id,)).fetchone()
        return None if row is None else _reversal(row)

    def note_reversal_attempt(self, reversal_id: int, now: datetime) -> ReversalRecord:
        """Record that the reversal is being sent (once more): attempts + 1, last_attempt_at = now.

        Call it before sending, so that a retry after a crash is flagged as a
        repeat (attempts > 0) and a late response to the original is refused.
        """
        stamp = _time_text(now)
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
        _check_text(response_code, "response_code", 2, required=True)
        stamp = _time_text(now)
        with self._write(f"acknowledge reversal {reversal_id}") as db:
            reversal = self._find_reversal(db, reversal_id)
            if reversal.status is ReversalStatus.ACKED:
                return reversal
            txn = self._find_row(db, reversal.transaction_id)
            db.execute(
                "UPDATE reversals SET status = 'acked', response_code = ?, last_attempt_at = "
                "coalesce(last_attempt_at, ?) WHERE id = ?",
                (response_code, stamp, reversal_id),
            )
            db.execute(
                "UPDATE transactions SET status = 'reversed', updated_at = ? WHERE id = ?",
                (stamp, txn.id),
            )
            if txn.txn_type is TxnType.VOID and txn.original_id is not None:
                db.execute(
                    "UPDATE transactions SET voided_by = NULL, updated_at = ? WHERE id = ? AND voided_by = ?",
                    (stamp, txn.original_id, txn.id),
                )
            return self._find_reversal(db, reversal_id)

    def _find_reversal(self, db: sqlite3.Connection, reversal_id: int) -> ReversalRecord:
        row = db.execute("SELECT * FROM reversals WHERE id = ?", (reversal_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: no reversal {reversal_id}")
        return _reversal(row)

    # ----------------------------------------------------------------- advices (store-and-forward)

    def begin_offline_refund(self, new: NewTransaction, *, now: datetime, auth_code: str) -> TransactionRecord:
        """Journal a refund approved offline and queue its advice, in one commit.

        The refund is checked against its original like an online one (it must
        be a matched refund); its status is OFFLINE until the host answers the
        advice, and its amount already counts as refunded.
        """
        if new.txn_type is not TxnType.REFUND or new.original_id is None:
            raise ValueError("only a matched refund (with original_id) can complete offline")
        _check_text(auth_code, "auth_code", 6, required=True)
        stamp = _time_text(now)
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
        return [_advice(row) for row in rows]

    def advice_for(self, txn_id: int) -> AdviceRecord | None:
        """The advice (pending or answered) of an offline refund, or None."""
        with self._read() as db:
            row = db.execute("SELECT * FROM advices WHERE transaction_id = ?", (txn_id,)).fetchone()
        return None if row is None else _advice(row)

    def note_advice_attempt(self, advice_id: int, now: datetime) -> AdviceRecord:
        """Record that the advice is being sent (once more), before sending: a later send is a repeat."""
        stamp = _time_text(now)
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
        _check_text(response_code, "response_code", 2, required=True)
        _check_text(rrn, "rrn", 12, required=False)
        data = _json_text(host_data, "host_data")
        stamp = _time_text(now)
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
        return _advice(row)

    # ----------------------------------------------------------------- look-ups

    def get(self, txn_id: int) -> TransactionRecord:
        """The transaction with this id; :class:`JournalError` when there is none."""
        with self._read() as db:
            return self._find_row(db, txn_id)

    def _find_row(self, db: sqlite3.Connection, txn_id: int) -> TransactionRecord:
        row = db.execute("SELECT * FROM transactions WHERE id = ?", (txn_id,)).fetchone()
        if row is None:
            raise JournalError(f"journal {self._path}: no transaction {txn_id}")
        return _transaction(row)

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

    def find_by_rrn(self, rrn: str, local_date: str | None = None) -> TransactionRecord | None:
        """The transaction the host gave this RRN (optionally sent on ``local_date``, MMDD), or None.

        ``local_date`` is compared with the month and day of ``transmitted_at``
        in UTC. When more than one transaction matches, :class:`JournalError`
        asks for the date rather than guessing.
        """
        if local_date is not None and not (len(local_date) == 4 and local_date.isascii() and local_date.isdigit()):
            raise ValueError(f"local_date must be MMDD, got {local_date!r}")
        with self._read() as db:
            if local_date is None:
                rows = db.execute("SELECT * FROM transactions WHERE rrn = ? ORDER BY id", (rrn,)).fetchall()
            else:
                rows = db.execute(
                    """SELECT * FROM transactions WHERE rrn = ?
                       AND substr(transmitted_at, 6, 2) || substr(transmitted_at, 9, 2) = ? ORDER BY id""",
                    (rrn, local_date),
                ).fetchall()
        where = f"RRN {rrn}" + ("" if local_date is None else f" on {local_date}")
        return self._single(rows, where, "give the original date")

    def _single(self, rows: list[sqlite3.Row], where: str, hint: str) -> TransactionRecord | None:
        if not rows:
            return None
        if len(rows) > 1:
            ids = ", ".join(str(row["id"]) for row in rows)
            raise JournalError(f"journal {self._path}: {where} matches transactions {ids}; {hint}")
        return _transaction(rows[0])

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
        return [_transaction(row) for row in rows]

    def recent_transactions(self, limit: int) -> list[TransactionRecord]:
        """The newest ``limit`` transactions, in journal order (a bounded read for history screens)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive int, got {limit!r}")
        with self._read() as db:
            rows = db.execute("SELECT * FROM transactions ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_transaction(row) for row in reversed(rows)]

    def last_transaction(self) -> TransactionRecord | None:
        """The most recently journaled transaction, or None for an empty journal."""
        with self._read() as db:
            row = db.execute("SELECT * FROM transactions ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else _transaction(row)

    # ----------------------------------------------------------------- refund arithmetic

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

    # ----------------------------------------------------------------- messages and events

    def record_message(
        self,
        direction: MessageDirection | str,
        mti: str,
        stan: int | None,
        dump: str,
        *,
        transaction_id: int | None = None,
        now: datetime,
    ) -> None:
        """Journal one message sent or received, with its masked dump (masking is the caller's job)."""
        direction = MessageDirection(direction)
        if not isinstance(mti, str) or not mti:
            raise ValueError(f"mti must be a non-empty string, got {mti!r}")
        if not isinstance(dump, str):
            raise ValueError(f"dump must be text, got {type(dump).__name__}")
        stamp = _time_text(now)
        with self._write(f"record {direction} message {mti}") as db:
            db.execute(
                "INSERT INTO messages (transaction_id, direction, mti, stan, at, dump) VALUES (?, ?, ?, ?, ?, ?)",
                (transaction_id, str(direction), mti, stan, stamp, dump),
            )

    def messages(self, limit: int | None = None) -> list[MessageRecord]:
        """Journaled messages oldest first; with ``limit``, only the most recent ``limit`` of them."""
        with self._read() as db:
            if limit is None:
                rows = db.execute("SELECT * FROM messages ORDER BY id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM (SELECT * FROM messages ORDER BY id DESC LIMIT ?) ORDER BY id", (max(limit, 0),)
                ).fetchall()
        return [_message(row) for row in rows]

    def record_event(self, kind: str, detail: Mapping[str, Any], *, now: datetime) -> None:
        """Journal a state change of note (sign-on, key change, supervisor lockout) for the audit trail."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty string, got {kind!r}")
        text = _json_text(detail, "detail")
        stamp = _time_text(now)
        with self._write(f"record event {kind}") as db:
            db.execute("INSERT INTO events (kind, detail, at) VALUES (?, ?, ?)", (kind, text, stamp))

    def events(self, kind: str | None = None) -> list[EventRecord]:
        """Journaled events oldest first, optionally only those of one kind."""
        with self._read() as db:
            if kind is None:
                rows = db.execute("SELECT * FROM events ORDER BY id").fetchall()
            else:
                rows = db.execute("SELECT * FROM events WHERE kind = ? ORDER BY id", (kind,)).fetchall()
        return [_event(row) for row in rows]
