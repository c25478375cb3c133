"""The shipped Locust file: a Locust master and one worker, headless for a few seconds, against our host.

Everything runs as separate processes on 127.0.0.1, as a person would start them (docs/load.md,
"Locust"): ``possim host`` with the host.toml that ``possim load --print-host-config`` prints, a
Locust master, and a Locust worker. Locust's own statistics (CSV and JSON) must show successful
requests of each kind, and the host's journal the money they moved.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from simulator.commands.load_cmd import locustfile_path
from simulator.host.journal import Cause, Direction, HostJournal
from tests.cli_runner import run_possim

ROOT = Path(__file__).resolve().parents[2]
USERS = 4
RUN_SECONDS = 3
KINDS = {("signon", "0800/001"), ("sale", "0200/000000"), ("refund", "0200/200000"), ("void", "0200/020000")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_possim_load_prints_the_shipped_locustfile(capsys: pytest.CaptureFixture[str]) -> None:
    printed = Path(run_possim(capsys, "load", "--locustfile").stdout.strip())
    assert printed == locustfile_path() and printed.is_file()
    assert "class PossimTerminal(User)" in printed.read_text(encoding="utf-8")


def test_a_locust_master_and_worker_load_our_host_and_count_every_kind(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    printed = run_possim(capsys, "load", "--print-host-config", "--terminals", str(USERS))
    assert printed.returncode == 0, printed.stderr
    (host_dir / "host.toml").write_text(printed.stdout, encoding="utf-8")
    host = subprocess.Popen([sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                             "--data", str(host_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    worker = master = None
    try:
        assert host.stdout is not None
        url = host.stdout.readline().split()[-1]
        assert url.startswith("tcp://127.0.0.1:")
        port = str(free_port())
        locust = [sys.executable, "-m", "locust", "-f", str(locustfile_path())]
        env = {**os.environ, "POSSIM_TIMEOUT": "5"}
        master = subprocess.Popen(
            [*locust, "--master", "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{RUN_SECONDS}s",
             "--expect-workers", "1", "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
             "--host", url, "--possim-mix", "sale=2,refund=1,void=1", "--csv", str(tmp_path / "stats"), "--json",
             "--only-summary"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
        worker = subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
        out, err = master.communicate(timeout=120)
        worker.wait(timeout=30)
    finally:
        for process in (master, worker, host):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    assert master.returncode == 0, err[-3000:]
    entries = {(entry["method"], entry["name"]): entry for entry in json.loads(out)}
    assert set(entries) == KINDS
    assert all(entry["num_requests"] > 0 and entry["num_failures"] == 0 for entry in entries.values())
    assert entries[("signon", "0800/001")]["num_requests"] == USERS

    with (tmp_path / "stats_stats.csv").open(newline="") as file:
        rows = {(row["Type"], row["Name"]): row for row in csv.DictReader(file) if row["Type"]}
    assert set(rows) == KINDS
    assert all(int(row["Request Count"]) > 0 and row["Failure Count"] == "0" for row in rows.values())

    journal = HostJournal(host_dir / "host-journal.sqlite3")
    try:
        moved = Counter((entry.cause, entry.direction) for entry in journal.ledger())
        terminals = {record.terminal_id for record in journal.transactions()}
    finally:
        journal.close()
    assert moved[(Cause.SALE, Direction.DEBIT)] >= entries[("sale", "0200/000000")]["num_requests"]
    assert moved[(Cause.REFUND, Direction.CREDIT)] >= 1 and moved[(Cause.VOID, Direction.CREDIT)] >= 1
    assert terminals == {f"LOAD{number:04d}" for number in range(1, USERS + 1)}


def run_locust(tmp_path: Path, *options: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A standalone headless Locust run of the shipped file (``-t 30s``: a run that does not stop early times out
    the test's patience, not the test suite's)."""
    command = [sys.executable, "-m", "locust", "-f", str(locustfile_path()), "--headless", "-u", "2", "-r", "2",
               "-t", "30s", "--only-summary", *options]
    env = {**os.environ, "POSSIM_TIMEOUT": "1"}
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=timeout)


def test_locust_with_a_bad_mix_refuses_to_start_naming_the_option(tmp_path: Path) -> None:
    ran = run_locust(tmp_path, "--host", f"tcp://127.0.0.1:{free_port()}", "--possim-mix", "sale=60,refund=x")
    assert ran.returncode == 2, ran.stderr[-2000:]
    assert "--possim-mix" in ran.stderr and "refund" in ran.stderr
    assert "Ramping to" not in ran.stderr  # no user started


def test_locust_stops_early_and_fails_when_no_terminal_can_sign_on(tmp_path: Path) -> None:
    ran = run_locust(tmp_path, "--host", f"tcp://127.0.0.1:{free_port()}", timeout=25)
    assert ran.returncode == 3, ran.stderr[-2000:]
    assert "no terminal could sign on" in ran.stderr
    assert "0200" not in ran.stdout + ran.stderr  # no sale (nor its reversal) after the failed sign-ons
