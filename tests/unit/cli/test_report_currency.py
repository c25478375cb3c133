"""``possim txn report`` speaks the currency of the journal's transactions (a cup-pos terminal: CNY)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_terminal.journal import Journal
from tests.cli_runner import run_possim
from tests.unit.pos_terminal.test_journal import T0, approve, sale


@pytest.fixture
def cny_terminal(tmp_path: Path) -> Path:
    """A terminal whose sales were made in CNY (chosen with --dialect cup-pos; terminal.toml says nothing)."""
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        approve(journal, journal.begin_transaction(sale(2500, currency="156"), now=T0).id)
    return tmp_path


def test_the_json_report_is_in_cny(cny_terminal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, "txn", "report", "--data", str(cny_terminal), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["currency"] == "156" and report["sales"]["amount"] == 2500


def test_the_text_report_says_cny(cny_terminal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, "txn", "report", "--data", str(cny_terminal))
    assert "CNY" in result.stdout and "USD" not in result.stdout
