"""The host's HTTP API against a real ``possim host --http`` process (docs/host-api.md).

One host per module serves the read-only checks (sales and refunds made once by ``possim txn``);
tests that change what others would see (the business date, a token) run their own host.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from emv.cards import load_test_cards
from protocols.defaults import TEST_KEYS
from simulator.cli import main
from tests.e2e.console_host import ConsoleHost, refund, sale

TOKEN = "s3cret-token-for-the-api-tests"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A host with a visa sale (real-time credit), an amex sale refunded (batch credit, pending) and a declined sale."""
    root = tmp_path_factory.mktemp("api")
    host = ConsoleHost.start(root / "host")
    try:
        terminal = root / "terminal"
        visa = sale(host, terminal, "12.34")
        amex = sale(host, terminal, "30.00", card="amex")
        amex_refund = refund(host, terminal, "10.00", amex["invoice"], card="amex")
        yield {"host": host, "terminal": terminal, "visa": visa, "amex": amex, "refund": amex_refund}
    finally:
        host.stop()


@pytest.fixture
def host(lab: dict[str, Any]) -> ConsoleHost:
    return lab["host"]


def test_health_names_the_listener_the_dialect_and_the_business_date(host: ConsoleHost) -> None:
    health = host.get("/api/health").json
    assert health["listener"] == host.url and health["dialect"] == "terminal87"
    assert health["journal_ok"] is True and health["uptime_seconds"] > 0
    assert len(health["business_date"]) == 10


def test_every_path_of_the_openapi_description_is_served(host: ConsoleHost) -> None:
    document = host.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    for path, operations in document["paths"].items():
        if path == "/api/stream":
            continue  # endless: test_the_stream_*
        for method in operations:
            if method in ("post", "delete"):
                continue  # checked below with bodies
            answer = host.call(method.upper(), path.replace("{id}", "1"))
            assert answer.status != 405 and (answer.status != 404 or "{id}" in path), (method, path, answer.text)


def test_transactions_come_newest_first_with_masked_pans(lab: dict[str, Any], host: ConsoleHost) -> None:
    items = host.get("/api/transactions").json["transactions"]
    assert [t["type"] for t in items[:3]] == ["refund", "sale", "sale"]
    assert items[2]["rrn"] == lab["visa"]["rrn"] and items[2]["masked_pan"] == "476173******0010"


@pytest.mark.parametrize(("query", "expected"), [
    ("type=refund", ["refund"]),
    ("type=sale&limit=500", ["sale", "sale"]),
    ("terminal=NOSUCH01", []),
    ("status=declined&type=sale", []),
])
def test_transactions_filter_by_type_terminal_and_status(host: ConsoleHost, query: str, expected: list[str]) -> None:
    items = host.get(f"/api/transactions?{query}&to=2999-01-01").json["transactions"]
    assert [t["type"] for t in items if t["amount"] in (1234, 3000, 1000)] == expected


def test_transactions_filter_by_rrn(lab: dict[str, Any], host: ConsoleHost) -> None:
    items = host.get(f"/api/transactions?rrn={lab['amex']['rrn']}").json["transactions"]
    assert [(t["rrn"], t["amount"]) for t in items] == [(lab["amex"]["rrn"], 3000)]


def test_transactions_page_with_a_cursor_without_gaps_or_repeats(host: ConsoleHost) -> None:
    everything = [t["id"] for t in host.get("/api/transactions?limit=500").json["transactions"]]
    paged, cursor = [], ""
    while True:
        page = host.get(f"/api/transactions?limit=1{cursor}").json
        paged += [t["id"] for t in page["transactions"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert paged == everything and len(paged) >= 3


@pytest.mark.parametrize(("query", "field"), [
    ("type=sales", "type"), ("limit=0", "limit"), ("limit=501", "limit"), ("from=yesterday", "from"),
    ("cursor=x", "cursor"), ("colour=red", "colour"), ("status=fine", "status"),
])
def test_a_bad_filter_is_422_naming_it(host: ConsoleHost, query: str, field: str) -> None:
    answer = host.get(f"/api/transactions?{query}")
    assert answer.status == 422 and answer.json["field"] == field


def test_a_transaction_shows_its_messages_as_masked_dumps(lab: dict[str, Any], host: ConsoleHost) -> None:
    item = host.get(f"/api/transactions?rrn={lab['visa']['rrn']}").json["transactions"][0]
    detail = host.get(f"/api/transactions/{item['id']}").json
    assert [m["direction"] for m in detail["messages"]] == ["in", "out"]
    request_dump = detail["messages"][0]["dump"]
    assert "0200" in request_dump and "476173******0010" in request_dump
    assert "4761739001010010" not in json.dumps(detail)


def test_an_unknown_transaction_is_404(host: ConsoleHost) -> None:
    assert host.get("/api/transactions/999999").status == 404


def test_refunds_show_their_original_channel_expected_date_and_credit_status(lab: dict[str, Any],
                                                                             host: ConsoleHost) -> None:
    refunds = host.get("/api/refunds").json["refunds"]
    item = next(r for r in refunds if r["rrn"] == lab["refund"]["rrn"])
    assert item["original"]["rrn"] == lab["amex"]["rrn"] and item["original"]["amount"] == 3000
    assert (item["amount"], item["credit_channel"], item["credit_status"]) == (1000, "BT", "pending")
    assert item["expected_date"] == lab["refund"]["host"]["credit_date"]


def test_terminals_show_sign_on_keys_and_counters(host: ConsoleHost) -> None:
    terminal = next(t for t in host.get("/api/terminals").json["terminals"] if t["terminal_id"] == "POSSIM01")
    assert terminal["known"] and terminal["key_schemes"] == ["mksk", "dukpt-tdes", "dukpt-aes"]
    assert terminal["last_sign_on"] is not None and terminal["counters"]["refund"] >= 1


def test_the_report_is_possim_host_report_json(host: ConsoleHost) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["host", "report", "--data", str(host.data), "--json"]) == 0
    assert host.get("/api/report").json == json.loads(out.getvalue())


def test_a_rule_added_answers_the_next_request_and_once_removed_no_more(lab: dict[str, Any],
                                                                         host: ConsoleHost) -> None:
    added = host.post("/api/rules", {"name": "decline sales", "mti": "0200", "processing_code": "000000",
                                     "respond": "05"})
    assert added.status == 201
    rule_id = added.json["id"]
    listed = host.get("/api/rules").json["rules"]
    assert {"id": rule_id, "rule": added.json["rule"], "fired": 0, "remaining": None} in listed
    declined = sale(host, lab["terminal"], "1.00")
    assert (declined["approved"], declined["response_code"]) == (False, "05")
    assert host.call("DELETE", f"/api/rules/{rule_id}").json == {"removed": rule_id}
    assert sale(host, lab["terminal"], "1.00")["approved"] is True
    assert host.call("DELETE", f"/api/rules/{rule_id}").status == 404


@pytest.mark.parametrize(("rule", "field"), [
    ({"respond": "5"}, "respond"),
    ({"respond": "05", "colour": "red"}, "colour"),
    ({"respond": "05", "drop": True}, "drop"),
    ({"mti": "20", "drop": True}, "mti"),
    ({"delay": 9999}, "delay"),
    ({"drop": True, "times": 0}, "times"),
    ({"amount_min": 1.5, "drop": True}, "amount_min"),
    ({"mti": "0200"}, "action"),
])
def test_a_bad_rule_is_422_naming_the_field_as_the_toml_loader_does(host: ConsoleHost, rule: dict[str, Any],
                                                                    field: str) -> None:
    answer = host.post("/api/rules", rule)
    assert answer.status == 422 and answer.json["field"] == field, answer.text
    assert field in answer.json["error"] or field == "action"


def test_a_rule_must_be_a_json_object_of_bounded_size(host: ConsoleHost) -> None:
    assert host.call("POST", "/api/rules", raw=b"[1, 2]").status == 422
    assert host.call("POST", "/api/rules", raw=b"{not json").status == 400
    assert host.call("POST", "/api/rules", raw=b'{"name": "' + b"x" * 70_000 + b'", "drop": true}').status == 413
    plain = host.call("POST", "/api/rules", raw=b'{"drop": true}', headers={"Content-Type": "text/plain"})
    assert plain.status == 415


def test_a_request_naming_another_host_is_refused(host: ConsoleHost) -> None:
    assert host.get("/api/health", headers={"Host": "attacker.example:80"}).status == 421


@pytest.mark.parametrize("path", ["/host.kek", "/host-journal.sqlite3", "/static/../host.kek", "/%2e%2e/host.kek",
                                  "/console.js/../../host.kek", "/api/../host.toml"])
def test_no_path_reaches_a_file_of_the_data_folder(host: ConsoleHost, path: str) -> None:
    assert host.get(path).status == 404


def test_metrics_parse_with_the_prometheus_text_parser(host: ConsoleHost) -> None:
    families = {f.name: f for f in text_string_to_metric_families(host.get("/metrics").text)}
    requests = {(s.labels["mti"], s.labels["response_code"]): s.value
                for s in families["possim_host_requests"].samples if s.name.endswith("_total")}
    assert requests[("0200", "00")] >= 3 and requests[("0800", "00")] >= 1
    assert any(s.name.endswith("_count") and s.value >= 4
               for s in families["possim_host_request_latency_seconds"].samples)
    assert any(s.name.endswith("_count") and s.value >= 4 for s in families["possim_host_commit_group_size"].samples)
    credits = {s.labels["status"]: s.value for s in families["possim_host_refund_credits"].samples}
    assert credits["pending"] >= 1
    assert "possim_host_open_connections" in families and "possim_host_refused_frames" in families


def _read_events(host: ConsoleHost, found: list[dict[str, Any]], ready: threading.Event, stop: threading.Event) -> None:
    import urllib.request

    with urllib.request.urlopen(host.console + "/api/stream", timeout=10) as stream:
        ready.set()
        name = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "exchange":
                found.append(json.loads(line[6:]))
                if found[-1].get("processing_code") == "000000":
                    stop.set()
                    return


def test_the_stream_shows_each_exchange_with_a_masked_pan(lab: dict[str, Any], host: ConsoleHost) -> None:
    found: list[dict[str, Any]] = []
    ready, done = threading.Event(), threading.Event()
    reader = threading.Thread(target=_read_events, args=(host, found, ready, done), daemon=True)
    reader.start()
    assert ready.wait(10)
    sale(host, lab["terminal"], "2.22")
    assert done.wait(10), found
    event = found[-1]
    assert (event["mti"], event["amount"], event["response_code"], event["terminal_id"]) == ("0200", 222, "00",
                                                                                               "POSSIM01")
    assert event["masked_pan"] == "476173******0010" and event["latency_ms"] > 0


def test_no_response_holds_a_pan_a_key_or_the_kek(lab: dict[str, Any], host: ConsoleHost) -> None:
    for path in ("/api/health", "/api/transactions?limit=500", "/api/refunds", "/api/terminals", "/api/rules",
                 "/api/report", "/metrics", "/", "/console.js", "/api/openapi.json", "/api/business-date"):
        host.get(path)
    for item in host.get("/api/transactions?limit=500").json["transactions"]:
        host.get(f"/api/transactions/{item['id']}")
    secrets = [card.pan for card in load_test_cards().values()]
    secrets += [key.hex().upper() for key in (TEST_KEYS.terminal_master_key, TEST_KEYS.tdes_bdk, TEST_KEYS.aes_bdk)]
    secrets += [(host.data / "host.kek").read_text().strip().upper()]
    assert len(host.answers) > 15
    for answer in host.answers:
        text = answer.text.upper()
        leaked = [secret[:4] + "..." for secret in secrets if secret.upper() in text]
        assert not leaked, f"{leaked} in an answer"


# -- hosts of their own ------------------------------------------------------------------------------------


def test_advancing_the_business_date_posts_a_batch_credit(tmp_path: Path) -> None:
    host = ConsoleHost.start(tmp_path / "host")
    try:
        amex = sale(host, tmp_path / "terminal", "40.00", card="amex")
        rrn = refund(host, tmp_path / "terminal", "15.00", amex["invoice"], card="amex")["rrn"]
        before = next(r for r in host.get("/api/refunds").json["refunds"] if r["rrn"] == rrn)
        assert before["credit_status"] == "pending"
        moved = host.post("/api/business-date", {"days": 7})
        assert moved.status == 200 and moved.json["offset_days"] == 7
        after = next(r for r in host.get("/api/refunds").json["refunds"] if r["rrn"] == rrn)
        assert (after["credit_status"], after["posted_date"]) == ("posted", before["expected_date"])
        back = host.post("/api/business-date", {"date": "2000-01-01"})
        assert back.status == 422 and back.json["field"] == "date" and "never goes back" in back.json["error"]
        for body, field in (({"days": 0}, "days"), ({"days": "1"}, "days"), ({"weeks": 1}, "weeks"),
                            ({"days": 99999}, "days"), ({"date": "tomorrow"}, "date")):
            answer = host.post("/api/business-date", body)
            assert answer.status == 422 and answer.json["field"] == field, (body, answer.text)
        assert host.get("/api/business-date").json["offset_days"] == 7
    finally:
        host.stop()


def test_with_a_token_every_api_call_and_the_stream_need_it(tmp_path: Path) -> None:
    host = ConsoleHost.start(tmp_path / "host", token=TOKEN)
    try:
        for path in ("/api/health", "/api/transactions", "/api/stream", "/metrics", "/api/openapi.json"):
            answer = host.get(path, token="")
            assert answer.status == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer"), path
            assert host.get(path, token="wrong-token-wrong-token").status == 401
        assert host.post("/api/rules", {"drop": True}, token="").status == 401
        assert host.get("/api/health").status == 200
        assert host.get("/").status == 200  # the page holds no data; its calls carry the token
        assert all(TOKEN not in answer.text for answer in host.answers)
    finally:
        host.stop()


def test_a_non_loopback_address_without_a_token_is_refused(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    code = main(["host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path), "--http", "0.0.0.0:0"])
    assert code == 2 and "--http-token-file" in capsys.readouterr().err
