"""Cross-border refunds and DCC through the host's HTTP API, against a real ``possim host --http`` process
(docs/host-api.md): a DCC sale with a UK card at a USD terminal and its partial refund, a domestic sale and
refund, both made with ``possim txn``; the API shows each with ``cross_border`` and the DCC conversion as the
terminal answered it, filters them by currency and side, and reports the refunds by currency and side."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from emv.cards import load_test_cards
from protocols.defaults import TEST_KEYS
from simulator.cli import main
from tests.e2e.console_host import ConsoleHost, refund, sale


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A host whose [dcc] rate for GBP is not the test default (the report must use the host's table); a USD
    terminal offering DCC: a GBP card's DCC sale of USD 20.00 refunded USD 5.00 (GBP 4.14), a US card's sale of
    USD 12.34 refunded USD 2.00."""
    root = tmp_path_factory.mktemp("api-dcc")
    (root / "host").mkdir()
    (root / "host" / "host.toml").write_text('[dcc.rates.USD]\nGBP = "0.8000"\n', encoding="utf-8")
    host = ConsoleHost.start(root / "host")
    try:
        terminal = root / "terminal"
        terminal.mkdir()
        (terminal / "terminal.toml").write_text('dcc = true\ndialect = "terminal87"\n', encoding="utf-8")
        dcc_sale = sale(host, terminal, "20.00", "visa_gbp", "--dcc", "accept")
        dcc_refund = refund(host, terminal, "5.00", dcc_sale["invoice"], "visa_gbp")
        domestic = sale(host, terminal, "12.34", "visa_credit")
        domestic_refund = refund(host, terminal, "2.00", domestic["invoice"], "visa_credit")
        yield {"host": host, "dcc_sale": dcc_sale, "dcc_refund": dcc_refund, "sale": domestic,
               "refund": domestic_refund}
    finally:
        host.stop()


@pytest.fixture
def host(lab: dict[str, Any]) -> ConsoleHost:
    return lab["host"]


def _by_rrn(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["rrn"]: item for item in items}


@pytest.mark.parametrize("name", ["dcc_sale", "dcc_refund"])
def test_a_dcc_transaction_shows_the_conversion_the_terminal_answered(lab: dict[str, Any], host: ConsoleHost,
                                                                      name: str) -> None:
    answer = lab[name]
    item = _by_rrn(host.get("/api/transactions").json["transactions"])[answer["rrn"]]
    assert item["dcc"] == answer["dcc"] and item["cross_border"] is True
    assert (item["amount"], item["currency"]) == (answer["amount"], answer["currency"]) == (item["amount"], "840")


def test_a_dcc_refund_is_in_the_sales_billing_currency(lab: dict[str, Any], host: ConsoleHost) -> None:
    item = _by_rrn(host.get("/api/refunds").json["refunds"])[lab["dcc_refund"]["rrn"]]
    assert item["dcc"] == {"currency": "826", "amount": 414, "rate": "0.8280000", "markup_percent": "3.50",
                           "provider": "POSSIMFX"}  # 0.8000 x 1.035 = 0.828; 5.00 x 0.828 = GBP 4.14
    assert (item["amount"], item["currency"], item["cross_border"], item["credit_channel"]) == (500, "840", True, "XB")


def test_a_domestic_refund_has_no_conversion(lab: dict[str, Any], host: ConsoleHost) -> None:
    item = _by_rrn(host.get("/api/refunds").json["refunds"])[lab["refund"]["rrn"]]
    assert item["cross_border"] is False and "dcc" not in item


def test_one_transaction_shows_its_conversion(lab: dict[str, Any], host: ConsoleHost) -> None:
    listed = _by_rrn(host.get("/api/transactions").json["transactions"])[lab["dcc_refund"]["rrn"]]
    detail = host.get(f"/api/transactions/{listed['id']}").json
    assert detail["dcc"] == lab["dcc_refund"]["dcc"] and detail["cross_border"] is True


@pytest.mark.parametrize(("query", "expected"), [
    ("cross_border=true", {"dcc_sale", "dcc_refund"}),
    ("cross_border=false", {"sale", "refund"}),
    ("currency=USD", {"dcc_sale", "dcc_refund", "sale", "refund"}),
    ("currency=840&cross_border=true&type=refund", {"dcc_refund"}),
    ("currency=GBP", set()),
])
def test_transactions_filter_by_currency_and_side(lab: dict[str, Any], host: ConsoleHost, query: str,
                                                  expected: set[str]) -> None:
    rrns = set(_by_rrn(host.get(f"/api/transactions?{query}").json["transactions"]))
    assert {name for name in ("dcc_sale", "dcc_refund", "sale", "refund") if lab[name]["rrn"] in rrns} == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("cross_border=true", ["dcc_refund"]), ("cross_border=false", ["refund"]), ("currency=usd", ["refund", "dcc_refund"]),
    ("currency=JPY", []),
])
def test_refunds_filter_by_currency_and_side(lab: dict[str, Any], host: ConsoleHost, query: str,
                                             expected: list[str]) -> None:
    rrns = [item["rrn"] for item in host.get(f"/api/refunds?{query}").json["refunds"]]
    assert rrns == [lab[name]["rrn"] for name in expected]


@pytest.mark.parametrize("path", ["/api/transactions", "/api/refunds"])
@pytest.mark.parametrize(("query", "field"), [("currency=XYZ", "currency"), ("cross_border=maybe", "cross_border")])
def test_a_bad_currency_or_side_is_422_naming_it(host: ConsoleHost, path: str, query: str, field: str) -> None:
    answer = host.get(f"{path}?{query}")
    assert answer.status == 422 and answer.json["field"] == field


def test_the_report_breaks_refunds_down_by_currency_and_side(host: ConsoleHost) -> None:
    batch = host.get("/api/report").json["terminals"][0]["batches"][0]
    breakdown = batch["refund_breakdown"]
    assert breakdown["by_currency"] == {"840": {"count": 2, "amount": 700}}
    assert breakdown["domestic"] == {"840": {"count": 1, "amount": 200}}
    assert breakdown["cross_border"] == {"840": {"count": 1, "amount": 500}}
    # GBP 4.14 bought at the host's reference rate: 4.14 / 0.8000 = USD 5.175 -> 5.18, 18 cents over the refund
    # (the test default 0.7850 would give 27)
    assert breakdown["dcc"] == {"826": {"count": 1, "amount": 500, "billing_amount": 414, "currency": "840",
                                        "exchange_difference": 18}}


def test_the_report_is_possim_host_report_json_with_the_hosts_rates(host: ConsoleHost) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["host", "report", "--data", str(host.data), "--json"]) == 0
    assert host.get("/api/report").json == json.loads(out.getvalue())


def test_the_page_knows_each_currencys_code_and_decimals(host: ConsoleHost) -> None:
    terminals = host.get("/api/terminals").json
    assert terminals["currencies"] == {"826": {"alpha": "GBP", "exponent": 2}, "840": {"alpha": "USD", "exponent": 2}}
    assert [t["currency"] for t in terminals["terminals"] if t["terminal_id"] == "POSSIM01"] == ["840"]


def test_no_answer_holds_a_pan_a_key_or_the_kek(host: ConsoleHost) -> None:
    """The secrets scan of test_host_api.py over the answers that carry DCC and cross-border data."""
    before = len(host.answers)  # other tests of the module may or may not have run on this worker's host
    for path in ("/api/transactions?cross_border=true", "/api/refunds?currency=USD", "/api/terminals", "/api/report",
                 "/console.js"):
        host.get(path)
    for item in host.get("/api/transactions?limit=500").json["transactions"]:
        host.get(f"/api/transactions/{item['id']}")
    secrets = [card.pan for card in load_test_cards().values()]
    secrets += [key.hex().upper() for key in (TEST_KEYS.terminal_master_key, TEST_KEYS.tdes_bdk, TEST_KEYS.aes_bdk)]
    secrets += [(host.data / "host.kek").read_text().strip().upper()]
    transactions = host.get("/api/transactions?limit=500").json["transactions"]
    assert transactions and len(host.answers) - before == 5 + 2 + len(transactions)  # every answer above is scanned
    for answer in host.answers:
        leaked = [secret[:4] + "..." for secret in secrets if secret.upper() in answer.text.upper()]
        assert not leaked, f"{leaked} in an answer"
