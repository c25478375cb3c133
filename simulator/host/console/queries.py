"""What the HTTP API reads from the host journal: transactions (filtered, paged), their messages, refunds,
terminals, the report.

Every query opens its own read-only SQLite connection (:meth:`HostJournal.read_only`) and runs off the
event loop (``asyncio.to_thread``): a reader never holds up the host's group commit (WAL lets
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
from typing import Any, ClassVar

from iso8583 import Dialect
from protocols.dcc import DccOffer
from protocols.iso87 import response_mti
from protocols.money import currency_by_code
from simulator.host import credits
from simulator.host.config import HostConfig
from simulator.host.console.sessions import key_schemes
from simulator.host.journal import HostJournal, HostTransaction, Status
from simulator.host.report import TRANSACTION_KINDS, build_report, report_json, transaction_kind
from simulator.host.sealing import FrameSealer

__all__ = ["MAX_LIMIT", "JournalReader", "QueryError", "RefundFilter", "TransactionFilter", "TYPES"]

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
    currency: str | None = None
    """ISO 4217 numeric code of DE 49 (the merchant's currency)."""
    cross_border: bool | None = None
    PARAMETERS: ClassVar[frozenset[str]] = frozenset({"terminal", "type", "status", "rrn", "from", "to", "limit",
                                                      "cursor", "currency", "cross_border"})

    @classmethod
    def from_query(cls, query: dict[str, str]) -> TransactionFilter:
        """The filter from a query string; QueryError names the parameter that is wrong."""
        _refuse_unknown(query, cls.PARAMETERS)
        kind = query.get("type")
        if kind is not None and kind not in TYPES and kind != "reversal":
            raise QueryError(f"type: expected one of {', '.join([*TYPES, 'reversal'])}", "type")
        status = query.get("status")
        if status is not None and status not in {s.value for s in Status}:
            raise QueryError(f"status: expected one of {', '.join(s.value for s in Status)}", "status")
        return cls(terminal=query.get("terminal"), type=kind, status=status, rrn=query.get("rrn"),
                   since=_time_bound(query.get("from"), "from"), until=_time_bound(query.get("to"), "to", end=True),
                   limit=_integer(query.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                   cursor=_integer(query.get("cursor"), "cursor", None, 1, 2**63 - 1),
                   currency=_currency(query.get("currency")), cross_border=_boolean(query.get("cross_border"),
                                                                                    "cross_border"))


@dataclass(frozen=True)
class RefundFilter:
    """The query parameters of ``GET /api/refunds``."""

    terminal: str | None = None
    currency: str | None = None
    cross_border: bool | None = None
    PARAMETERS: ClassVar[frozenset[str]] = frozenset({"terminal", "currency", "cross_border"})

    @classmethod
    def from_query(cls, query: dict[str, str]) -> RefundFilter:
        """The filter from a query string; QueryError names the parameter that is wrong."""
        _refuse_unknown(query, cls.PARAMETERS)
        return cls(terminal=query.get("terminal"), currency=_currency(query.get("currency")),
                   cross_border=_boolean(query.get("cross_border"), "cross_border"))

    def clauses(self) -> tuple[list[str], list[Any]]:
        """SQL conditions on the transactions table, and their parameters."""
        return _clauses(terminal_id=self.terminal, currency=self.currency, cross_border=self.cross_border)


def _clauses(**equal: Any) -> tuple[list[str], list[Any]]:
    """``column = ?`` for each column given a value (a bool as SQLite's 0/1: a NULL, unknown, matches neither)."""
    given = {column: value for column, value in equal.items() if value is not None}
    return [f"{column} = ?" for column in given], [int(v) if isinstance(v, bool) else v for v in given.values()]


def _refuse_unknown(query: dict[str, str], known: frozenset[str]) -> None:
    unknown = sorted(set(query) - known)
    if unknown:
        raise QueryError(f"{unknown[0]}: unknown parameter", unknown[0])


def _currency(text: str | None) -> str | None:
    """An ISO 4217 code, alphabetic (``GBP``) or numeric (``826``), as the journal keeps it: numeric."""
    if text is None:
        return None
    found = currency_by_code(text) if text.isascii() and len(text) == 3 else None
    if found is None:
        raise QueryError(f"currency: expected an ISO 4217 code (GBP or 826), got {text[:20]!r}", "currency")
    return found.numeric


def _boolean(text: str | None, name: str) -> bool | None:
    if text is None:
        return None
    if text not in ("true", "false"):
        raise QueryError(f"{name}: expected true or false", name)
    return text == "true"


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
        "reason": record.reason, "declined_by": record.note, **conversion_json(record),
    }
    view = credits.credit_view(record, today)
    if view is not None:
        item["credit"] = view.to_json()
    return item


def conversion_json(record: HostTransaction) -> dict[str, Any]:
    """``cross_border`` (true, false; null when not known) and, where DCC applied, ``dcc`` as the terminal
    answers it (README, JSON contract: ``amount`` in minor units of ``dcc.currency``, ``rate`` in decimal)."""
    item: dict[str, Any] = {"cross_border": record.cross_border}
    if record.is_dcc and record.dcc_rate:
        item["dcc"] = DccOffer(record.dcc_currency or "", record.dcc_amount or 0, record.dcc_rate,
                               record.dcc_markup or "", record.dcc_provider or "").to_json()
    return item


def currencies_json(codes: set[str | None]) -> dict[str, dict[str, Any]]:
    """``{"826": {"alpha": "GBP", "exponent": 2}}`` for the known ISO 4217 codes among ``codes``, so a page can
    show minor units as the currency's units."""
    found = (currency_by_code(code) for code in sorted(c for c in codes if c))
    return {entry.numeric: {"alpha": entry.alpha, "exponent": entry.exponent} for entry in found if entry}


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
        clauses, parameters = _clauses(terminal_id=wanted.terminal, status=wanted.status, rrn=wanted.rrn,
                                       currency=wanted.currency, cross_border=wanted.cross_border)
        clauses.insert(0, "1 = 1")
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

    def refunds(self, wanted: RefundFilter | None = None, limit: int = 200) -> dict[str, Any]:
        """The refunds (online and advices), newest first, each with its original and its credit, and the
        ``currencies`` they are in (:func:`currencies_json`)."""
        refund_pairs = TYPES["refund"] + TYPES.get("advice", [])
        kinds = "(" + " OR ".join("(mti = ? AND processing_code IS ?)" for _ in refund_pairs) + ")"
        more, more_parameters = (wanted or RefundFilter()).clauses()
        clauses = " AND ".join([kinds, *more])
        parameters: list[Any] = [*(value for pair in refund_pairs for value in pair), *more_parameters]
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
                    **conversion_json(record),
                })
        codes = {r.currency for r in records if r} | {r.dcc_currency for r in records if r}
        return {"business_date": today.isoformat(), "refunds": items, "currencies": currencies_json(codes)}

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
        """The terminals of host.toml and any other the journal has seen: last key delivery, last message,
        counters, the currency most of its transactions are in (the session state is the key ring's:
        :mod:`simulator.host.console.sessions`); and the ``currencies`` of the journal (:func:`currencies_json`)."""
        with self._journal() as journal:
            db = self._db(journal)
            seen = {row[0] for row in db.execute("SELECT DISTINCT terminal_id FROM messages "
                                                 "WHERE terminal_id IS NOT NULL")}
            items = []
            for terminal_id in sorted(set(self.config.terminals) | seen):
                entry = self.config.terminals.get(terminal_id)
                delivery = journal.last_session(terminal_id)
                last = db.execute("SELECT max(time) FROM messages WHERE terminal_id = ? AND direction = 'in'",
                                  (terminal_id,)).fetchone()[0]
                counters: dict[str, int] = {}
                for mti, code, count in db.execute("SELECT mti, processing_code, count(*) FROM transactions "
                                                   "WHERE terminal_id = ? GROUP BY 1, 2", (terminal_id,)):
                    kind = _kind(mti, code)
                    counters[kind] = counters.get(kind, 0) + count
                usual = db.execute("SELECT currency FROM transactions WHERE terminal_id = ? AND currency IS NOT NULL "
                                   "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", (terminal_id,)).fetchone()
                items.append({
                    "terminal_id": terminal_id, "known": entry is not None,
                    "currency": usual[0] if usual else None,
                    "merchant_id": entry.merchant_id if entry else None,
                    "key_schemes": key_schemes(entry),
                    "last_sign_on": delivery["time"] if delivery is not None else None,
                    "last_seen": last,
                    "counters": counters,
                })
            codes = {row[0] for row in db.execute("SELECT currency FROM transactions UNION "
                                                  "SELECT dcc_currency FROM transactions")}
        return {"terminals": items, "currencies": currencies_json(codes)}

    def report(self, terminal: str | None = None, batch: int | None = None) -> dict[str, Any]:
        """``possim host report --json``."""
        with self._journal() as journal:
            return report_json(build_report(journal, terminal_id=terminal, batch=batch, dcc=self.config.dcc))
