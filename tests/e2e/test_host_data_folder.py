"""``possim host`` and its data folder, as a user runs it.

One host per folder (issue 20, item 7): two hosts on one folder would serve with each other's
stale session keys; the second waits briefly, then exits 1 with one line saying the host is busy;
the lock goes with its holder, even on kill -9.

The business date (issue 20, item 3): ``advance-date`` moves it at most 3660 days ahead of the
calendar (exit 2, one line, nothing committed), concurrent moves serialise, and ``--reset`` (the
host stopped) brings a test host back to the calendar, also one an older possim moved too far.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emv.cards import EntryMode
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from protocols.security import KeyScheme
from simulator.host import HostJournal, HostLogic, load_host_config
from simulator.host.server import HostServer

REPO = Path(__file__).resolve().parents[2]


def possim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, check=False)


def start_host(data: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                                "--data", str(data)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on tcp://127.0.0.1:"), process.stderr.read() if process.stderr else line
    return process


@pytest.fixture
def running_host(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    data = tmp_path / "host"
    process = start_host(data)
    yield data, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_a_second_host_on_the_same_folder_exits_1_busy(running_host: tuple[Path, subprocess.Popen[str]]) -> None:
    data, _ = running_host
    second = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(data))
    assert second.returncode == 1
    assert second.stdout == "" and len(second.stderr.strip().splitlines()) == 1
    assert "busy" in second.stderr and str(data) in second.stderr


def test_the_lock_goes_with_a_host_killed_with_sigkill(running_host: tuple[Path, subprocess.Popen[str]]) -> None:
    data, first = running_host
    first.kill()
    first.wait(timeout=10)
    second = start_host(data)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=10) == 0


# -- the business date (issue 20, item 3) -------------------------------------------------------

def offset_of(data: Path) -> int:
    journal = HostJournal(data / "host-journal.sqlite3")
    try:
        return journal.business_date_offset()
    finally:
        journal.close()


@pytest.fixture
def host_folder(tmp_path: Path) -> Path:
    """A host data folder with a journal (as after a first run), the host stopped."""
    data = tmp_path / "host"
    HostLogic(load_host_config(data)).close()
    return data


@pytest.mark.parametrize("move", [["--days", "3000000"], ["--to", "9999-12-30"], ["--days", "3661"]])
def test_advance_date_too_far_is_refused_in_one_line_and_commits_nothing(host_folder: Path, move: list[str]) -> None:
    answer = possim("host", "advance-date", "--data", str(host_folder), *move)
    assert answer.returncode == 2 and len(answer.stderr.strip().splitlines()) == 1
    assert "at most 3660 days" in answer.stderr
    assert offset_of(host_folder) == 0
    assert possim("host", "report", "--data", str(host_folder)).returncode == 0
    assert possim("host", "advance-date", "--data", str(host_folder), "--days", "2").returncode == 0


def test_advance_date_stops_at_the_bound_counting_earlier_moves(host_folder: Path) -> None:
    assert possim("host", "advance-date", "--data", str(host_folder), "--days", "3000").returncode == 0
    answer = possim("host", "advance-date", "--data", str(host_folder), "--days", "700")
    assert answer.returncode == 2 and "660 more" in answer.stderr
    assert offset_of(host_folder) == 3000


def test_concurrent_moves_to_one_date_end_on_that_date(host_folder: Path) -> None:
    target = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    processes = [subprocess.Popen([sys.executable, "-m", "simulator.cli", "host", "advance-date", "--data",
                                   str(host_folder), "--to", target, "--json"], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(8)]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    assert offset_of(host_folder) == 30


def test_reset_brings_the_business_date_back_to_the_calendar(host_folder: Path) -> None:
    assert possim("host", "advance-date", "--data", str(host_folder), "--days", "40").returncode == 0
    answer = possim("host", "advance-date", "--data", str(host_folder), "--reset", "--json")
    assert answer.returncode == 0 and offset_of(host_folder) == 0
    assert datetime.now(UTC).date().isoformat() in answer.stdout


def test_reset_is_refused_while_the_host_runs(running_host: tuple[Path, subprocess.Popen[str]]) -> None:
    data, _ = running_host
    assert possim("host", "advance-date", "--data", str(data), "--days", "5").returncode == 0
    answer = possim("host", "advance-date", "--data", str(data), "--reset")
    assert answer.returncode == 1 and "busy" in answer.stderr and offset_of(data) == 5


def test_a_folder_bricked_by_an_older_possim_is_refused_at_start_and_reset_recovers_it(host_folder: Path) -> None:
    database = sqlite3.connect(host_folder / "host-journal.sqlite3")
    with database:
        database.execute("INSERT INTO counters (name, value) VALUES ('business_date_offset', 3000000)")
    database.close()
    started = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(host_folder))
    assert started.returncode == 2 and "--reset" in started.stderr
    report = possim("host", "report", "--data", str(host_folder))
    assert report.returncode == 2 and "--reset" in report.stderr and "Traceback" not in report.stderr
    assert possim("host", "advance-date", "--data", str(host_folder), "--reset").returncode == 0
    assert possim("host", "report", "--data", str(host_folder)).returncode == 0


# -- bad input files (issue 20, C) ---------------------------------------------------------------

DEEP = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"


def test_a_deeply_nested_host_toml_is_bad_input_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "host"
    data.mkdir()
    (data / "host.toml").write_text(DEEP, encoding="utf-8")
    answer = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(data))
    assert answer.returncode == 2 and len(answer.stderr.strip().splitlines()) == 1
    assert "host.toml" in answer.stderr and "Traceback" not in answer.stderr


def test_a_deeply_nested_rules_file_is_bad_input_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(DEEP, encoding="utf-8")
    answer = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path / "host"), "--rules", str(rules))
    assert answer.returncode == 2 and len(answer.stderr.strip().splitlines()) == 1
    assert "rules.toml" in answer.stderr and "Traceback" not in answer.stderr


def test_an_unknown_key_in_host_toml_is_bad_input_naming_key_and_file(tmp_path: Path) -> None:
    data = tmp_path / "host"
    data.mkdir()
    (data / "host.toml").write_text('[[terminals]]\nterminal_id = "POSSIM01"\nbdk = "00"\n', encoding="utf-8")
    answer = possim("host", "--listen", "tcp://127.0.0.1:0", "--data", str(data))
    assert answer.returncode == 2 and "terminals[0].bdk" in answer.stderr and "host.toml" in answer.stderr


# -- key schemes per terminal (issue 20, item 2) ------------------------------------------------

PRIVATE_TMK = "0123456789ABCDEFFEDCBA9876543210"


@pytest.mark.parametrize("scheme", [KeyScheme.DUKPT_TDES, KeyScheme.DUKPT_AES], ids=lambda s: s.value)
async def test_a_host_toml_with_only_a_private_tmk_refuses_the_test_bdk(tmp_path: Path, scheme: KeyScheme) -> None:
    data = tmp_path / "host"
    data.mkdir()
    (data / "host.toml").write_text(f'listen = "tcp://127.0.0.1:0"\n[[terminals]]\nterminal_id = "POSSIM01"\n'
                                    f'merchant_id = "POSSIM000000001"\ntmk = "{PRIVATE_TMK}"\n', encoding="utf-8")
    server = HostServer(load_host_config(data))
    url = await server.start()
    folder = tmp_path / "terminal"
    engine = TerminalEngine.open(folder, load_config(folder, password_iterations=1000).with_overrides(
        host_url=url, key_scheme=scheme, response_timeout=1.0, connect_timeout=1.0))
    try:
        result = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 1000)
        assert not result.approved  # the host's 63 is unsigned (it has no key to sign it with)
        journal = HostJournal(data / "host-journal.sqlite3")
        try:
            assert journal.net_debit("POSSIM01") == 0
            assert all(t.response_code != "00" for t in journal.transactions("POSSIM01"))
        finally:
            journal.close()
    finally:
        engine.close()
        await server.stop()
