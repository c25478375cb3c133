"""Read-only look-ups answer at once while another process (the device) holds the data folder; writers still wait."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pos_terminal.journal import Journal, JournalError
from pos_terminal.state.datafolder import DataFolder
from tests.cli_runner import run_possim
from tests.security.test_terminal_state import hold
from tests.unit.pos_terminal.test_journal import T0, approve, sale

READERS = (
    ("txn", "history"),
    ("txn", "report"),
    ("txn", "status", "--invoice", "1"),
    ("config", "show"),
)


@pytest.fixture
def held(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A data folder held open by a second, real process for the whole test."""
    holder = hold(tmp_path, 60)
    yield tmp_path
    holder.kill()
    holder.wait()


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_read_only_command_answers_at_once_while_the_folder_is_held(
        held: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    started = time.monotonic()
    result = run_possim(capsys, *command, "--data", str(held), "--json")
    assert time.monotonic() - started < 2.0
    assert "busy" not in result.stderr
    assert result.returncode in (0, 1)  # status of an invoice that does not exist: exit 1, not busy
    json.loads(result.stdout)


def test_history_beside_the_writer_lists_the_journals_transactions(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        approve(journal, journal.begin_transaction(sale(), now=T0).id)
    holder = hold(tmp_path, 60)
    try:
        result = run_possim(capsys, "txn", "history", "--data", str(tmp_path), "--json")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0
    assert [entry["type"] for entry in json.loads(result.stdout)["transactions"]] == ["sale"]


def test_a_writing_command_is_still_refused_as_busy(held: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = DataFolder.open.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(DataFolder, "open", classmethod(
        lambda cls, path, *, wait=5.0: real_open(cls, path, wait=min(wait, 0.3))))
    result = run_possim(capsys, "txn", "unlock", "--data", str(held), "--admin-password", "9999")
    assert result.returncode == 1 and "terminal busy" in result.stderr


def test_a_read_only_journal_refuses_writes(tmp_path: Path) -> None:
    Journal.open(tmp_path / "journal.sqlite3").close()
    with Journal.open(tmp_path / "journal.sqlite3", read_only=True) as journal, \
            pytest.raises(JournalError):
        journal.unlock_supervisor(accepted=True, now=datetime.now(UTC), max_tries=5, lockout=timedelta(seconds=1))
