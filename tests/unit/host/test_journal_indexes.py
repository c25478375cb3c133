"""The host journal's indexes: what a sale pays for, and how an older journal's indexes are brought up to date.

A journal written before the retired (terminal_id, rrn) index was dropped and before the index of originals
became partial opens with the current indexes; the lookups those indexes served still use an index, never a scan.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from simulator.host.journal import HostJournal

OLD_INDEXES = (
    "DROP INDEX transactions_original",
    "CREATE INDEX transactions_original ON transactions (original_id)",
    "CREATE INDEX transactions_rrn ON transactions (terminal_id, rrn)",
)
"""The two indexes as journals of earlier versions have them."""


def _indexes(path: Path) -> dict[str, str]:
    db = sqlite3.connect(path)
    try:
        return {name: sql for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL")}
    finally:
        db.close()


def _plan(journal: HostJournal, query: str, *args: object) -> str:
    return " ".join(row[3] for row in journal._db.execute(f"EXPLAIN QUERY PLAN {query}", args))


@pytest.fixture
def older_journal(tmp_path: Path) -> Path:
    path = tmp_path / "host-journal.sqlite3"
    HostJournal(path).close()
    db = sqlite3.connect(path)
    for statement in OLD_INDEXES:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def test_a_new_journal_has_no_rrn_index_beside_the_unique_one_and_a_partial_index_of_originals(tmp_path: Path) -> None:
    path = tmp_path / "host-journal.sqlite3"
    HostJournal(path).close()
    indexes = _indexes(path)
    assert "transactions_rrn" not in indexes
    assert indexes["transactions_original"].endswith("WHERE original_id IS NOT NULL")


def test_an_older_journal_opens_with_the_current_indexes(older_journal: Path) -> None:
    assert "transactions_rrn" in _indexes(older_journal)
    HostJournal(older_journal).close()
    indexes = _indexes(older_journal)
    assert "transactions_rrn" not in indexes
    assert indexes["transactions_original"].endswith("WHERE original_id IS NOT NULL")


def test_opening_an_up_to_date_journal_changes_no_index(tmp_path: Path) -> None:
    path = tmp_path / "host-journal.sqlite3"
    HostJournal(path).close()
    before = _indexes(path)
    HostJournal(path).close()
    assert _indexes(path) == before


@pytest.mark.parametrize(("query", "args"), [
    ("SELECT * FROM transactions WHERE terminal_id = ? AND rrn = ?", ("T1", "000000000001")),
    ("SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE original_id = ? AND mti IN (?, ?)"
     " AND processing_code = '200000' AND status = 'approved'", (1, "0200", "0220")),
    ("SELECT * FROM transactions WHERE original_id = ? AND mti IN (?, ?) AND processing_code = '200000' ORDER BY id",
     (1, "0200", "0220")),
])
def test_the_rrn_and_original_lookups_use_an_index(older_journal: Path, query: str, args: tuple[object, ...]) -> None:
    journal = HostJournal(older_journal)
    try:
        plan = _plan(journal, query, *args)
    finally:
        journal.close()
    assert "USING INDEX" in plan and "SCAN transactions" not in plan, plan
