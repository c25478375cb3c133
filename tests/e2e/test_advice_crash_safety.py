"""Store-and-forward across a crash: the terminal is killed (SIGKILL) while uploading its advices,
restarted, and every advice reaches the host exactly once overall (no duplicate money movement).

The host and the terminal that is killed are separate `possim` processes on 127.0.0.1; the other
transactions run the command line in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.host.journal import Cause, HostJournal
from tests.cli_runner import run_possim

POSSIM = [sys.executable, "-m", "simulator.cli"]


def start_host(tmp_path: Path, rules: str = "") -> tuple[subprocess.Popen, str]:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(rules)
    host = subprocess.Popen(
        [*POSSIM, "host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path / "host"),
         "--rules", str(rules_file)],
        stdout=subprocess.PIPE, text=True,
    )
    line = host.stdout.readline().strip()
    assert line.startswith("listening on "), line
    return host, line.removeprefix("listening on ")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def txn(capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, *args: str) -> dict:
    """One ``possim txn`` in this process; the host, and the terminal that dies, are real processes."""
    result = run_possim(capsys, "txn", *args, "--host", url, "--data", str(tmp_path / "terminal"), "--timeout", "60",
                        "--json")
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_advices_are_applied_exactly_once_when_the_terminal_dies_mid_upload(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "terminal").mkdir()
    (tmp_path / "terminal" / "terminal.toml").write_text("offline_refunds = true\n")
    host, url = start_host(tmp_path)
    sale = txn(capsys, tmp_path, url, "sale", "--card", "visa_credit", "--amount", "50.00", "--pin", "1234")
    assert sale["approved"], sale
    stop(host)

    for amount in ("1.00", "2.00", "3.00"):
        offline = txn(capsys, tmp_path, url, "refund", "--card", "visa_credit", "--amount", amount,
                      "--original-rrn", sale["rrn"], "--supervisor-password", "0000")
        assert offline.get("offline"), offline

    # The host is back, but answers the first advice only after 30 s: the terminal dies waiting.
    host, url = start_host(tmp_path, '[[rule]]\nmti = "0220"\ndelay = 30\ntimes = 1\n')
    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        uploading = subprocess.Popen(
            [*POSSIM, "txn", "echo", "--host", url, "--data", str(tmp_path / "terminal"), "--timeout", "60"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: any(row["mti"] == "0220" for row in journal.messages()))
        os.kill(uploading.pid, signal.SIGKILL)
        uploading.wait(timeout=10)

        txn(capsys, tmp_path, url, "echo")
        settled = txn(capsys, tmp_path, url, "settle", "--supervisor-password", "0000")

        credits = sorted(entry.amount for entry in journal.ledger() if entry.cause is Cause.REFUND)
        assert credits == [100, 200, 300]
        arrivals = [row["mti"] for row in journal.messages() if row["direction"] == "in" and row["mti"] in ("0220", "0221")]
        assert arrivals == ["0220", "0221", "0220", "0220"]
        assert settled["response_code"] == "00"
    finally:
        journal.close()
        stop(host)
