"""A terminal's data folder under abuse: two processes at once, lost or corrupt state, amounts in the
currency's own minor unit. Each case is refused with one line and the documented exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_terminal.state.config import load_config
from pos_terminal.state.datafolder import DataFolder, MissingState, TerminalBusy
from pos_terminal.engine.terminal import TerminalEngine
from simulator.cli import main

HOLD = """
import sys, time
from pathlib import Path
from pos_terminal.engine.terminal import TerminalEngine
engine = TerminalEngine.open(Path(sys.argv[1]))
print("open", flush=True)
time.sleep(float(sys.argv[2]))
engine.close()
"""


def hold(data: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process with the data folder open for ``seconds``."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(data), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "open"
    return process


def test_a_second_process_on_the_same_data_folder_is_refused_as_busy(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(TerminalBusy, match="terminal busy: another possim process is using"):
            TerminalEngine.open(tmp_path, busy_wait=0.3)
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_a_second_process_waits_briefly_for_the_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = hold(tmp_path, 1.0)
    try:
        assert main(["txn", "history", "--data", str(tmp_path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"transactions": []}
    finally:
        holder.wait()


def test_the_command_line_says_busy_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The command line waits the default 5 s for the folder; here it gives up after 0.3 s (the wait
    # itself is test_a_second_process_waits_briefly_for_the_first's subject).
    real_open = DataFolder.open.__func__
    monkeypatch.setattr(DataFolder, "open", classmethod(
        lambda cls, path, *, wait=5.0: real_open(cls, path, wait=min(wait, 0.3))))
    holder = hold(tmp_path, 30)
    try:
        assert main(["txn", "echo", "--data", str(tmp_path), "--host", "tcp://127.0.0.1:9", "--json"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "terminal busy" in err
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    holder.kill()
    holder.wait()
    TerminalEngine.open(tmp_path, busy_wait=0.5).close()


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_a_journal_the_folder_had_is_never_silently_recreated(tmp_path: Path, damage: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    TerminalEngine.open(tmp_path).close()
    journal = tmp_path / "journal.sqlite3"
    if damage == "truncated":
        journal.write_bytes(b"")
    else:
        journal.unlink()
    with pytest.raises(MissingState, match="journal.sqlite3 is (empty|missing), but this data folder had it"):
        TerminalEngine.open(tmp_path)
    assert main(["txn", "history", "--data", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "Restore it from a backup" in captured.err


def test_a_deleted_fingerprint_secret_is_refused_not_regenerated(tmp_path: Path) -> None:
    TerminalEngine.open(tmp_path).close()
    (tmp_path / "card-fingerprint.key").unlink()
    with pytest.raises(MissingState, match="card-fingerprint.key is missing"):
        TerminalEngine.open(tmp_path)
    assert not (tmp_path / "card-fingerprint.key").exists()


def test_deleting_the_marker_starts_a_new_terminal_on_purpose(tmp_path: Path) -> None:
    TerminalEngine.open(tmp_path).close()
    (tmp_path / "journal.sqlite3").unlink()
    (tmp_path / ".possim-state").unlink()
    TerminalEngine.open(tmp_path).close()


def test_a_corrupt_journal_is_one_line_and_exit_2_even_with_json(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    TerminalEngine.open(tmp_path).close()
    (tmp_path / "journal.sqlite3").write_bytes(b"this is not a database" * 100)
    for wal in tmp_path.glob("journal.sqlite3-*"):
        wal.unlink()
    code = main(["txn", "sale", "--data", str(tmp_path), "--host", "tcp://127.0.0.1:9", "--card", "visa_credit",
                 "--amount", "1.00", "--json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and captured.err.count("\n") == 1
    assert "journal" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(("text", "minor"), [("1000", 1000), ("1", 1)])
def test_a_yen_amount_has_no_minor_unit(tmp_path: Path, text: str, minor: int) -> None:
    from simulator.commands.txn_options import parse_amount

    assert parse_amount(text, load_config(tmp_path).with_overrides(currency="392").currency) == minor


def test_a_yen_amount_with_decimals_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "terminal.toml").write_text('currency = "392"\n')
    assert main(["txn", "sale", "--data", str(tmp_path), "--host", "tcp://127.0.0.1:9", "--card", "visa_credit",
                 "--amount", "1.5"]) == 2
    assert "--amount '1.5': JPY has no minor unit" in capsys.readouterr().err
