"""Cross-border refunds over TCP, as a merchant runs them from the command line against the real host on
127.0.0.1 (docs/protocol.md, "Dynamic currency conversion" and "Cross-border refunds"): a DCC sale with a
UK card at a USD terminal on every possim-87 dialect, its partial refunds and the exact remainder in both
currencies, the refusal of a refund in the merchant currency, host ledger against terminal journal, a
terminal killed between rate inquiry and sale, a JPY terminal and card, the cross-border credit channel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emv.cards import load_test_cards
from pos_terminal.journal import Journal
from simulator.cli import main
from simulator.pytest_plugin import PossimHost

POSSIM87_DIALECTS = ("terminal87", "terminal87-tpdu", "iso87ascii", "iso87binary")


class Cli:
    """``possim txn`` on one terminal data folder against the host, answers read as JSON."""

    def __init__(self, host: PossimHost, data: Path, capsys: pytest.CaptureFixture[str], **terminal: str) -> None:
        self.host, self.data, self.capsys = host, data, capsys
        data.mkdir(parents=True, exist_ok=True)
        lines = ["dcc = true", f'dialect = "{host.dialect}"', *(f"{k} = {v}" for k, v in terminal.items())]
        (data / "terminal.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, *argv: str, host: bool = True) -> tuple[int, dict[str, Any]]:
        self.capsys.readouterr()
        args = ["txn", *argv, "--data", str(self.data), "--json"]
        if host:
            args += ["--host", self.host.url]
        code = main(args)
        return code, json.loads(self.capsys.readouterr().out)

    def sale(self, amount: str, card: str, *extra: str) -> dict[str, Any]:
        code, answer = self.run("sale", "--card", card, "--amount", amount, "--pin", load_test_cards()[card].pin,
                                *extra)
        assert code == 0 and answer["approved"], answer
        return answer

    def refund(self, amount: str, invoice: int, card: str, *extra: str) -> tuple[int, dict[str, Any]]:
        return self.run("refund", "--card", card, "--amount", amount, "--invoice", str(invoice),
                        "--supervisor-password", "0000", "--reason", "01", *extra)


@pytest.fixture
def host(tmp_path: Path, dialect: str) -> Iterator[PossimHost]:
    server = PossimHost.start(tmp_path / "host", dialect=dialect)
    yield server
    server.stop()


@pytest.fixture
def cli(host: PossimHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(host, tmp_path / "terminal", capsys)


def _ledger_by_currency(host: PossimHost) -> dict[str, int]:
    """Net debit per currency on the host's ledger, billing sides included."""
    totals: dict[str, int] = defaultdict(int)
    with host.journal() as journal:
        for entry in journal.ledger():
            sign = 1 if entry.direction.value == "debit" else -1
            totals[entry.currency or "?"] += sign * entry.amount
            if entry.billing_currency is not None and entry.billing_amount is not None:
                totals[f"billing {entry.billing_currency}"] += sign * entry.billing_amount
    return dict(totals)


@pytest.mark.parametrize("dialect", POSSIM87_DIALECTS)
def test_dcc_sale_two_partial_refunds_and_the_remainder_add_up_in_both_currencies(cli: Cli, host: PossimHost) -> None:
    sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
    assert (sale["amount"], sale["currency"], sale["cross_border"]) == (2000, "840", True)
    assert sale["dcc"] == {"currency": "826", "amount": 1625, "rate": "0.8124750", "markup_percent": "3.50",
                           "provider": "POSSIMFX"}  # 20.00 x 0.7850 x 1.035 = 16.24950 -> GBP 16.25
    first = cli.refund("5.00", sale["invoice"], "visa_gbp")[1]
    second = cli.refund("7.33", sale["invoice"], "visa_gbp")[1]
    last = cli.refund("7.67", sale["invoice"], "visa_gbp")[1]
    assert [r["dcc"]["amount"] for r in (first, second, last)] == [406, 596, 623]  # 4.0624, 5.9555; the remainder
    assert sum(r["amount"] for r in (first, second, last)) == sale["amount"]
    assert sum(r["dcc"]["amount"] for r in (first, second, last)) == sale["dcc"]["amount"]
    assert last["original"]["refundable_remaining"] == 0
    assert _ledger_by_currency(host) == {"840": 0, "billing 826": 0}


@pytest.mark.parametrize("dialect", POSSIM87_DIALECTS)
def test_a_refund_of_a_dcc_sale_in_the_merchant_currency_is_refused_with_the_reason(cli: Cli, host: PossimHost) -> None:
    sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
    code, answer = cli.refund("5.00", sale["invoice"], "visa_gbp", "--currency", "USD")
    assert code == 1 and not answer["approved"]
    assert "paid in GBP by DCC" in answer["error"] and "refunds go back in GBP" in answer["error"]
    with host.journal() as journal:
        assert [t.mti for t in journal.transactions() if t.processing_code == "200000"] == []


@pytest.mark.parametrize("dialect", POSSIM87_DIALECTS)
def test_host_ledger_and_terminal_journal_agree_in_both_currencies(cli: Cli, host: PossimHost) -> None:
    sale = cli.sale("33.33", "visa_gbp", "--dcc", "accept")
    cli.refund("10.00", sale["invoice"], "visa_gbp")
    journal = Journal.open(cli.data / "journal.sqlite3")
    try:
        records = journal.transactions()
        terminal = {(r.txn_type.value, r.amount, r.dcc.amount if r.dcc else None) for r in records
                    if r.status.value == "approved"}
    finally:
        journal.close()
    with host.journal() as host_journal:
        hosted = {("sale" if t.processing_code == "000000" else "refund", t.amount, t.dcc_amount)
                  for t in host_journal.transactions() if t.status.value == "approved"}
    assert terminal == hosted


def test_a_declined_offer_is_a_plain_sale_in_the_merchant_currency(cli: Cli) -> None:
    sale = cli.sale("20.00", "visa_gbp", "--dcc", "decline")
    assert "dcc" not in sale and sale["dcc_offer"]["choice"] == "declined" and sale["cross_border"] is True


def test_a_jpy_card_at_a_jpy_terminal_is_domestic_to_dcc_and_never_has_a_minor_unit(
        host: PossimHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(host, tmp_path / "jpy", capsys, currency='"392"', country='"392"')
    sale = cli.sale("1000", "jcb_jpy", "--dcc", "accept")
    assert (sale["amount"], sale["currency"], "dcc" not in sale) == (1000, "392", True)
    assert sale["dcc_offer"]["offered"] is False  # billed in JPY: nothing to convert
    capsys.readouterr()
    code = main(["txn", "sale", "--card", "jcb_jpy", "--amount", "10.50", "--pin", "1234", "--data", str(cli.data),
                 "--host", host.url])
    assert code == 2 and "JPY has no minor unit" in capsys.readouterr().err


def test_a_usd_sale_paid_in_yen_converts_to_whole_yen(cli: Cli) -> None:
    sale = cli.sale("12.34", "jcb_jpy", "--dcc", "accept")
    assert sale["dcc"]["currency"] == "392"
    assert sale["dcc"]["amount"] == 1919  # 12.34 x 150.25 x 1.035 = 1918.97... yen, rounded to a whole yen
    assert sale["dcc"]["rate"] == "155.5088"
    refund = cli.refund("3.33", sale["invoice"], "jcb_jpy")[1]
    assert refund["dcc"]["amount"] == 518  # 3.33 x 155.5088 = 517.84 -> 518 yen


def test_a_cross_border_refund_takes_the_cross_border_channel_and_posts_after_advance_date(
        cli: Cli, host: PossimHost) -> None:
    sale = cli.sale("20.00", "mastercard_eur")  # no --dcc: paid in USD, but the card is German
    assert sale["cross_border"] is True and "dcc" not in sale
    code, refund = cli.refund("5.00", sale["invoice"], "mastercard_eur")
    assert code == 0 and refund["host"]["credit_channel"] == "XB" and refund["host"]["credit_status"] == "pending"
    assert main(["host", "advance-date", "--data", str(host.data_dir), "--days", "20"]) == 0
    code, status = cli.run("status", "--invoice", str(refund["invoice"]))
    assert status["credit"]["channel"] == "XB" and status["credit"]["status"] == "posted"
    assert status["cross_border"] is True


def test_a_domestic_card_is_not_cross_border(cli: Cli) -> None:
    sale = cli.sale("20.00", "visa_credit", "--dcc", "accept")
    assert sale["cross_border"] is False and "dcc" not in sale
    refund = cli.refund("5.00", sale["invoice"], "visa_credit")[1]
    assert refund["host"]["credit_channel"] == "RT"


def test_a_rate_inquiry_the_host_declines_leaves_the_sale_in_the_merchant_currency(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = PossimHost.start(tmp_path / "host", rules=[{"mti": "0600", "processing_code": "910000",
                                                         "respond": "05"}])
    try:
        cli = Cli(server, tmp_path / "terminal", capsys)
        sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
        assert "dcc" not in sale and sale["dcc_offer"]["response_code"] == "05"
    finally:
        server.stop()


def test_a_terminal_killed_between_rate_inquiry_and_sale_leaves_nothing_half_done(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = PossimHost.start(tmp_path / "host", rules=[{"mti": "0600", "processing_code": "910000", "delay": 30}])
    try:
        cli = Cli(server, tmp_path / "terminal", capsys, response_timeout="40")
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator.cli", "txn", "sale", "--card", "visa_gbp", "--amount", "20.00",
             "--pin", "1234", "--dcc", "accept", "--data", str(cli.data), "--host", server.url, "--json"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _host_saw_rate_inquiry(server):
            time.sleep(0.1)
        assert _host_saw_rate_inquiry(server)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        journal = Journal.open(cli.data / "journal.sqlite3")
        try:
            assert journal.pending_reversals() == [] and journal.transactions() == []
        finally:
            journal.close()
        with server.journal() as host_journal:
            assert [t for t in host_journal.transactions() if t.mti == "0200"] == []
    finally:
        server.stop()
    server = PossimHost.start(tmp_path / "host")
    try:
        cli.host = server
        assert cli.sale("20.00", "visa_gbp", "--dcc", "accept")["dcc"]["currency"] == "826"
    finally:
        server.stop()


def _host_saw_rate_inquiry(server: PossimHost) -> bool:
    with server.journal() as journal:
        return any(message["mti"] == "0600" for message in journal.messages())


def test_a_multi_currency_terminal_refunds_each_sale_in_its_currency_and_settles_per_currency(
        host: PossimHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(host, tmp_path / "multi", capsys, currencies='["840", "978"]')
    dollars = cli.sale("10.00", "visa_credit")
    euros = cli.sale("20.00", "visa_credit", "--currency", "EUR")
    assert (dollars["currency"], euros["currency"]) == ("840", "978")
    code, refund = cli.refund("5.00", euros["invoice"], "visa_credit")
    assert code == 0 and (refund["amount"], refund["currency"]) == (500, "978")
    code, refused = cli.refund("1.00", euros["invoice"], "visa_credit", "--currency", "USD")
    assert code == 1 and "its refunds are in EUR" in refused["error"]
    code, answer = cli.run("sale", "--card", "visa_credit", "--amount", "1.00", "--pin", "1234", "--currency", "GBP")
    assert code == 1 and "not one this terminal sells in" in answer["error"]
    code, settled = cli.run("settle", "--supervisor-password", "0000")
    assert code == 0 and settled["settlement"]["result"] == "CLOSED"
    by_currency = settled["settlement"]["by_currency"]
    assert by_currency["840"]["debit"] == {"count": 1, "amount": 1000}
    assert by_currency["978"]["debit"] == {"count": 1, "amount": 2000}
    assert by_currency["978"]["credit"] == {"count": 1, "amount": 500}
    with host.journal() as journal:
        assert [s.response_code for s in journal.settlements()] == ["00", "00"]


def test_reports_break_refunds_down_by_currency_and_cross_border(cli: Cli, host: PossimHost) -> None:
    dcc_sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
    domestic = cli.sale("10.00", "visa_credit")
    cli.refund("5.00", dcc_sale["invoice"], "visa_gbp")
    cli.refund("2.00", domestic["invoice"], "visa_credit")
    code, report = cli.run("report", host=False)
    assert code == 0
    assert report["by_currency"]["840"]["refunds"]["amount"] == 700
    assert report["cross_border"] == {"domestic": {"840": {"count": 1, "amount": 200}},
                                      "cross_border": {"840": {"count": 1, "amount": 500}}}
    assert report["dcc_refunds"] == {"826": {"count": 1, "amount": 500, "billing_amount": 406}}
    capsys_main = main(["host", "report", "--data", str(host.data_dir), "--json"])
    assert capsys_main == 0
    hosted = json.loads(cli.capsys.readouterr().out)
    breakdown = hosted["terminals"][0]["batches"][0]["refund_breakdown"]
    assert breakdown["cross_border"] == {"840": {"count": 1, "amount": 500}}
    # GBP 4.06 bought back at the reference rate 0.7850 costs USD 5.17: the merchant pays USD 0.17 more
    assert breakdown["dcc"]["826"] == {"count": 1, "amount": 500, "billing_amount": 406, "currency": "840",
                                       "exchange_difference": 17}


def test_cup_pos_refuses_dcc_with_the_reason_and_sends_nothing(host: PossimHost, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["txn", "sale", "--card", "visa_gbp", "--amount", "20.00", "--pin", "1234", "--dcc", "accept",
                 "--dialect", "cup-pos", "--data", str(tmp_path / "cup"), "--host", host.url, "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 1 and "cup-pos profile has no dynamic currency conversion" in answer["error"]
    with host.journal() as journal:
        assert journal.messages() == []


def test_a_refund_of_a_dcc_sale_is_not_approved_offline(host: PossimHost, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(host, tmp_path / "offline", capsys, offline_refunds="true")
    sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
    code = main(["txn", "refund", "--card", "visa_gbp", "--amount", "5.00", "--invoice", str(sale["invoice"]),
                 "--supervisor-password", "0000", "--data", str(cli.data), "--host", "tcp://127.0.0.1:9", "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 1 and "needs the host's conversion" in answer["error"]


def test_a_rate_inquiry_that_times_out_leaves_the_sale_in_the_merchant_currency(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = PossimHost.start(tmp_path / "host", rules=[{"mti": "0600", "processing_code": "910000", "drop": True}])
    try:
        cli = Cli(server, tmp_path / "terminal", capsys, response_timeout="0.5")
        sale = cli.sale("20.00", "visa_gbp", "--dcc", "accept")
        assert "dcc" not in sale and sale["dcc_offer"]["offered"] is False and "no offer" in sale["dcc_offer"]["reason"]
        assert sale["reversal"] is None  # an inquiry moves nothing: nothing to reverse
    finally:
        server.stop()


def test_a_jpy_terminal_offers_pounds_and_keeps_whole_yen(host: PossimHost, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(host, tmp_path / "jpy", capsys, currency='"392"', country='"392"')
    sale = cli.sale("1000", "visa_gbp", "--dcc", "accept")
    assert (sale["amount"], sale["currency"]) == (1000, "392")  # JPY 1000: DE 4 has no minor unit
    assert sale["dcc"]["currency"] == "826" and sale["dcc"]["rate"] == "0.0054075"  # 0.785 / 150.25 x 1.035, 7 decimals
    assert sale["dcc"]["amount"] == 541  # JPY 1000 x 0.0054075 = GBP 5.4075 -> 5.41
    refund = cli.refund("333", sale["invoice"], "visa_gbp")[1]
    assert (refund["amount"], refund["dcc"]["amount"]) == (333, 180)  # JPY 333 -> GBP 1.80
