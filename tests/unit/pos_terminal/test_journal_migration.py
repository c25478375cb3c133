"""A journal written by an earlier version is migrated in place when it is opened, its rows kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pos_terminal.journal import SCHEMA_VERSION, Journal
from pos_terminal.journal.schema import MIGRATIONS, SCHEMA


def _version_1_journal(path: Path) -> None:
    with sqlite3.connect(path) as db:
        for statement in SCHEMA:
            db.execute(statement)
        db.execute("INSERT INTO schema_version (version) VALUES (1)")
        db.execute(
            """INSERT INTO transactions (invoice, stan, batch, txn_type, status, amount, currency, masked_pan,
                   card_fingerprint, card_brand, entry_mode, processing_code, mti, transmitted_at, created_at,
                   updated_at) VALUES (1, 1, 1, 'sale', 'approved', 2000, '840', '476173******0010', ?, 'visa',
                   'chip', '000000', '0200', '2024-05-01T12:00:00.000000Z', '2024-05-01T12:00:00.000000Z',
                   '2024-05-01T12:00:00.000000Z')""",
            ("ab" * 32,),
        )


def test_a_version_1_journal_is_migrated_and_keeps_its_transactions(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    _version_1_journal(path)
    with Journal.open(path) as journal:
        sale = journal.get(1)
        assert (sale.amount, sale.original_rrn, sale.original_date) == (2000, None, None)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
        columns = {row[1] for row in db.execute("PRAGMA table_info(transactions)")}
    assert {"original_rrn", "original_date"} <= columns


def test_a_new_journal_has_the_same_schema_as_a_migrated_one(tmp_path: Path) -> None:
    _version_1_journal(tmp_path / "old.sqlite3")
    Journal.open(tmp_path / "old.sqlite3").close()
    Journal.open(tmp_path / "new.sqlite3").close()

    def schema(name: str) -> list[tuple[str, str]]:
        with sqlite3.connect(tmp_path / name) as db:
            return sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))

    assert schema("old.sqlite3") == schema("new.sqlite3")


def test_a_journal_of_schema_2_gains_the_dcc_columns_and_its_sales_read_without_conversion(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    _version_1_journal(path)
    with sqlite3.connect(path) as db:  # what possim wrote before DCC: version 2
        for statement in MIGRATIONS[1]:
            db.execute(statement)
        db.execute("UPDATE schema_version SET version = 2")
    with Journal.open(path) as journal:
        assert journal.get(1).dcc is None
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(transactions)")}
    assert {"dcc_currency", "dcc_amount", "dcc_rate", "dcc_markup", "dcc_provider"} <= columns
