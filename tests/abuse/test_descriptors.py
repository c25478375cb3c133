"""Out of file descriptors: one log line, no traceback, and service resumes by itself.

Before issue 14, at the descriptor limit asyncio logged a traceback for every failed accept
(~35,000 of them in the reported run) and the host served nobody new.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")

CHILD = Path(__file__).with_name("fd_limit_host.py")


Run = tuple[dict[str, object], list[str]]
"""What the child printed (JSON) and what it logged (stderr lines)."""


@pytest.fixture(scope="module")
def run_at_the_limit() -> Run:
    done = subprocess.run([sys.executable, str(CHILD)], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout), done.stderr.splitlines()


def test_accept_failures_log_one_line_and_no_traceback(run_at_the_limit: Run) -> None:
    _, log = run_at_the_limit
    assert not any("Traceback" in line for line in log)
    assert len([line for line in log if "cannot accept" in line]) == 1  # for 1.5 s of failed accepts


def test_established_connections_are_served_while_accept_fails(run_at_the_limit: Run) -> None:
    result, _ = run_at_the_limit
    assert result["fillers"] > 0  # the child really ran out of descriptors
    assert result["served_meanwhile"] is True


def test_waiting_connections_are_served_once_descriptors_are_free(run_at_the_limit: Run) -> None:
    result, _ = run_at_the_limit
    assert result["answered_after"] == [True, True, True]
