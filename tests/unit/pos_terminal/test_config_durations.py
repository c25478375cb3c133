"""Every duration setting is bounded when terminal.toml is read: a value past the limit is refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_terminal.state.config import DURATION_LIMITS, ConfigError, load_config
from tests.cli_runner import run_possim


@pytest.mark.parametrize("key", sorted(DURATION_LIMITS))
def test_a_duration_past_its_limit_is_refused_naming_the_key_and_the_file(tmp_path: Path, key: str) -> None:
    limit, _ = DURATION_LIMITS[key]
    (tmp_path / "terminal.toml").write_text(f"{key} = {limit + 1}\n")
    with pytest.raises(ConfigError, match=rf"terminal\.toml: {key}: must be at most"):
        load_config(tmp_path, password_iterations=1000)


@pytest.mark.parametrize("key", sorted(DURATION_LIMITS))
def test_a_duration_at_its_limit_is_accepted(tmp_path: Path, key: str) -> None:
    limit, _ = DURATION_LIMITS[key]
    (tmp_path / "terminal.toml").write_text(f"{key} = {limit}\n")
    assert getattr(load_config(tmp_path, password_iterations=1000), key) == limit


def test_a_huge_supervisor_lockout_exits_2_naming_the_key(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "terminal.toml").write_text("supervisor_lockout_seconds = 999999999999\n")
    result = run_possim(capsys, "txn", "void", "--data", str(tmp_path), "--invoice", "1",
                        "--supervisor-password", "1")
    assert result.returncode == 2
    assert "supervisor_lockout_seconds" in result.stderr and "terminal.toml" in result.stderr
