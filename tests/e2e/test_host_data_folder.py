"""``possim host`` and its data folder, as a user runs it: one host per folder (issue 20, item 7).

Two hosts on one folder would serve with each other's stale session keys: the second waits
briefly, then exits 1 with one line saying the host is busy; the lock goes with its holder, even
on kill -9.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
