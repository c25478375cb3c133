"""Rows of the host journal's tables to records and back: the one place a SQLite value becomes a field.

SQLite keeps what the records (:mod:`simulator.host.records`) hold as plain values: enums as their text, booleans
as 0/1, batch totals as JSON. These converters and the column lists and statements built once from the records'
fields are shared by the journal's table groups (:mod:`simulator.host.journal`,
:mod:`simulator.host.journal_batches`), so a field is read and written the same way everywhere; they are module
functions and prebuilt statements, not methods, so a request pays no more per row than one call.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from operator import attrgetter

from protocols.iso87 import BatchTotals, TotalsKind
from simulator.host.records import Cause, Direction, HostTransaction, LedgerEntry, Status, UploadRecord

__all__ = [
    "INSERT_MESSAGE",
    "INSERT_TXN",
    "TXN_COLUMNS",
    "UPLOAD_COLUMNS",
    "entry_from_row",
    "totals_from_text",
    "totals_text",
    "transaction_from_row",
    "txn_values",
]

TXN_COLUMNS = tuple(f.name for f in fields(HostTransaction) if f.name != "id")
"""The ``transactions`` columns a :class:`HostTransaction` fills (all but the id SQLite gives)."""
INSERT_TXN = f"INSERT INTO transactions ({', '.join(TXN_COLUMNS)}) VALUES ({', '.join('?' * len(TXN_COLUMNS))})"
txn_values = attrgetter(*TXN_COLUMNS)
"""A transaction's column values in :data:`TXN_COLUMNS` order (one call per sale: the statement text is built once)."""
INSERT_MESSAGE = ("INSERT INTO messages (time, peer, direction, terminal_id, stan, mti, frame, note)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
UPLOAD_COLUMNS = tuple(f.name for f in fields(UploadRecord))
"""The ``uploads`` columns, one per :class:`UploadRecord` field."""


def transaction_from_row(row: sqlite3.Row | None) -> HostTransaction | None:
    """The transaction a ``transactions`` row holds (None for no row)."""
    if row is None:
        return None
    values = {name: row[name] for name in TXN_COLUMNS}
    values["status"] = Status(values["status"])
    if values["cross_border"] is not None:
        values["cross_border"] = bool(values["cross_border"])
    return HostTransaction(**values, id=row["id"])


def entry_from_row(row: sqlite3.Row) -> LedgerEntry:
    """The ledger entry a ``ledger`` row holds."""
    return LedgerEntry(
        id=row["id"], time=row["time"], transaction_id=row["transaction_id"], terminal_id=row["terminal_id"],
        direction=Direction(row["direction"]), cause=Cause(row["cause"]), amount=row["amount"],
        currency=row["currency"], counter_of=row["counter_of"], billing_amount=row["billing_amount"],
        billing_currency=row["billing_currency"],
    )


def totals_text(totals: BatchTotals | None) -> str | None:
    """Batch totals as the JSON text a ``settlements`` column keeps (keys sorted: the same totals, the same text)."""
    return None if totals is None else json.dumps(totals.to_json(), sort_keys=True)


def totals_from_text(text: str | None) -> BatchTotals | None:
    """The batch totals :func:`totals_text` wrote."""
    if text is None:
        return None
    data = json.loads(text)
    return BatchTotals(tuple((kind, int(data[kind.value]["count"]), int(data[kind.value]["amount"]))
                             for kind in TotalsKind if kind.value in data))
