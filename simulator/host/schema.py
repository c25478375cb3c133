"""The host journal's SQLite schema (the tables :mod:`simulator.host.journal` describes).

``SCHEMA`` creates what is missing; ``ADDED_COLUMNS`` lists the columns added since the first
version, which :class:`~simulator.host.journal.HostJournal` adds to an older journal when it opens it;
``RETIRED_INDEXES`` and ``PARTIAL_INDEXES`` say how the indexes of an older journal are brought up to date.
"""

from __future__ import annotations

__all__ = ["ADDED_COLUMNS", "PARTIAL_INDEXES", "RETIRED_INDEXES", "SCHEMA"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    peer TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    terminal_id TEXT,
    stan TEXT,
    mti TEXT,
    dump TEXT,
    note TEXT,
    frame BLOB
);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    stan TEXT NOT NULL,
    transmission_time TEXT NOT NULL,
    local_date TEXT,
    mti TEXT NOT NULL,
    processing_code TEXT,
    amount INTEGER,
    currency TEXT,
    masked_pan TEXT,
    card_fingerprint TEXT,
    rrn TEXT UNIQUE,
    auth_code TEXT,
    response_code TEXT NOT NULL,
    status TEXT NOT NULL,
    original_id INTEGER REFERENCES transactions(id),
    original_rrn TEXT,
    reason TEXT,
    credit_channel TEXT,
    credit_date TEXT,
    invoice TEXT,
    batch TEXT,
    note TEXT,
    cross_border INTEGER,
    dcc_currency TEXT,
    dcc_amount INTEGER,
    dcc_rate TEXT,
    dcc_markup TEXT,
    dcc_provider TEXT
);
CREATE INDEX IF NOT EXISTS transactions_request
    ON transactions (terminal_id, stan, transmission_time, mti);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    transaction_id INTEGER NOT NULL REFERENCES transactions(id),
    terminal_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('debit', 'credit')),
    cause TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    currency TEXT,
    counter_of INTEGER UNIQUE REFERENCES ledger(id),
    billing_amount INTEGER CHECK (billing_amount >= 0),
    billing_currency TEXT
);
CREATE TABLE IF NOT EXISTS responses (
    terminal_id TEXT NOT NULL,
    stan TEXT NOT NULL,
    transmission_time TEXT NOT NULL,
    mti_class TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    response BLOB NOT NULL,
    time TEXT NOT NULL,
    PRIMARY KEY (terminal_id, stan, transmission_time, mti_class)
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    pin_key_block TEXT NOT NULL,
    pin_key_kcv TEXT NOT NULL,
    mac_key_block TEXT NOT NULL,
    mac_key_kcv TEXT NOT NULL,
    request_stan TEXT,
    request_time TEXT
);
CREATE TABLE IF NOT EXISTS uploads (
    terminal_id TEXT NOT NULL,
    batch INTEGER NOT NULL,
    rrn TEXT NOT NULL,
    processing_code TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT,
    stan TEXT,
    local_date TEXT,
    local_time TEXT,
    auth_code TEXT,
    invoice TEXT,
    voided INTEGER NOT NULL CHECK (voided IN (0, 1)),
    time TEXT NOT NULL,
    PRIMARY KEY (terminal_id, batch, rrn)
);
CREATE TABLE IF NOT EXISTS settlements (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    batch INTEGER,
    stan TEXT NOT NULL,
    transmission_time TEXT NOT NULL,
    processing_code TEXT,
    response_code TEXT NOT NULL,
    basis TEXT NOT NULL,
    terminal_totals TEXT,
    host_totals TEXT
);
CREATE INDEX IF NOT EXISTS settlements_batch ON settlements (terminal_id, batch);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

ADDED_COLUMNS = {
    "transactions": (("note", "TEXT"), ("cross_border", "INTEGER"), ("dcc_currency", "TEXT"),
                     ("dcc_amount", "INTEGER"), ("dcc_rate", "TEXT"), ("dcc_markup", "TEXT"), ("dcc_provider", "TEXT")),
    "ledger": (("billing_amount", "INTEGER"), ("billing_currency", "TEXT")),
    "messages": (("frame", "BLOB"),),
    "sessions": (("request_stan", "TEXT"), ("request_time", "TEXT")),
}
"""Columns that journals of earlier versions lack, per table: (name, type)."""

RETIRED_INDEXES = ("transactions_rrn",)
"""Indexes of earlier versions, dropped when a journal is opened. ``transactions_rrn`` (terminal_id, rrn) did the
work of the UNIQUE index on ``rrn`` (one row at most per RRN) and cost every sale one more B-tree insert."""

PARTIAL_INDEXES = {
    "transactions_original":
        "CREATE INDEX IF NOT EXISTS transactions_original ON transactions (original_id) WHERE original_id IS NOT NULL",
}
"""Indexes now partial (``WHERE ... IS NOT NULL``, as ``SCHEMA`` writes them): an older journal's full one is
dropped and created again. ``transactions_original``: only refunds, voids and reversals name an original, so a
sale adds nothing to it; ``original_id = ?`` implies the index's condition and SQLite uses it for those lookups."""

SCHEMA += "".join(f"{statement};\n" for statement in PARTIAL_INDEXES.values())
