"""``possim txn settle`` is a supervisor function: no password, a clear refusal; a wrong one counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos_terminal.journal import Journal
from tests.cli_runner import run_possim

NOWHERE = "tcp://127.0.0.1:1"  # nothing may be sent: a refusal comes before any connection


def test_settle_without_a_password_is_refused_naming_the_option(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, "txn", "settle", "--data", str(tmp_path), "--host", NOWHERE, "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1 and answer["approved"] is False
    assert "--supervisor-password-stdin" in answer["error"]


def test_settle_with_a_wrong_password_is_refused_and_counted(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, "txn", "settle", "--data", str(tmp_path), "--host", NOWHERE,
                        "--supervisor-password", "1111", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "wrong supervisor password for settle: 2 tries left"
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        assert [(r.detail["operation"], r.detail["decision"]) for r in journal.audit_records()] == [
            ("settle", "refused")]


def test_settle_reads_the_password_from_standard_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_possim(capsys, "txn", "settle", "--data", str(tmp_path), "--host", NOWHERE, "--timeout", "1",
                        "--supervisor-password-stdin", "--json", stdin="0000\n", monkeypatch=monkeypatch)
    assert result.returncode == 3  # approved by the supervisor, then the host is unreachable
