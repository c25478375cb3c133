"""The JSON API under ``/api/`` (described at ``/api/openapi.json``, docs/host-api.md).

Reads go to the journal through :class:`~simulator.host.console.queries.JournalReader` off the event
loop. Two things steer the running host: the fault rules (a rule is the JSON form of a ``[[rule]]``
table, read by the same :func:`~simulator.host.rules.parse_rule` as the TOML; a bad one is answered
422 naming the key) and the business date (moved by the same
:func:`~simulator.host.credits.advanced_offset` as ``possim host advance-date``, forward only, written
in one of the host's commit groups, inside its journal transaction).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from simulator.host import credits
from simulator.host.console import sessions
from simulator.host.console.queries import JournalReader, QueryError, RefundFilter, TransactionFilter
from simulator.host.rules import RuleSet, RulesError, parse_rule, rule_json
from simulator.host.server import HostServer

__all__ = ["Api", "ApiError", "MAX_CONCURRENT_READS"]

MAX_CONCURRENT_READS = 2
SESSIONS_PER_VISIT = 64
"""Terminals whose session state one commit group reads: a host of thousands of terminals gets its requests
processed between the groups."""


class ApiError(Exception):
    """An answer with a JSON body ``{"error": ..., "field": ...}`` (``field`` names the input at fault)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers: dict[str, str] = {}

    def response(self) -> web.Response:
        return web.json_response({"error": self.message, "field": self.field}, status=self.status,
                                 headers=self.headers)


@dataclass
class Api:
    """The API handlers of one host (see the module docstring)."""

    server: HostServer
    reader: JournalReader
    started: float
    _reads: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONCURRENT_READS), repr=False)

    async def _read(self, query: Callable[..., Any], *args: Any) -> Any:
        """Run a journal query on a worker thread, at most :data:`MAX_CONCURRENT_READS` at once: a flood of API
        calls waits its turn here instead of taking threads (and the GIL) from the ISO 8583 service."""
        async with self._reads:
            return await asyncio.to_thread(query, *args)

    async def _answer(self, query: Callable[..., Any], *args: Any) -> web.Response:
        """The JSON answer of a journal query, read and serialised on a worker thread (:meth:`_read`)."""
        text = await self._read(lambda: json.dumps(query(*args)))
        return web.Response(text=text, content_type="application/json")

    @property
    def rules(self) -> RuleSet:
        return self.server.logic.services.rules

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/health", self.health),
            web.get("/api/transactions", self.transactions),
            web.get("/api/transactions/{id}", self.transaction),
            web.get("/api/messages", self.messages),
            web.get("/api/refunds", self.refunds),
            web.get("/api/terminals", self.terminals),
            web.get("/api/rules", self.list_rules),
            web.post("/api/rules", self.add_rule),
            web.delete("/api/rules/{id}", self.remove_rule),
            web.get("/api/business-date", self.get_business_date),
            web.post("/api/business-date", self.move_business_date),
            web.get("/api/report", self.report),
        ]

    async def health(self, request: web.Request) -> web.Response:
        journal_ok = await self._read(self.reader.journal_ok)
        today = await self._read(self.reader.business_date) if journal_ok else None
        return web.json_response({
            "status": "ok" if journal_ok else "journal unavailable",
            "listener": self.server.url, "dialect": self.server.logic.dialect.name,
            "business_date": today.isoformat() if today else None,
            "uptime_seconds": round(time.monotonic() - self.started, 3),
            "journal_ok": journal_ok, "open_connections": self.server.connection_count,
            "rules": len(self.rules.entries()),
        })

    async def transactions(self, request: web.Request) -> web.Response:
        try:
            wanted = TransactionFilter.from_query(dict(request.query))
        except QueryError as error:
            raise ApiError(422, str(error), error.field) from None
        return await self._answer(self.reader.transactions, wanted)

    async def transaction(self, request: web.Request) -> web.Response:
        transaction_id = _path_id(request)
        item = await self._read(self.reader.transaction, transaction_id)
        if item is None:
            raise ApiError(404, f"no transaction {transaction_id}", "id")
        return web.json_response(item)

    async def messages(self, request: web.Request) -> web.Response:
        terminal, stan, mti = (request.query.get(name) for name in ("terminal", "stan", "mti"))
        if not terminal:
            raise ApiError(422, "terminal: required", "terminal")
        if not stan or not stan.isdigit():
            raise ApiError(422, "stan: required, digits", "stan")
        if mti is not None and (len(mti) != 4 or not mti.isdigit()):
            raise ApiError(422, "mti: expected 4 digits", "mti")
        items = await self._read(self.reader.messages, terminal, stan, mti)
        return web.json_response({"messages": items})

    async def refunds(self, request: web.Request) -> web.Response:
        try:
            wanted = RefundFilter.from_query(dict(request.query))
        except QueryError as error:
            raise ApiError(422, str(error), error.field) from None
        return await self._answer(self.reader.refunds, wanted)

    async def terminals(self, request: web.Request) -> web.Response:
        """The journal's view of each terminal, with its session state as the host's key ring holds it (read in a
        commit group, where the ring's only writer works: :mod:`simulator.host.console.sessions`)."""
        listing = await self._read(self.reader.terminals)
        services = self.server.logic.services
        ids = [item["terminal_id"] for item in listing["terminals"]]
        states: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), SESSIONS_PER_VISIT):
            chunk = ids[start:start + SESSIONS_PER_VISIT]
            async with self._reads:
                states.update(await self.server.committer.call(lambda chunk=chunk: sessions.session_states(services, chunk)))
        for item in listing["terminals"]:
            item.update(states[item["terminal_id"]])
        return web.json_response(listing)

    async def report(self, request: web.Request) -> web.Response:
        batch = request.query.get("batch")
        if batch is not None and (not batch.isdigit() or len(batch) > 6):
            raise ApiError(422, "batch: expected a batch number of up to 6 digits", "batch")
        return await self._answer(self.reader.report, request.query.get("terminal"), int(batch) if batch else None)

    # -- rules ----------------------------------------------------------------------------------

    def _rules_json(self) -> list[dict[str, Any]]:
        return [{"id": entry.id, "rule": rule_json(entry.rule), "fired": entry.count.fired,
                 "remaining": entry.remaining()} for entry in self.rules.entries()]

    async def list_rules(self, request: web.Request) -> web.Response:
        return web.json_response({"rules": self._rules_json()})

    async def add_rule(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        try:
            rule = parse_rule(body, "rule")
        except RulesError as error:
            raise ApiError(422, str(error), error.field) from None
        rule_id = self.rules.add(rule)
        entry = next(e for e in self.rules.entries() if e.id == rule_id)
        return web.json_response({"id": rule_id, "rule": rule_json(entry.rule)}, status=201)

    async def remove_rule(self, request: web.Request) -> web.Response:
        rule_id = _path_id(request)
        if not self.rules.remove(rule_id):
            raise ApiError(404, f"no rule {rule_id}", "id")
        return web.json_response({"removed": rule_id})

    # -- business date ----------------------------------------------------------------------------

    async def get_business_date(self, request: web.Request) -> web.Response:
        today = await self._read(self.reader.business_date)
        offset = (today - datetime.now(UTC).date()).days
        return web.json_response({"business_date": today.isoformat(), "offset_days": offset})

    async def move_business_date(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        unknown = sorted(set(body) - {"days", "date"})
        if unknown:
            raise ApiError(422, f"{unknown[0]}: unknown key (expected days or date)", unknown[0])
        if len(body) != 1:
            raise ApiError(422, "expected exactly one of days or date", "days")
        days, target = body.get("days"), None
        if "days" in body and (isinstance(days, bool) or not isinstance(days, int)):
            raise ApiError(422, "days: expected an integer, 1 or more", "days")
        if "date" in body:
            try:
                target = date.fromisoformat(body["date"]) if isinstance(body["date"], str) else None
            except ValueError:
                target = None
            if target is None:
                raise ApiError(422, "date: expected a date YYYY-MM-DD", "date")
        now = datetime.now(UTC)
        services = self.server.logic.services

        def move() -> int:  # in a commit group, inside its journal transaction
            return services.journal.move_business_date(
                lambda current: credits.advanced_offset(current, now.date(), days=days, to=target))

        try:
            offset = await self.server.committer.call(move)
        except credits.BusinessDateError as error:
            raise ApiError(422, str(error), "date" if target is not None else "days") from None
        today = credits.business_date(now, offset)
        return web.json_response({"business_date": today.isoformat(), "offset_days": offset})


def _path_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise ApiError(404, f"no such id {text[:20]!r}", "id")
    return int(text)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object (415 for another content type, 400 for bad JSON, 413 past the size bound)."""
    if request.content_type != "application/json":
        raise ApiError(415, "expected Content-Type: application/json", None)
    try:
        body = await request.json()
    except json.JSONDecodeError as error:
        raise ApiError(400, f"malformed JSON at offset {error.pos}", None) from None
    except ValueError:  # not UTF-8
        raise ApiError(400, "malformed JSON (not UTF-8)", None) from None
    if not isinstance(body, dict):
        raise ApiError(422, "expected a JSON object", None)
    return body
