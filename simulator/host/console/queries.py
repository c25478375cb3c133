"""What the HTTP API reads from the host journal: transactions (filtered, paged), their messages, refunds,
terminals, the report.

Every query opens its own read-only SQLite connection (:meth:`HostJournal.read_only`) and runs off the
event loop (``asyncio.to_thread``): a reader never holds up the writer thread's group commit (WAL lets
readers and the writer work at once) and SQLite refuses any write through it. Message frames are opened
with the host's own :class:`~simulator.host.sealing.FrameSealer` and shown only as masked dumps
(:func:`iso8583.render_text`, as ``possim decode`` prints them). PANs only ever appear masked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from iso8583 import Dialect
from protocols.iso87 import response_mti
from simulator.host import credits
from simulator.host.config import HostConfig
from simulator.host.journal import HostJournal, HostTransaction, Status
from simulator.host.report import TRANSACTION_KINDS, build_report, report_json, transaction_kind
from simulator.host.sealing import FrameSealer

__all__ = ["MAX_LIMIT", "JournalReader", "QueryError", "TransactionFilter", "TYPES"]

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
TYPES: dict[str, list[tuple[str, str | None]]] = {}
"""``type`` filter values: the report's kinds (``void of sale`` as ``void_sale``) and ``reversal``."""
for (_mti, _code), _kind in TRANSACTION_KINDS.items():
    TYPES.setdefault(_kind.replace(" of ", "_"), []).append((_mti, _code))
REVERSAL_MTIS = ("0400", "0401", "0420", "0421")


class QueryError(ValueError):
    """A filter the API cannot use; ``field`` names the query parameter."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TransactionFilter:
    """The query parameters of ``GET /api/transactions``."""

    terminal: str | None = None
    type: str | None = None
    status: str | None = None
    rrn: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: int | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> TransactionFilter:
        """The filter from a query string; QueryError names the parameter that is wrong."""
        unknown = sorted(set(query) - {"terminal", "type", "status", "rrn", "from", "to", "limit", "cursor"})
        if unknown:
            raise QueryError(f"{unknown[0]}: unknown parameter", unknown[0])
        kind = query.get("type")
        if kind is not None and kind not in TYPES and kind != "reversal":
            raise QueryError(f"type: expected one of {', '.join([*TYPES, 'reversal'])}", "type")
        status = query.get("status")
        if status is not None and status not in {s.value for s in Status}:
            raise QueryError(f"status: expected one of {', '.join(s.value for s in Status)}", "status")
        return cls(terminal=query.get("terminal"), type=kind, status=status, rrn=query.get("rrn"),
                   since=_time_bound(query.get("from"), "from"), until=_time_bound(query.get("to"), "to", end=True),
                   limit=_integer(query.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                   cursor=_integer(query.get("cursor"), "cursor", None, 1, 2**63 - 1))


def _integer(text: str | None, name: str, default: int | None, low: int, high: int) -> int | None:
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise QueryError(f"{name}: expected an integer {low}..{high}", name)
    return int(text)


def _time_bound(text: str | None, name: str, *, end: bool = False) -> str | None:
    """A date (YYYY-MM-DD: the whole day) or a UTC time (ISO 8601) as the journal's time text."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day.isoformat() + ("T23:59:59.999999+00:00" if end else "T00:00:00+00:00")
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{name}: expected a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SS", name) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _iso_date(yyyymmdd: str | None) -> str | None:
    if not yyyymmdd or len(yyyymmdd) != 8:
        return yyyymmdd
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def kind_of(record: HostTransaction) -> str | None:
    """The ``type`` of a transaction (a key of :data:`TYPES`, or ``reversal``), None for others."""
    if record.mti in REVERSAL_MTIS:
        return "reversal"
    kind = transaction_kind(record)
    return kind.replace(" of ", "_") if kind else None


def _kind(mti: str, processing_code: str | None) -> str:
    """:func:`kind_of` from the two columns that decide it (``other`` for the rest)."""
    if mti in REVERSAL_MTIS:
        return "reversal"
    kind = TRANSACTION_KINDS.get((mti, processing_code))
    return kind.replace(" of ", "_") if kind else "other"


def transaction_json(record: HostTransaction, today: date) -> dict[str, Any]:
    """One transaction row for the API (the PAN as journaled: masked)."""
    item: dict[str, Any] = {
        "id": record.id, "time": record.time, "terminal_id": record.terminal_id, "type": kind_of(record),
        "mti": record.mti, "processing_code": record.processing_code, "stan": record.stan, "rrn": record.rrn,
        "invoice": record.invoice, "batch": record.batch, "masked_pan": record.masked_pan, "amount": record.amount,
        "currency": record.currency, "response_code": record.response_code, "status": record.status.value,
        "approval_code": record.auth_code, "original_id": record.original_id, "original_rrn": record.original_rrn,
        "reason": record.reason, "declined_by": record.note,
    }
    view = credits.credit_view(record, today)
    if view is not None:
        item["credit"] = view.to_json()
    return item


class JournalReader:
    """Reads the journal of one running host for the API (see the module docstring)."""

    def __init__(self, config: HostConfig, dialect: Dialect, sealer: FrameSealer | None) -> None:
        self.config = config
        self.dialect = dialect
        self._sealer = sealer

    @contextmanager
    def _journal(self) -> Iterator[HostJournal]:
        journal = HostJournal.read_only(self.config.journal_path)
        journal.sealer, journal.dialect = self._sealer, self.dialect
        try:
            yield journal
        finally:
            journal.close()

    def _db(self, journal: HostJournal) -> sqlite3.Connection:
        return journal._db  # noqa: SLF001 - a read-only connection of our own, for the filtered queries

    def business_date(self, now: datetime | None = None) -> date:
        with self._journal() as journal:
            return credits.business_date(now or datetime.now(UTC), journal.business_date_offset())

    def journal_ok(self) -> bool:
        """True when the journal opens and passes SQLite's quick check."""
        try:
            with self._journal() as journal:
                return self._db(journal).execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except (sqlite3.Error, OSError):
            return False

    def transactions(self, wanted: TransactionFilter) -> dict[str, Any]:
        """Newest first, ``limit`` at a time; ``next_cursor`` continues after the last one."""
        clauses, parameters = ["1 = 1"], []
        for column, value in (("terminal_id", wanted.terminal), ("status", wanted.status), ("rrn", wanted.rrn)):
            if value is not None:
                clauses.append(f"{column} = ?")
                parameters.append(value)
        if wanted.since is not None:
            clauses.append("time >= ?")
            parameters.append(wanted.since)
        if wanted.until is not None:
            clauses.append("time <= ?")
            parameters.append(wanted.until)
        if wanted.cursor is not None:
            clauses.append("id < ?")
            parameters.append(wanted.cursor)
        if wanted.type == "reversal":
            clauses.append(f"mti IN ({', '.join('?' * len(REVERSAL_MTIS))})")
            parameters.extend(REVERSAL_MTIS)
        elif wanted.type is not None:
            pairs = TYPES[wanted.type]
            clauses.append("(" + " OR ".join("(mti = ? AND processing_code IS ?)" for _ in pairs) + ")")
            for pair in pairs:
                parameters.extend(pair)
        sql = f"SELECT id FROM transactions WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?"
        with self._journal() as journal:
            ids = [row[0] for row in self._db(journal).execute(sql, [*parameters, wanted.limit + 1])]
            more = len(ids) > wanted.limit
            ids = ids[:wanted.limit]
            today = credits.business_date(datetime.now(UTC), journal.business_date_offset())
            records = [journal.transaction(i) for i in ids]
        items = [transaction_json(r, today) for r in records if r is not None]
        return {"transactions": items, "next_cursor": ids[-1] if more and ids else None}

    def transaction(self, transaction_id: int) -> dict[str, Any] | None:
        """One transaction with its messages in and out (masked dumps); None when there is none."""
        with self._journal() as journal:
            record = journal.transaction(transaction_id)
            if record is None:
                return None
            today = credits.business_date(datetime.now(UTC), journal.business_date_offset())
            item = transaction_json(record, today)
            item["messages"] = self._messages(journal, record.terminal_id, record.stan,
                                              (record.mti, response_mti(record.mti)))
        return item

    def messages(self, terminal: str, stan: str, mti: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest journaled messages of ``terminal`` with ``stan`` (and request ``mti``), oldest first."""
        with self._journal() as journal:
            mtis = (mti, response_mti(mti)) if mti else None
            return self._messages(journal, terminal, stan, mtis, limit)

    def _messages(self, journal: HostJournal, terminal: str, stan: str, mtis: tuple[str, ...] | None,
                  limit: int = 20) -> list[dict[str, Any]]:
        sql = "SELECT * FROM messages WHERE terminal_id = ? AND stan = ?"
        parameters: list[Any] = [terminal, stan]
        if mtis:
            sql += f" AND mti IN ({', '.join('?' * len(mtis))})"
            parameters.extend(mtis)
        rows = self._db(journal).execute(sql + " ORDER BY id DESC LIMIT ?", [*parameters, limit]).fetchall()
        return [{"id": row["id"], "time": row["time"], "direction": row["direction"], "peer": row["peer"],
                 "mti": row["mti"], "stan": row["stan"], "note": row["note"],
                 "dump": row["dump"] or journal._render(row["frame"], self.dialect)}  # noqa: SLF001
                for row in reversed(rows)]

    def refunds(self, terminal: str | None = None, limit: int = 200) -> dict[str, Any]:
        """The refunds (online and advices), newest first, each with its original and its credit."""
        refund_pairs = TYPES["refund"] + TYPES.get("advice", [])
        clauses = "(" + " OR ".join("(mti = ? AND processing_code IS ?)" for _ in refund_pairs) + ")"
        parameters: list[Any] = [value for pair in refund_pairs for value in pair]
        if terminal is not None:
            clauses += " AND terminal_id = ?"
            parameters.append(terminal)
        with self._journal() as journal:
            today = credits.business_date(datetime.now(UTC), journal.business_date_offset())
            rows = self._db(journal).execute(
                f"SELECT id FROM transactions WHERE {clauses} ORDER BY id DESC LIMIT ?", [*parameters, limit])
            records = [journal.transaction(row[0]) for row in rows.fetchall()]
            items = []
            for record in records:
                if record is None:
                    continue
                original = journal.transaction(record.original_id) if record.original_id else None
                view = credits.credit_view(record, today)
                items.append({
                    "id": record.id, "time": record.time, "terminal_id": record.terminal_id,
                    "type": kind_of(record), "rrn": record.rrn, "stan": record.stan, "invoice": record.invoice,
                    "masked_pan": record.masked_pan, "amount": record.amount, "currency": record.currency,
                    "response_code": record.response_code, "status": record.status.value, "reason": record.reason,
                    "original": None if original is None else {
                        "id": original.id, "rrn": original.rrn, "invoice": original.invoice,
                        "date": original.time[:10], "amount": original.amount, "currency": original.currency,
                        "refunded": journal.refunded_amount(original.id) if original.id is not None else None},
                    "credit_channel": record.credit_channel,
                    "expected_date": _iso_date(record.credit_date),
                    "credit_status": view.status.value if view else None,
                    "posted_date": view.posted_date.isoformat() if view and view.posted_date else None,
                })
        return {"business_date": today.isoformat(), "refunds": items}

    def credits_by_status(self) -> dict[str, int]:
        """How many refunds' credits are pending, posted, cancelled on today's business date (for /metrics)."""
        counts = {status.value: 0 for status in credits.CreditStatus}
        with self._journal() as journal:
            today = credits.business_date(datetime.now(UTC), journal.business_date_offset())
            ids = [row[0] for row in self._db(journal).execute(
                "SELECT id FROM transactions WHERE credit_channel IS NOT NULL")]
            for transaction_id in ids:
                record = journal.transaction(transaction_id)
                view = credits.credit_view(record, today) if record is not None else None
                if view is not None:
                    counts[view.status.value] += 1
        return counts

    def terminals(self) -> dict[str, Any]:
        """The terminals of host.toml and any other the journal has seen, with sign-on, keys and counters."""
        with self._journal() as journal:
            db = self._db(journal)
            seen = {row[0] for row in db.execute("SELECT DISTINCT terminal_id FROM messages "
                                                 "WHERE terminal_id IS NOT NULL")}
            items = []
            for terminal_id in sorted(set(self.config.terminals) | seen):
                entry = self.config.terminals.get(terminal_id)
                session = journal.last_session(terminal_id)
                last = db.execute("SELECT max(time) FROM messages WHERE terminal_id = ? AND direction = 'in'",
                                  (terminal_id,)).fetchone()[0]
                counters: dict[str, int] = {}
                for mti, code, count in db.execute("SELECT mti, processing_code, count(*) FROM transactions "
                                                   "WHERE terminal_id = ? GROUP BY 1, 2", (terminal_id,)):
                    kind = _kind(mti, code)
                    counters[kind] = counters.get(kind, 0) + count
                schemes = [] if entry is None else [name for name, key in (
                    ("mksk", entry.tmk), ("dukpt-tdes", entry.tdes_bdk), ("dukpt-aes", entry.aes_bdk))
                    if key is not None]
                items.append({
                    "terminal_id": terminal_id, "known": entry is not None,
                    "merchant_id": entry.merchant_id if entry else None,
                    "key_schemes": schemes,
                    "last_sign_on": session["time"] if session is not None else None,
                    "session": "signed on" if session is not None else "no session keys",
                    "last_seen": last,
                    "counters": counters,
                })
        return {"terminals": items}

    def report(self, terminal: str | None = None, batch: int | None = None) -> dict[str, Any]:
        """``possim host report --json``."""
        with self._journal() as journal:
            return report_json(build_report(journal, terminal_id=terminal, batch=batch))
