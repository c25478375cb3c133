"""cup-pos from the command line, as a user runs it: ``possim host --dialect cup-pos`` in its own process and
``possim txn ... --dialect cup-pos`` against it (sign-on schemes, sign-off)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, run_possim


def txn(capsys: pytest.CaptureFixture[str], url: str, folder: Path, *args: str) -> CliResult:
    return run_possim(capsys, "txn", *args, "--host", url, "--data", str(folder), "--dialect", "cup-pos", "--json")


def test_signoff_from_the_command_line_is_answered_00(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cup_host_process: str,
) -> None:
    folder = tmp_path / "shop"
    assert json.loads(txn(capsys, cup_host_process, folder, "signon").stdout)["approved"]
    result = txn(capsys, cup_host_process, folder, "signoff")
    answer = json.loads(result.stdout)
    assert (result.returncode, answer["operation"], answer["response_code"], answer["approved"]) == (
        0, "signoff", "00", True)


def test_signoff_is_refused_exit_1_by_a_protocol_without_one(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    result = run_possim(capsys, "txn", "signoff", "--host", "tcp://127.0.0.1:9", "--data", str(tmp_path / "t"),
                        "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1 and answer["error"] == "the possim-87 protocol has no signoff"


def test_a_cup_refunds_credit_is_not_reported_rather_than_pending_for_ever(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cup_host_process: str,
) -> None:
    """The CUP POS messages carry no credit channel or date and have no status inquiry: the refund's credit says
    so (``not-reported``), and asking the host is refused (exit 1) naming why."""
    folder = tmp_path / "shop"
    sale = run_possim(capsys, "txn", "sale", "--host", cup_host_process, "--data", str(folder), "--dialect", "cup-pos",
                      "--card", "unionpay_debit", "--amount", "10.00", "--pin-stdin", "--json", stdin="111101\n",
                      monkeypatch=monkeypatch)
    assert json.loads(sale.stdout)["approved"]
    refund = run_possim(capsys, "txn", "refund", "--host", cup_host_process, "--data", str(folder), "--dialect",
                        "cup-pos", "--card", "unionpay_debit", "--entry", "swipe", "--amount", "3.00", "--invoice", "1",
                        "--reason", "01", "--supervisor-password-stdin", "--json", stdin="0000\n",
                        monkeypatch=monkeypatch)
    answer = json.loads(refund.stdout)
    assert answer["approved"]
    status = json.loads(run_possim(capsys, "txn", "status", "--data", str(folder), "--invoice",
                                   str(answer["invoice"]), "--json").stdout)
    assert status["credit"]["status"] == "not-reported"
    asked = run_possim(capsys, "txn", "status", "--data", str(folder), "--invoice", str(answer["invoice"]), "--host",
                       cup_host_process, "--dialect", "cup-pos", "--json")
    assert asked.returncode == 1
    assert "cup-pos profile has no status inquiry" in json.loads(asked.stdout)["host"]["error"]
    text = run_possim(capsys, "txn", "status", "--data", str(folder), "--invoice", str(answer["invoice"])).stdout
    assert "funds           not-reported" in text


@pytest.mark.parametrize(("file", "text", "flags", "message"), [
    ("host.toml", 'cup_batch_mac = "always"\n', ("--host",),
     "cup_batch_mac: expected \"accept\" or \"require\", got 'always'"),
    ("terminal.toml", 'cup_batch_mac = "yes"\n', (), "cup_batch_mac: must be true or false, got 'yes'"),
])
def test_a_cup_batch_mac_value_out_of_range_is_refused_exit_2_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, file: str, text: str, flags: tuple[str, ...], message: str,
) -> None:
    (tmp_path / file).write_text(text)
    result = run_possim(capsys, "config", "show", "--data", str(tmp_path), *flags)
    assert result.returncode == 2 and f"{file}: {message}" in result.stderr
