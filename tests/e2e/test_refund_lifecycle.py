"""The refund after approval, as a merchant runs it from the command line against the real host on 127.0.0.1:
the original in every answer, status (from the journal and from the host), credits that post when the
host's business date reaches them, history, statistics, receipts and e-receipts."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest

from emv.cards import load_test_cards
from simulator.cli import main
from simulator.pytest_plugin import PossimHost

TODAY = datetime.now(UTC).date()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[PossimHost]:
    server = PossimHost.start(tmp_path / "host")
    yield server
    server.stop()


class Cli:
    """``possim txn`` on one terminal data folder against the host, answers read as JSON."""

    def __init__(self, host: PossimHost, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.host, self.data, self.capsys = host, data, capsys

    def run(self, *argv: str, host: bool = True) -> tuple[int, dict[str, Any]]:
        self.capsys.readouterr()
        args = ["txn", *argv, "--data", str(self.data), "--json"]
        if host:
            args += ["--host", self.host.url]
        code = main(args)
        return code, json.loads(self.capsys.readouterr().out)

    def sale(self, amount: str, card: str = "visa_credit") -> dict[str, Any]:
        code, answer = self.run("sale", "--card", card, "--amount", amount, "--pin", load_test_cards()[card].pin)
        assert code == 0 and answer["approved"], answer
        return answer

    def refund(self, amount: str, invoice: int, card: str = "visa_credit", reason: str = "01",
               *extra: str) -> dict[str, Any]:
        code, answer = self.run("refund", "--card", card, "--amount", amount, "--invoice", str(invoice),
                                "--supervisor-password", "0000", "--reason", reason, *extra)
        assert code == 0 and answer["approved"], answer
        return answer


@pytest.fixture
def cli(host: PossimHost, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(host, tmp_path / "terminal", capsys)


def test_a_refunds_answer_names_its_original_and_what_is_left(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    assert refund["original"] == {"type": "sale", "rrn": sale["rrn"], "invoice": sale["invoice"],
                                  "date": TODAY.isoformat(), "amount": 2000, "refundable_remaining": 1500}


def test_status_of_a_partially_refunded_sale(cli: Cli) -> None:
    sale = cli.sale("20.00")
    cli.refund("5.00", sale["invoice"])
    cli.refund("2.50", sale["invoice"])
    code, status = cli.run("status", "--rrn", sale["rrn"], host=False)
    assert code == 0
    assert (status["type"], status["status"], status["amount"], status["currency"]) == ("sale", "approved", 2000, "840")
    assert (status["invoice"], status["rrn"], status["date"]) == (sale["invoice"], sale["rrn"], TODAY.isoformat())
    assert (status["refunded"], status["refundable_remaining"]) == (750, 1250)
    assert status["masked_pan"] == "476173******0010"


def test_status_of_a_refund_has_its_original_and_its_credit(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    code, status = cli.run("status", "--invoice", str(refund["invoice"]), host=False)
    assert code == 0 and (status["type"], status["status"], status["reason"]) == ("refund", "approved", "01")
    assert status["original"] == {"type": "sale", "rrn": sale["rrn"], "invoice": sale["invoice"],
                                  "date": TODAY.isoformat(), "amount": 2000, "refundable_remaining": 1500}
    assert status["credit"] == {"channel": "RT", "expected_date": TODAY.isoformat(), "status": "posted",
                                "posted_date": TODAY.isoformat(), "checked_at": None}


def test_a_batch_channel_refund_posts_when_the_hosts_business_date_reaches_it(cli: Cli, host: PossimHost,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    sale = cli.sale("30.00", card="amex")
    refund = cli.refund("10.00", sale["invoice"], card="amex")
    expected = refund["host"]["credit_date"]
    code, status = cli.run("status", "--rrn", refund["rrn"])
    assert code == 0 and status["credit"]["status"] == "pending" and status["credit"]["channel"] == "BT"
    assert status["host"]["response_code"] == "00" and status["host"]["credit_status"] == "pending"
    assert main(["host", "advance-date", "--data", str(host.data_dir), "--days", "7"]) == 0
    capsys.readouterr()
    code, status = cli.run("status", "--rrn", refund["rrn"])
    assert code == 0 and status["credit"]["status"] == "posted"
    assert status["credit"]["posted_date"] == expected
    assert status["credit"]["checked_at"] is not None
    code, later = cli.run("status", "--rrn", refund["rrn"], host=False)  # the journal keeps the host's last word
    assert later["credit"]["status"] == "posted"


def test_the_host_moves_its_date_only_forward(host: PossimHost, capsys: pytest.CaptureFixture[str]) -> None:
    main(["host", "report", "--data", str(host.data_dir)])  # the journal exists once the host ran
    capsys.readouterr()
    past = (TODAY - timedelta(days=1)).isoformat()
    assert main(["host", "advance-date", "--data", str(host.data_dir), "--to", past]) == 2
    assert "never goes back" in capsys.readouterr().err


def test_a_voided_refund_is_voided_and_its_credit_cancelled(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    code, void = cli.run("void", "--invoice", str(refund["invoice"]), "--supervisor-password", "0000")
    assert code == 0 and void["approved"]
    code, status = cli.run("status", "--invoice", str(refund["invoice"]), host=False)
    assert status["status"] == "voided" and status["voided_by_invoice"] == void["invoice"]
    assert status["credit"]["status"] == "cancelled"
    code, sale_status = cli.run("status", "--invoice", str(sale["invoice"]), host=False)
    assert (sale_status["refunded"], sale_status["refundable_remaining"]) == (0, 2000)
    code, asked = cli.run("status", "--invoice", str(refund["invoice"]))
    assert asked["host"]["host_status"] == "voided" and asked["host"]["credit_status"] == "cancelled"


def test_the_settlement_report_shows_a_voided_refund_as_voided_never_under_funds_arrival(cli: Cli) -> None:
    sale = cli.sale("20.00")
    kept = cli.refund("5.00", sale["invoice"])
    voided = cli.refund("3.00", sale["invoice"])
    assert cli.run("void", "--invoice", str(voided["invoice"]), "--supervisor-password", "0000")[0] == 0
    code, settled = cli.run("settle", "--supervisor-password", "0000")
    assert code == 0 and settled["approved"]
    lines = settled["receipt"]
    arrival, voided_part = lines.index("FUNDS ARRIVAL OF REFUNDS"), lines.index("VOIDED REFUNDS (NO FUNDS MOVE)")
    assert any(line.startswith(f"{kept['invoice']:06d} RT") for line in lines[arrival:voided_part])
    assert not any(line.startswith(f"{voided['invoice']:06d}") for line in lines[arrival:voided_part])
    assert f"{voided['invoice']:06d} VOIDED" in lines[voided_part + 1]
    assert all(len(line) <= 32 for line in lines)
    entries = {entry["invoice"]: entry for entry in settled["settlement"]["refunds"]}
    assert entries[voided["invoice"]]["status"] == "voided" and entries[voided["invoice"]]["credit_date"] is None


def test_history_is_newest_first_and_filters_by_type_and_day(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    code, history = cli.run("history", host=False)
    assert code == 0 and [entry["invoice"] for entry in history["transactions"]] == [refund["invoice"], sale["invoice"]]
    assert [entry["status"] for entry in history["transactions"]] == ["approved", "approved"]
    code, refunds = cli.run("history", "--type", "refund", host=False)
    assert [entry["type"] for entry in refunds["transactions"]] == ["refund"]
    assert refunds["transactions"][0]["original"]["invoice"] == sale["invoice"]
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    code, none = cli.run("history", "--from", tomorrow, host=False)
    assert code == 0 and none == {"transactions": []}


def test_history_refuses_a_malformed_day(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    cli.sale("1.00")
    capsys.readouterr()
    assert main(["txn", "history", "--data", str(cli.data), "--from", "2026-13-01"]) == 2
    assert "--from '2026-13-01': expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_the_report_never_counts_a_voided_refund_as_a_refund(cli: Cli) -> None:
    sale = cli.sale("20.00")
    amex = cli.sale("30.00", card="amex")
    cli.refund("5.00", sale["invoice"], "visa_credit", "01")
    voided = cli.refund("3.00", sale["invoice"], "visa_credit", "05")
    cli.refund("10.00", amex["invoice"], "amex", "02")
    assert cli.run("void", "--invoice", str(voided["invoice"]), "--supervisor-password", "0000")[0] == 0
    code, report = cli.run("report", "--from", TODAY.isoformat(), "--to", TODAY.isoformat(), host=False)
    assert code == 0
    assert report["sales"] == {"count": 2, "amount": 5000}
    refunds = report["refunds"]
    assert (refunds["count"], refunds["amount"]) == (2, 1500)
    assert refunds["by_reason"] == {"01": {"count": 1, "amount": 500}, "02": {"count": 1, "amount": 1000}}
    assert refunds["by_brand"] == {"amex": {"count": 1, "amount": 1000}, "visa": {"count": 1, "amount": 500}}
    assert refunds["by_channel"] == {"BT": {"count": 1, "amount": 1000}, "RT": {"count": 1, "amount": 500}}
    assert report["voided"] == {"sales": {"count": 0, "amount": 0}, "refunds": {"count": 1, "amount": 300}}
    assert report["refund_rate"] == {"amount": 0.3, "count": 1.0}
    assert report["days_to_arrival"]["min"] == 0 and report["days_to_arrival"]["max"] >= 2


def test_every_completed_transaction_keeps_its_customer_receipt_with_the_masked_pan_only(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    text = Path(refund["receipt_file"])
    assert text.parent == cli.data / "receipts" and text.name.endswith("-refund-inv000002.txt")
    lines = text.read_text().splitlines()
    assert "CUSTOMER COPY" in lines[-1]
    assert any(line.startswith("ORIGINAL RRN") and line.endswith(sale["rrn"]) for line in lines)
    assert any(line.startswith("LEFT TO REFUND") and line.endswith("USD 15.00") for line in lines)
    pan = load_test_cards()["visa_credit"].pan
    for path in (cli.data / "receipts").iterdir():
        content = path.read_text()
        assert "476173******0010" in content and pan not in content
    data = json.loads(text.with_suffix(".json").read_text())
    assert data["original"]["rrn"] == sale["rrn"] and data["receipt"] == lines


def test_an_ereceipt_is_an_email_with_text_and_html_parts(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"], "visa_credit", "01", "--email", "jane@example.com")
    path = Path(refund["ereceipt_file"])
    assert path.parent == cli.data / "outbox" and path.suffix == ".eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "jane@example.com" and "REFUND USD 5.00" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    pan = load_test_cards()["visa_credit"].pan
    for part in (text, html):
        assert "476173******0010" in part and pan not in part and sale["rrn"] in part


def test_an_ereceipt_to_a_phone_number_goes_to_the_sms_gateway_address(cli: Cli) -> None:
    sale = cli.sale("20.00")
    code, void = cli.run("void", "--invoice", str(sale["invoice"]), "--supervisor-password", "0000",
                         "--phone", "+86 138 0013 8000")
    message = email.message_from_bytes(Path(void["ereceipt_file"]).read_bytes(), policy=policy.default)
    assert code == 0 and message["To"] == "8613800138000@sms.possim.invalid"


def test_a_malformed_ereceipt_address_is_bad_input_before_anything_is_sent(cli: Cli,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["txn", "sale", "--data", str(cli.data), "--host", cli.host.url, "--card", "visa_credit",
                 "--amount", "1.00", "--email", "not an address"]) == 2
    assert "--email" in capsys.readouterr().err
    assert not (cli.data / "journal.sqlite3").exists() or cli.run("history", host=False)[1]["transactions"] == []


def test_status_of_an_unknown_transaction_is_exit_1(cli: Cli) -> None:
    cli.sale("1.00")
    code, answer = cli.run("status", "--rrn", "999999999999", host=False)
    assert code == 1 and "no transaction with RRN 999999999999" in answer["error"]


def test_status_with_an_unreachable_host_shows_the_journal_and_exits_3(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    own = PossimHost.start(tmp_path / "own-host")
    cli = Cli(own, tmp_path / "own-terminal", capsys)
    try:
        sale = cli.sale("20.00")
        refund = cli.refund("5.00", sale["invoice"])
    finally:
        own.stop()
    code, status = cli.run("status", "--rrn", refund["rrn"])
    assert code == 3 and status["status"] == "approved" and "unreachable" in status["host"]["error"]


def test_the_host_report_lists_refunds_by_credit_status_and_arrival(cli: Cli, host: PossimHost,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    sale = cli.sale("30.00", card="amex")
    refund = cli.refund("10.00", sale["invoice"], card="amex")
    capsys.readouterr()
    assert main(["host", "report", "--data", str(host.data_dir), "--json"]) == 0
    batch = json.loads(capsys.readouterr().out)["terminals"][0]["batches"][0]
    assert batch["refund_credits"]["by_status"]["pending"] == {"count": 1, "amount": 1000}
    expected = refund["host"]["credit_date"]
    assert batch["refund_credits"]["by_arrival"] == {expected: {"count": 1, "amount": 1000}}
    assert batch["refunds"][0]["credit_status"] == "pending"


def test_status_by_the_rrn_of_a_voided_refund_finds_the_refund_voided_naming_the_void(cli: Cli) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    code, void = cli.run("void", "--invoice", str(refund["invoice"]), "--supervisor-password", "0000")
    assert code == 0 and void["rrn"] == refund["rrn"]  # the void carries its refund's RRN
    code, status = cli.run("status", "--rrn", refund["rrn"], host=False)
    assert code == 0 and (status["type"], status["invoice"], status["status"]) == ("refund", refund["invoice"],
                                                                                  "voided")
    assert status["voided_by_invoice"] == void["invoice"]


def test_status_text_with_the_host_says_the_hosts_status_of_a_voided_refund(
        cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    sale = cli.sale("20.00")
    refund = cli.refund("5.00", sale["invoice"])
    cli.run("void", "--invoice", str(refund["invoice"]), "--supervisor-password", "0000")
    capsys.readouterr()
    assert main(["txn", "status", "--data", str(cli.data), "--rrn", refund["rrn"], "--host", cli.host.url]) == 0
    host_line = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("host"))
    assert "voided" in host_line and "credit cancelled" in host_line


def test_status_date_must_be_a_day_and_goes_with_rrn(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    sale = cli.sale("20.00")
    capsys.readouterr()
    data = str(cli.data)
    assert main(["txn", "status", "--data", data, "--rrn", sale["rrn"], "--date", "1209"]) == 2
    assert "--date" in capsys.readouterr().err
    assert main(["txn", "status", "--data", data, "--invoice", "1", "--date", TODAY.isoformat()]) == 2
    assert "--date goes with --rrn" in capsys.readouterr().err
    assert main(["txn", "status", "--data", data, "--rrn", sale["rrn"], "--date", TODAY.isoformat()]) == 0


def test_dates_in_json_answers_are_iso_8601_like_expected_date(cli: Cli) -> None:
    sale = cli.sale("30.00", card="amex")
    refund = cli.refund("10.00", sale["invoice"], card="amex")
    code, status = cli.run("status", "--rrn", refund["rrn"])
    assert refund["host"]["credit_date"] == status["credit"]["expected_date"] == status["host"]["credit_date"]
    assert datetime.strptime(refund["host"]["credit_date"], "%Y-%m-%d")
