"""Run the ``possim`` command line in this process, as a shell would see it: exit code, stdout, stderr.

In-process calls of :func:`simulator.cli.main` test the command line's behaviour (exit codes, one
line on stderr, JSON on stdout) in milliseconds; an exception escaping ``main`` fails the test,
which is stricter than looking for "Traceback" in a subprocess's stderr. Real processes remain
where the process is the point: the console script's ``--version`` and a bad-input exit code
(tests/unit/cli), a reader that leaves early (test_run_cmd.py), transactions against a host over
a serial line (tests/e2e/test_serial_link.py), terminals killed mid-exchange (test_restart_safety.py,
test_advice_crash_safety.py), a lockout seen by another process (test_refund_review.py), Locust.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from simulator.cli import main


@dataclass(frozen=True)
class CliResult:
    """What a shell sees of one ``possim`` run."""

    returncode: int
    stdout: str
    stderr: str


def run_possim(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None,
               monkeypatch: pytest.MonkeyPatch | None = None) -> CliResult:
    """``possim ARGV`` in this process; ``stdin`` (with ``monkeypatch``) is what standard input holds."""
    capsys.readouterr()  # drop what the test printed before
    if stdin is not None:
        assert monkeypatch is not None, "standard input needs monkeypatch"
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: --help, --version, bad options
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)

