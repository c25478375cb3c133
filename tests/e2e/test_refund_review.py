"""Refund review from the command line against the real host: a supervisor lockout that holds across
processes, the merchant admin's unlock, the audit trail, and the terminal's refund policy."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.common.results import Outcome
from emv.cards import EntryMode
from simulator.cli import main
from simulator.pytest_plugin import PossimHost
from tests.cli_runner import run_possim


@pytest.fixture
def host(tmp_path: Path) -> Iterator[PossimHost]:
    server = PossimHost.start(tmp_path / "host")
    yield server
    server.stop()


def txn(capsys: pytest.CaptureFixture[str], data: Path, host: PossimHost, *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["txn", *argv, "--data", str(data), "--host", host.url, "--json"])
    return code, json.loads(capsys.readouterr().out)


def refund_args(invoice: int, password: str, amount: str = "1.00") -> list[str]:
    return ["refund", "--card", "visa_credit", "--amount", amount, "--invoice", str(invoice),
            "--supervisor-password", password]


def test_three_wrong_passwords_lock_refund_void_and_settlement_then_the_right_one_is_refused(
        tmp_path: Path, host: PossimHost, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "terminal"
    code, sale = txn(capsys, data, host, "sale", "--card", "visa_credit", "--amount", "20.00", "--pin", "1234")
    assert code == 0
    assert txn(capsys, data, host, *refund_args(sale["invoice"], "1111"))[0] == 1
    assert txn(capsys, data, host, "void", "--invoice", "1", "--supervisor-password", "2222")[0] == 1
    code, third = txn(capsys, data, host, *refund_args(sale["invoice"], "3333"))
    assert code == 1 and "locked until" in third["error"]
    for argv in (refund_args(sale["invoice"], "0000"), ["void", "--invoice", "1", "--supervisor-password", "0000"],
                 ["settle", "--supervisor-password", "0000"]):
        code, answer = txn(capsys, data, host, *argv)
        assert code == 1 and "supervisor functions are locked until" in answer["error"] and " UTC" in answer["error"]
    host_journal = host.journal()
    assert [t.processing_code for t in host_journal.transactions()] == ["000000"]  # nothing after the sale
    host_journal.close()


def test_the_count_holds_across_processes(tmp_path: Path, host: PossimHost, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "terminal"
    void = ["txn", "void", "--invoice", "1", "--data", str(data), "--host", host.url, "--supervisor-password-stdin"]
    for password in ("1111", "2222", "3333"):  # three command lines, one engine each, in this process
        run_possim(capsys, *void, stdin=f"{password}\n", monkeypatch=monkeypatch)
    # ... and another process sees the count: the lock lives in the data folder, not in memory.
    last = subprocess.run([sys.executable, "-m", "simulator.cli", *void], input="0000\n", capture_output=True,
                          text=True, timeout=60, check=False)
    assert last.returncode == 1 and "locked until" in last.stdout


def test_the_merchant_admin_unlocks_and_every_decision_is_audited(
        tmp_path: Path, host: PossimHost, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "terminal"
    code, sale = txn(capsys, data, host, "sale", "--card", "visa_credit", "--amount", "20.00", "--pin", "1234")
    for password in ("4711", "4712", "4713", "0000"):
        txn(capsys, data, host, *refund_args(sale["invoice"], password))
    capsys.readouterr()
    assert main(["txn", "unlock", "--data", str(data), "--admin-password", "0000", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["unlocked"] is False
    assert main(["txn", "unlock", "--data", str(data), "--admin-password", "9999", "--json"]) == 0
    capsys.readouterr()
    code, refund = txn(capsys, data, host, *refund_args(sale["invoice"], "0000"))
    assert code == 0 and refund["approved"]
    assert main(["txn", "history", "--data", str(data), "--type", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)["audit"]
    decisions = [(entry["operation"], entry["decision"]) for entry in reversed(audit)]
    assert decisions == [("refund", "refused"), ("refund", "refused"), ("refund", "locked"),
                         ("refund", "refused-locked"), ("unlock", "unlock-refused"), ("unlock", "unlocked"),
                         ("refund", "granted")]
    assert all(entry["at"].endswith("Z") for entry in audit)
    assert not any(password in json.dumps(audit) for password in ("4711", "4712", "4713"))


def test_a_secret_can_come_from_standard_input_instead_of_the_process_list(
        tmp_path: Path, host: PossimHost, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "terminal"
    sale = run_possim(capsys, "txn", "sale", "--data", str(data), "--host", host.url, "--card", "visa_credit",
                      "--amount", "5.00", "--pin-stdin", "--json", stdin="1234\n", monkeypatch=monkeypatch)
    assert sale.returncode == 0 and json.loads(sale.stdout)["approved"]


# ------------------------------------------------------------------ the terminal's refund policy


@pytest.fixture
def engine_at(tmp_path: Path, host: PossimHost):  # type: ignore[no-untyped-def]
    """A terminal engine on one data folder whose clock the test sets."""
    engines: list[TerminalEngine] = []
    moment = [datetime.now(UTC)]

    def open_(**overrides: Any) -> tuple[TerminalEngine, list[datetime]]:
        data = tmp_path / "terminal"
        config = load_config(data, password_iterations=1000).with_overrides(host_url=host.url, **overrides)
        engine = TerminalEngine.open(data, config, clock=lambda: moment[0])
        engines.append(engine)
        return engine, moment

    yield open_
    for engine in engines:
        engine.close()


def refund_request(invoice: int, amount: int) -> RefundRequest:
    return RefundRequest(card=present_test_card("visa_credit", EntryMode.CHIP), amount=amount,
                         supervisor_password="0000", original_invoice=invoice, reason="01")


async def test_a_refund_above_the_single_refund_limit_names_the_rule(engine_at) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine_at(max_refund_amount=1000)
    sale = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 5000, "1234")
    result = await engine.refund(refund_request(sale.invoice, 1500))
    assert result.outcome is Outcome.REFUSED
    assert result.error == ("refund policy max_refund_amount: USD 15.00 is above the terminal's single-refund limit "
                            "USD 10.00")
    assert result.screen == ("OVER REFUND LIMIT", "MAX USD 10.00")


async def test_a_refund_of_a_sale_older_than_the_limit_needs_a_manual_adjustment(engine_at) -> None:  # type: ignore[no-untyped-def]
    engine, moment = engine_at(refund_max_age_days=30)
    sale = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 5000, "1234")
    moment[0] += timedelta(days=31)
    result = await engine.refund(refund_request(sale.invoice, 100))
    assert result.outcome is Outcome.REFUSED
    assert result.error.startswith("refund policy refund_max_age_days: the original sale is 31 days old (limit 30)")
    assert "manual adjustment" in result.error


async def test_refunds_per_card_per_day_are_limited(engine_at) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine_at(max_refunds_per_card_per_day=2)
    sale = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 5000, "1234")
    for _ in range(2):
        assert (await engine.refund(refund_request(sale.invoice, 100))).approved
    third = await engine.refund(refund_request(sale.invoice, 100))
    assert third.outcome is Outcome.REFUSED
    assert third.error == "refund policy max_refunds_per_card_per_day: this card already had 2 refunds today (limit 2)"


async def test_a_void_of_a_closed_batch_is_refused_with_the_rule(engine_at) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine_at()
    sale = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 5000, "1234")
    assert (await engine.settle("0000")).approved
    void = await engine.void(sale.invoice, "0000")
    assert void.outcome is Outcome.REFUSED
    assert void.error == ("void policy: invoice 000001 is in closed batch 000001; only the open batch 000002 can be "
                          "voided (refund it instead)")


async def test_settlement_without_the_supervisor_password_is_refused_and_sends_nothing(engine_at) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine_at()
    await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 5000, "1234")
    settled = await engine.settle()
    assert (settled.outcome, settled.error) == (
        Outcome.REFUSED, "settlement is a supervisor function: give the supervisor password")
    assert engine.journal.current_batch() == 1
