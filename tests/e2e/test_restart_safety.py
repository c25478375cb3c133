"""Power-fail safety across processes: a terminal killed (SIGKILL) after journaling a refund and
before the host's response is restarted, and exactly one reversal undoes the refund.

The host and the terminal that is killed run as separate `possim` processes on 127.0.0.1, as a user
would run them; the transactions before and after run the command line in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.host.journal import Cause, HostJournal, Status
from tests.cli_runner import run_possim

POSSIM = [sys.executable, "-m", "simulator.cli"]


@pytest.fixture(params=["mksk", "dukpt-tdes", "dukpt-aes"])
def key_scheme(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def host_url(tmp_path: Path) -> Iterator[str]:
    rules = tmp_path / "rules.toml"
    # The first refund is processed (money moves) and answered only after 30 s: long enough to kill the terminal.
    rules.write_text('[[rule]]\nmti = "0200"\nprocessing_code = "200000"\ndelay = 30\ntimes = 1\n')
    host = subprocess.Popen(
        [*POSSIM, "host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path / "host"), "--rules", str(rules)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = host.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield line.removeprefix("listening on ")
    finally:
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=10)


def txn(capsys: pytest.CaptureFixture[str], tmp_path: Path, host_url: str, key_scheme: str, *args: str) -> dict:
    """One ``possim txn`` in this process; the host, and the terminal that is killed, are real processes."""
    result = run_possim(capsys, "txn", *args, "--host", host_url, "--data", str(tmp_path / "terminal"),
                        "--key-scheme", key_scheme, "--json")
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_killed_terminal_sends_exactly_one_reversal_after_restart(
    tmp_path: Path, host_url: str, key_scheme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sale = txn(capsys, tmp_path, host_url, key_scheme, "sale", "--card", "visa_credit", "--amount", "40.00", "--pin", "1234")
    assert sale["approved"], sale
    refund = subprocess.Popen(
        [*POSSIM, "txn", "refund", "--card", "visa_credit", "--amount", "15.00", "--original-rrn", sale["rrn"],
         "--supervisor-password", "0000", "--host", host_url, "--data", str(tmp_path / "terminal"),
         "--key-scheme", key_scheme, "--timeout", "60", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    host_journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        wait_for(lambda: any(row.mti == "0200" and row.processing_code == "200000" for row in host_journal.transactions()))
        os.kill(refund.pid, signal.SIGKILL)
        refund.wait(timeout=10)

        restarted = txn(capsys, tmp_path, host_url, key_scheme, "echo")
        again = txn(capsys, tmp_path, host_url, key_scheme, "echo")

        assert restarted["reversal"]["status"] == "acked"
        assert again["reversal"] is None
        reversals = [row for row in host_journal.messages() if row["mti"] in ("0400", "0401")]
        assert len(reversals) == 1
        (refund_row,) = [row for row in host_journal.transactions() if row.mti == "0200" and row.processing_code == "200000"]
        assert refund_row.status is Status.REVERSED
        credits = [entry for entry in host_journal.ledger() if entry.cause is Cause.REFUND]
        assert len(credits) == 1
        assert host_journal.net_debit() == 4000  # the sale stands; the one refund was undone exactly once
    finally:
        host_journal.close()
