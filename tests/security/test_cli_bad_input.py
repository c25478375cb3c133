"""Bad input on the command line: exit 2 with one line on stderr, never a traceback (design.md 4).

The command line runs in this process (tests/cli_runner.py): an exception escaping it fails the test.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, run_possim

POSSIM = str(Path(sys.executable).with_name("possim"))


@pytest.fixture
def possim(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``possim ARGS`` in this process, from the test's own folder."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: run_possim(capsys, *args)


def _assert_bad_input(result: CliResult) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-folder"
    path.write_text("hello\n")
    return path


def test_txn_data_is_a_file(possim, a_file: Path) -> None:
    result = possim("txn", "sale", "--host", "tcp://127.0.0.1:9", "--data", str(a_file),
                     "--card", "visa_credit", "--amount", "1.00")
    _assert_bad_input(result)


def test_txn_data_below_a_file(possim, a_file: Path) -> None:
    result = possim("txn", "echo", "--host", "tcp://127.0.0.1:9", "--data", str(a_file / "x"))
    _assert_bad_input(result)


def test_host_data_is_a_file(possim, a_file: Path) -> None:
    result = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(a_file))
    _assert_bad_input(result)


def test_run_data_is_a_file(possim, a_file: Path) -> None:
    result = possim("run", "--data", str(a_file))
    _assert_bad_input(result)


def test_txn_amount_with_huge_exponent(possim, tmp_path: Path) -> None:
    # decimal.Overflow (an ArithmeticError, not a ValueError) escapes parse_amount.
    result = possim("txn", "sale", "--host", "tcp://127.0.0.1:9", "--data", str(tmp_path / "t"),
                     "--card", "visa_credit", "--amount", "1e999999999999")
    _assert_bad_input(result)


def test_txn_void_with_huge_invoice(possim, tmp_path: Path) -> None:
    # OverflowError from sqlite3 ("Python int too large to convert to SQLite INTEGER").
    result = possim("txn", "void", "--host", "tcp://127.0.0.1:9", "--data", str(tmp_path / "t"),
                     "--invoice", "99999999999999999999", "--supervisor-password", "0000")
    _assert_bad_input(result)


def test_txn_refund_with_huge_invoice(possim, tmp_path: Path) -> None:
    result = possim("txn", "refund", "--host", "tcp://127.0.0.1:9", "--data", str(tmp_path / "t"),
                     "--card", "visa_credit", "--amount", "1.00", "--invoice", "99999999999999999999",
                     "--supervisor-password", "0000")
    _assert_bad_input(result)


@pytest.fixture
def host_url(tmp_path: Path):
    """A real `possim host` on 127.0.0.1 (port picked by the OS), stopped with SIGTERM."""
    data = tmp_path / "host"
    process = subprocess.Popen([POSSIM, "host", "--listen", "tcp://127.0.0.1:0", "--data", str(data)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield line.removeprefix("listening on "), data
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_txn_sale_with_non_digit_pin_is_bad_input_not_a_reversal(possim, tmp_path: Path, host_url) -> None:
    """A malformed --pin is bad input (exit 2); the terminal must not journal, send or reverse anything."""
    url, host_data = host_url
    terminal = tmp_path / "terminal"
    result = possim("txn", "sale", "--host", url, "--data", str(terminal), "--card", "visa_credit",
                     "--amount", "1.00", "--pin", "12ab", "--json")
    payload = json.loads(result.stdout) if result.stdout.strip() else {}
    assert result.returncode == 2, (result.returncode, payload, result.stderr)
    assert payload.get("reversal") is None, payload
    with sqlite3.connect(host_data / "host-journal.sqlite3") as db:
        mtis = [row[0] for row in db.execute("SELECT mti FROM messages WHERE direction = 'in'")]
    assert "0400" not in mtis, f"host received a reversal for a request never sent: {mtis}"
