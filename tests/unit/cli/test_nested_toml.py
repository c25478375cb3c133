"""A TOML file nested thousands deep (a hostile or broken file) is bad input naming the file, exit 2 and one
line: terminal.toml, a scenario, a dialect file (host.toml and rules files: tests/e2e/test_host_data_folder.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run_possim

NESTED = "a = " + "[" * 3000 + "]" * 3000 + "\n"


def test_a_deeply_nested_terminal_toml_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text(NESTED, encoding="utf-8")
    result = run_possim(capsys, "config", "show", "--data", str(tmp_path))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1) and "terminal.toml" in result.stderr


def test_a_deeply_nested_scenario_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = tmp_path / "deep.toml"
    scenario.write_text('name = "deep"\n' + NESTED, encoding="utf-8")
    result = run_possim(capsys, "scenario", str(scenario))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1) and "deep.toml" in result.stderr


def test_a_deeply_nested_dialect_file_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dialect = tmp_path / "deep-dialect.toml"
    dialect.write_text('name = "deep"\n' + NESTED, encoding="utf-8")
    result = run_possim(capsys, "decode", "--dialect", str(dialect), "0800")
    assert (result.returncode, result.stderr.count("\n")) == (2, 1) and "deep-dialect.toml" in result.stderr
