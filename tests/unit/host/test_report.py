"""``possim host report``: the journal per terminal and batch, as a table and as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from protocols.iso87 import BatchTotals, TotalsKind
from simulator.cli import main
from simulator.host import HostLogic
from simulator.host.report import build_report, format_amount, report_json

from .conftest import MiniTerminal, card, make_host, rrn_of


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """A host journal with a sale refunded online and by advice, a voided sale, a reversed sale,
    a refused advice, batch 1 settled; one sale in batch 2 (open)."""
    folder = tmp_path / "data"
    host = make_host(folder)
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        sale = rrn_of(mini.sale(10000))
        mini.refund(4000, sale)
        mini.send(mini.advice(1000, sale, offline_code="OFF777"))
        mini.void(rrn_of(mini.sale(2000, card_name="amex")), 2000)
        reversed_sale = mini.financial("000000", 3000)
        mini.send(reversed_sale)
        mini.send(mini.reversal(reversed_sale))
        mini.send(mini.advice(99999, sale))  # 13
        mini.send(mini.settlement(BatchTotals.of([(TotalsKind.DEBIT, 10000), (TotalsKind.DEBIT, 2000),
                                                  (TotalsKind.CREDIT, 4000), (TotalsKind.CREDIT, 1000),
                                                  (TotalsKind.DEBIT_REVERSAL, 2000)])))
        request = mini.financial("000000", 500)
        request.fields[60] = "000002"
        from protocols.security import sign_request

        mini.send(sign_request(request, mini.dialect, mini.session))
    finally:
        host.close()
    yield folder


def _json(folder: Path, *options: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["host", "report", "--data", str(folder), "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def _batch(report: dict[str, Any], number: int) -> dict[str, Any]:
    [terminal] = report["terminals"]
    return next(b for b in terminal["batches"] if b["batch"] == number)


def test_json_report_is_one_object_per_terminal_and_batch(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(data, capsys=capsys)
    assert [(t["terminal_id"], [b["batch"] for b in t["batches"]]) for t in report["terminals"]] == [
        ("POSSIM01", [1, 2])]


def test_report_lists_what_was_sold(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sales = _batch(_json(data, capsys=capsys), 1)["sales"]
    assert [(s["amount"], s["status"]) for s in sales] == [(10000, "approved"), (2000, "voided"), (3000, "reversed")]


def test_report_lists_refunds_with_masked_pan_rrn_channel_and_credit_date(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refunds = _batch(_json(data, capsys=capsys), 1)["refunds"]
    assert [(r["kind"], r["amount"], r["credit_channel"], r["credit_date"], r["credited"]) for r in refunds] == [
        ("refund", 4000, "RT", "2025-03-14", True), ("advice", 1000, "RT", "2025-03-14", True)]
    assert all(r["rrn"] and r["masked_pan"] == "476173******0010" for r in refunds)


def test_report_never_shows_a_full_pan(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "report", "--data", str(data)]) == 0
    text = capsys.readouterr().out
    assert card("visa_credit").pan not in text and card("amex").pan not in text
    assert card("visa_credit").pan not in json.dumps(_json(data, capsys=capsys))


def test_report_lists_voids_and_reversed_transactions(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = _batch(_json(data, capsys=capsys), 1)
    assert [(v["kind"], v["amount"]) for v in batch["voids"]] == [("void of sale", 2000)]
    assert [(r["kind"], r["amount"]) for r in batch["reversed"]] == [("sale", 3000)]


def test_report_lists_a_refused_advice_among_the_declined(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    declined = _batch(_json(data, capsys=capsys), 1)["declined"]
    assert [(d["kind"], d["response_code"], d["amount"]) for d in declined] == [("advice", "13", 99999)]


def test_report_shows_the_settled_batch_with_both_totals(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = _batch(_json(data, capsys=capsys), 1)
    assert batch["settled"] and batch["settled_at"].startswith("2025-03-14T10:00")
    [attempt] = batch["settlements"]
    assert (attempt["result"], attempt["compared_with"]) == ("settled", "journal")
    assert attempt["terminal_totals"] == attempt["host_totals"] == batch["totals"]
    assert batch["totals"]["credit"] == {"count": 2, "amount": 5000}


def test_report_shows_an_open_batch(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = _batch(_json(data, capsys=capsys), 2)
    assert (batch["settled"], batch["settlements"], len(batch["sales"])) == (False, [], 1)


def test_report_shows_a_mismatch_as_not_settled(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        mini.sale(100)
        mini.send(mini.settlement(BatchTotals.of([])))
        [batch] = report_json(build_report(host.journal))["terminals"][0]["batches"]
        assert (batch["settled"], batch["settlements"][0]["result"]) == (False, "mismatch")
    finally:
        host.close()


def test_batch_option_selects_one_batch(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(data, "--batch", "000002", capsys=capsys)
    assert [b["batch"] for b in report["terminals"][0]["batches"]] == [2]


def test_terminal_option_selects_one_terminal(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _json(data, "--terminal", "OTHER001", capsys=capsys)["terminals"] == []


def test_text_report_has_the_sections(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "report", "--data", str(data), "--batch", "1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Business date ") and "\n\nTerminal POSSIM01  batch 000001  -  settled 2025-03-14T10:00" in text
    for heading in ("Sold:", "Refunded:", "Voided:", "Reversed:", "Declined:", "Host totals:", "Settlements:"):
        assert heading in text
    assert "USD 40.00" in text and "2025-03-14" in text


def test_data_option_before_the_report_sub_command_works(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "--data", str(data), "report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["terminals"]


def test_report_without_a_journal_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "report", "--data", str(tmp_path)]) == 2
    assert "no host journal" in capsys.readouterr().err
    assert not (tmp_path / "host-journal.sqlite3").exists()


def test_malformed_batch_option_is_bad_input(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "report", "--data", str(data), "--batch", "one"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_amounts_use_the_currency_minor_units() -> None:
    assert (format_amount(1050, "840"), format_amount(1050, "392"), format_amount(1050, "048")) == (
        "USD 10.50", "JPY 1050", "BHD 1.050")


def test_report_reads_a_journal_the_host_still_holds_open(host: HostLogic, terminal: MiniTerminal) -> None:
    terminal.sale(100)
    assert len(build_report(host.journal).batches) == 1


@pytest.fixture
def velocity_declined(tmp_path: Path) -> Iterator[Path]:
    """A journal with a refund the host's anti-fraud rule refused (a second refund to one card today: 65)."""
    from simulator.host.config import RefundPolicy

    folder = tmp_path / "velocity"
    host = make_host(folder, refund_policy=RefundPolicy(max_refunds_per_card_per_day=1))
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        sale = rrn_of(mini.sale(10000))
        assert mini.refund(1000, sale).response_code == "00"
        assert mini.refund(1000, sale).response_code == "65"
    finally:
        host.close()
    yield folder


def test_the_json_report_names_the_rule_that_declined_a_refund(velocity_declined: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    [declined] = _batch(_json(velocity_declined, capsys=capsys), 1)["declined"]
    assert declined["response_code"] == "65" and "max_refunds_per_card_per_day" in declined["declined_by"]


def test_the_text_report_names_the_rule_that_declined_a_refund(velocity_declined: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host", "report", "--data", str(velocity_declined)]) == 0
    text = capsys.readouterr().out
    declined = text[text.index("Declined"):]
    assert "max_refunds_per_card_per_day" in declined
