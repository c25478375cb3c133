"""The console's parts without a host process: addresses and tokens, the stream's bounded fan-out, the rule
set changed at run time, the OpenAPI description against the routes, ``http`` in host.toml."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from iso8583 import Message
from simulator.host.config import HostConfigError, parse_host_config
from simulator.host.console.api import Api
from simulator.host.console.live import CLIENT_QUEUE, MAX_CLIENTS, Traffic
from simulator.host.console.openapi import openapi_document
from simulator.host.httpaddress import ConsoleConfigError, parse_http_address, read_token
from simulator.host.rules import RuleSet, parse_rule, parse_rules, rule_json


@pytest.mark.parametrize(("text", "host", "port", "loopback"), [
    ("127.0.0.1:8080", "127.0.0.1", 8080, True), ("localhost:0", "localhost", 0, True),
    ("[::1]:9000", "::1", 9000, True), ("0.0.0.0:8080", "0.0.0.0", 8080, False),
    ("10.1.2.3:80", "10.1.2.3", 80, False),
])
def test_an_http_address_parses_and_knows_loopback(text: str, host: str, port: int, loopback: bool) -> None:
    address = parse_http_address(text)
    assert (address.host, address.port, address.loopback) == (host, port, loopback)


@pytest.mark.parametrize("text", ["8080", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "example.com:80", ":80"])
def test_a_bad_http_address_names_the_option(text: str) -> None:
    with pytest.raises(ConsoleConfigError, match="^--http"):
        parse_http_address(text)


def test_http_in_host_toml_is_checked_like_the_option(tmp_path: Path) -> None:
    assert parse_host_config({"http": "127.0.0.1:0"}, tmp_path).http == "127.0.0.1:0"
    assert parse_host_config({}, tmp_path).http is None
    with pytest.raises(HostConfigError, match="^http 'nowhere'"):
        parse_host_config({"http": "nowhere"}, tmp_path)
    with pytest.raises(HostConfigError, match="^http: expected a string"):
        parse_host_config({"http": 8080}, tmp_path)


def test_a_token_file_needs_a_long_token_and_never_shows_it(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("short\n")
    with pytest.raises(ConsoleConfigError) as error:
        read_token(path)
    assert "short" not in str(error.value) and "--http-token-file" in str(error.value)
    path.write_text("  a-long-enough-token-1234 \n")
    assert read_token(path) == "a-long-enough-token-1234"


def _event(n: int) -> dict[str, Any]:
    return {"n": n}


async def test_a_slow_stream_client_loses_events_and_the_others_do_not() -> None:
    dropped: list[int] = []
    traffic = Traffic(dialect=None, on_drop=dropped.append)  # type: ignore[arg-type]
    slow, fast = traffic.subscribe(), traffic.subscribe()
    assert slow is not None and fast is not None
    for n in range(CLIENT_QUEUE + 10):
        traffic.publish(_event(n))
        if not fast.queue.empty():
            fast.queue.get_nowait()
    assert slow.queue.qsize() == CLIENT_QUEUE and slow.dropped == 10 and len(dropped) == 10
    assert fast.dropped == 0


async def test_stream_clients_are_capped() -> None:
    traffic = Traffic(dialect=None)  # type: ignore[arg-type]
    subscriptions = [traffic.subscribe() for _ in range(MAX_CLIENTS)]
    assert all(subscriptions) and traffic.subscribe() is None
    traffic.unsubscribe(subscriptions[0])  # type: ignore[arg-type]
    assert traffic.subscribe() is not None
    await asyncio.sleep(0)


def test_rules_added_at_run_time_get_new_ids_and_match_after_the_others() -> None:
    rules = parse_rules({"rule": [{"mti": "0800", "drop": True}]})
    added = rules.add(parse_rule({"mti": "0200", "respond": "05"}))
    assert [entry.id for entry in rules.entries()] == [1, added] and added == 2
    request = Message("0200", {3: "000000", 11: "000001"})
    assert rules.match(request, None) is rules.entries()[1].rule
    assert rules.remove(1) and not rules.remove(1)
    assert [entry.id for entry in rules.entries()] == [2]


def test_a_pending_match_of_a_removed_rule_settles_on_its_own_count() -> None:
    rules = RuleSet([parse_rule({"respond": "05", "times": 1})])
    effects: list[Any] = []
    rules.match(Message("0200", {}), None, after_commit=lambda apply, discard, name: effects.append(apply))
    entry = rules.entries()[0]
    assert entry.remaining() == 0 and entry.count.pending == 1
    rules.add(parse_rule({"drop": True}))
    rules.remove(entry.id)
    effects[0]()  # the request commits after its rule was removed
    assert (entry.count.fired, entry.count.pending) == (1, 0)
    assert [e.rule.action.value for e in rules.entries()] == ["drop"]


@pytest.mark.parametrize("table", [
    {"name": "all keys", "mti": ["0200", "0220"], "processing_code": "200000", "terminal_id": "POSSIM01",
     "amount_min": 100, "amount_max": 200, "pan_suffix": "0010", "times": 2, "respond": "51"},
    {"network_code": "301", "delay": 1.5}, {"drop": True}, {"corrupt_mac": True}, {"disconnect": True},
])
def test_a_rules_json_form_reads_back_to_the_same_rule(table: dict[str, Any]) -> None:
    rule = parse_rule(table)
    assert parse_rule(rule_json(rule)) == rule


def test_the_openapi_description_names_exactly_the_api_routes() -> None:
    api = Api(server=None, reader=None, started=0.0)  # type: ignore[arg-type]
    served = {(route.path, route.method.lower()) for route in api.routes()}
    served |= {("/api/openapi.json", "get"), ("/api/stream", "get"), ("/metrics", "get")}
    described = {(path, method) for path, operations in openapi_document()["paths"].items() for method in operations}
    assert described == served
