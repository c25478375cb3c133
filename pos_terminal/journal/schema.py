"""The terminal journal's SQLite schema (see :mod:`pos_terminal.journal` for what each table holds)."""

from __future__ import annotations

SCHEMA_VERSION = 3

SCHEMA = (
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


MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        # The original reference a cashier typed for an unmatched refund (a matched one has original_id).
        "ALTER TABLE transactions ADD COLUMN original_rrn TEXT",
        "ALTER TABLE transactions ADD COLUMN original_date TEXT",
        "CREATE INDEX events_kind ON events (kind, id)",
    ),
    2: (
        # Dynamic currency conversion (docs/protocol.md): the cardholder's side of a DCC sale, refund or void.
        "ALTER TABLE transactions ADD COLUMN dcc_currency TEXT CHECK (dcc_currency IS NULL OR length(dcc_currency) = 3)",
        "ALTER TABLE transactions ADD COLUMN dcc_amount INTEGER CHECK (dcc_amount IS NULL OR dcc_amount >= 0)",
        "ALTER TABLE transactions ADD COLUMN dcc_rate TEXT",
        "ALTER TABLE transactions ADD COLUMN dcc_markup TEXT",
        "ALTER TABLE transactions ADD COLUMN dcc_provider TEXT",
    ),
}
"""Statements that take a journal from version N to N + 1. A new journal is created at version 1
(:data:`SCHEMA`) and migrated, so new and old journals end up with the same schema."""
