"""The shipped Locust file speaking ISO 8583:1993: ``--possim-dialect iso93binary`` against ``possim host --dialect
iso93binary``, headless for a few seconds; Locust's statistics name each request by MTI and code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.commands.load_cmd import locustfile_path
from simulator.host.journal import Cause, HostJournal
from tests.cli_runner import run_possim

ROOT = Path(__file__).resolve().parents[2]
USERS = 2


def test_locust_loads_an_iso93_host_with_1993_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    printed = run_possim(capsys, "load", "--print-host-config", "--terminals", str(USERS))
    assert printed.returncode == 0, printed.stderr
    (host_dir / "host.toml").write_text(printed.stdout, encoding="utf-8")
    host = subprocess.Popen([sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                             "--data", str(host_dir), "--dialect", "iso93binary"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert host.stdout is not None
        url = host.stdout.readline().split()[-1]
        ran = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(locustfile_path()), "--headless", "-u", str(USERS), "-r",
             str(USERS), "-t", "5s", "--host", url, "--possim-dialect", "iso93binary", "--possim-mix",
             "sale=2,refund=1,void=1", "--json", "--only-summary"],
            capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "POSSIM_TIMEOUT": "5"}, timeout=120)
    finally:
        host.terminate()
        host.wait(timeout=30)

    assert ran.returncode == 0, ran.stderr[-3000:]
    entries = {(entry["method"], entry["name"]): entry for entry in json.loads(ran.stdout)}
    assert {("signon", "1804/801"), ("sale", "1200/000000"), ("refund", "1200/200000")} <= set(entries)
    assert any(method == "void" and name.startswith("1420/") for method, name in entries)
    assert all(entry["num_failures"] == 0 for entry in entries.values())
    journal = HostJournal(host_dir / "host-journal.sqlite3")
    try:
        assert {entry.cause for entry in journal.ledger()} >= {Cause.SALE, Cause.REFUND}
    finally:
        journal.close()
