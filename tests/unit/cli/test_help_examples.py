"""Every command group's --help ends with examples a newcomer can paste (issue 20: keys, emv, scenario, load)."""

from __future__ import annotations

import pytest

from tests.cli_runner import run_possim


@pytest.mark.parametrize("command", ["keys", "emv", "scenario", "load"])
def test_help_shows_examples_of_the_command(capsys: pytest.CaptureFixture[str], command: str) -> None:
    result = run_possim(capsys, command, "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and f"possim {command} " in result.stdout
