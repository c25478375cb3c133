"""cup-pos from the command line, as a user runs it: ``possim host --dialect cup-pos`` in its own process and
``possim txn ... --dialect cup-pos`` against it (sign-on schemes, sign-off)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, run_possim


def txn(capsys: pytest.CaptureFixture[str], url: str, folder: Path, *args: str) -> CliResult:
    return run_possim(capsys, "txn", *args, "--host", url, "--data", str(folder), "--dialect", "cup-pos", "--json")


def test_signoff_from_the_command_line_is_answered_00(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cup_host_process: str,
) -> None:
    folder = tmp_path / "shop"
    assert json.loads(txn(capsys, cup_host_process, folder, "signon").stdout)["approved"]
    result = txn(capsys, cup_host_process, folder, "signoff")
    answer = json.loads(result.stdout)
    assert (result.returncode, answer["operation"], answer["response_code"], answer["approved"]) == (
        0, "signoff", "00", True)


def test_signoff_is_refused_exit_1_by_a_protocol_without_one(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    result = run_possim(capsys, "txn", "signoff", "--host", "tcp://127.0.0.1:9", "--data", str(tmp_path / "t"),
                        "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1 and answer["error"] == "the possim-87 protocol has no signoff"
