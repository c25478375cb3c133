"""Open a host journal file at the current schema: create what is missing, bring an older journal up to date.

A journal written by an earlier version of possim opens as it is and is upgraded in place, never rebuilt: the
columns added since (:data:`~simulator.host.schema.ADDED_COLUMNS`) are added, retired indexes dropped and full
indexes that became partial rebuilt (:data:`~simulator.host.schema.RETIRED_INDEXES`,
:data:`~simulator.host.schema.PARTIAL_INDEXES`), in one transaction. Run once per open, apart from the
journal's per-request code (:mod:`simulator.host.journal`).
"""

from __future__ import annotations

import contextlib
import sqlite3

from simulator.host.schema import ADDED_COLUMNS, PARTIAL_INDEXES, RETIRED_INDEXES, SCHEMA

__all__ = ["upgrade_schema"]


def upgrade_schema(db: sqlite3.Connection) -> None:
    """Create the journal's tables and indexes in ``db`` where missing and upgrade those of an older version."""
    db.executescript(SCHEMA)
    _add_missing_columns(db)
    _update_indexes(db)
    db.execute(
        "CREATE INDEX IF NOT EXISTS transactions_card ON transactions (card_fingerprint, time)")
    db.execute(  # the refund velocity checks per terminal (antifraud.check_velocity)
        "CREATE INDEX IF NOT EXISTS transactions_terminal_time ON transactions (terminal_id, time)")
    db.execute(  # which transactions of a batch moved money (settlement), without scanning the ledger
        "CREATE INDEX IF NOT EXISTS ledger_transaction ON ledger (transaction_id)")


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a journal written by an earlier version up to date (columns added since)."""
    for table, added in ADDED_COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in added:
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _update_indexes(db: sqlite3.Connection) -> None:
    """Bring an older journal's indexes up to date (:data:`RETIRED_INDEXES`, :data:`PARTIAL_INDEXES`), in one
    transaction."""
    full = [name for name in PARTIAL_INDEXES
            if "WHERE" not in (_index_sql(db, name) or "WHERE").upper()]
    retired = [name for name in RETIRED_INDEXES if _index_sql(db, name) is not None]
    if not full and not retired:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for name in (*retired, *full):
            db.execute(f"DROP INDEX {name}")
        for name in full:
            db.execute(PARTIAL_INDEXES[name])
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def _index_sql(db: sqlite3.Connection, name: str) -> str | None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])
