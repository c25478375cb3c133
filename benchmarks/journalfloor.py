"""The durable journal floor: what SQLite alone costs for the rows a host's chip sales wrote.

:func:`replay` reads the sales a host journaled (the 0200 purchases that were approved: their
transaction row, ledger row, stored response and the two message rows, in and out) and writes the
same rows again into a fresh journal with the same schema and indexes (a :class:`HostJournal`
creates it), with plain ``sqlite3`` and the host's durability: WAL, ``synchronous=FULL``, commit
groups of :data:`GROUP` sales. Per sale the statements a host needs at the least: the
retransmission lookup (SELECT of the stored response), the transaction row, its ledger row, its
stored response and its two message rows (one ``executemany``); RRNs and frames are taken as they
were (no counter, no sealing, no per-request savepoint). Its CPU per sale (``time.process_time``:
the fsync's wait is not work) is the part of the host's budget that SQLite alone takes
(``bench_host``'s "durable journal floor" row).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from simulator.host.journal import HostJournal

GROUP = 64
_SALES = ("SELECT * FROM transactions WHERE mti = '0200' AND processing_code = '000000' AND status = 'approved'"
          " ORDER BY id")


@dataclass(frozen=True)
class FloorRun:
    sales: int
    cpu_seconds: float

    @property
    def us_per_sale(self) -> float:
        return 1e6 * self.cpu_seconds / self.sales if self.sales else 0.0


def _rows(source: Path) -> list[tuple[tuple, tuple, tuple, list[tuple]]]:
    """Per approved sale of ``source``: (transaction, ledger, response, [message in, message out]) values."""
    db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        sales = db.execute(_SALES).fetchall()
        ledger = {row["transaction_id"]: row for row in db.execute("SELECT * FROM ledger")}
        responses = {(row["terminal_id"], row["stan"], row["transmission_time"]): row
                     for row in db.execute("SELECT * FROM responses WHERE mti_class = '0210'")}
        messages: dict[tuple[str, str], list[sqlite3.Row]] = {}
        for row in db.execute("SELECT * FROM messages WHERE mti IN ('0200', '0210') ORDER BY id"):
            messages.setdefault((row["terminal_id"], row["stan"]), []).append(row)
    finally:
        db.close()
    rows = []
    for sale in sales:
        key = (sale["terminal_id"], sale["stan"])
        entry, response = ledger.get(sale["id"]), responses.get((*key, sale["transmission_time"]))
        pair = messages.get(key, [])[-2:]
        if entry is None or response is None or len(pair) != 2:
            continue
        rows.append((tuple(sale)[1:], tuple(entry)[1:], tuple(response), [tuple(m)[1:] for m in pair]))
    return rows


def replay(source: Path, target: Path) -> FloorRun:
    """Write the approved sales of the journal at ``source`` again into a new journal at ``target``."""
    HostJournal(target).close()  # the host's schema and indexes, nothing else
    rows = _rows(source)
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        columns = {table: [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
                   for table in ("transactions", "ledger", "responses", "messages")}
        insert_txn = _insert("transactions", columns["transactions"][1:])
        insert_ledger = _insert("ledger", columns["ledger"][1:])
        insert_response = _insert("responses", columns["responses"])
        insert_message = _insert("messages", columns["messages"][1:])
        lookup = ("SELECT request_digest, response FROM responses"
                  " WHERE terminal_id = ? AND stan = ? AND transmission_time = ? AND mti_class = ?")
        started = time.process_time()
        for first in range(0, len(rows), GROUP):
            db.execute("BEGIN IMMEDIATE")
            for txn, entry, response, messages in rows[first:first + GROUP]:
                db.execute(lookup, response[:4]).fetchone()
                txn_id = db.execute(insert_txn, txn).lastrowid
                db.execute(insert_ledger, (entry[0], txn_id, *entry[2:]))
                db.execute(insert_response, response)
                db.executemany(insert_message, messages)
            db.execute("COMMIT")
        cpu = time.process_time() - started
    finally:
        db.close()
    return FloorRun(len(rows), cpu)


def _insert(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
