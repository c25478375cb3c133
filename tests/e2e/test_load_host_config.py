"""What ``possim load`` prints for the host: a whole host.toml for a new folder, or terminals to append.

Appending the whole-file output to a host.toml that already has ``[refund_policy]`` or ``[limits]`` is invalid
TOML (a table opened twice); the appendable output adds only ``[[terminals]]`` entries, each with the test
keys, so it works beside terminals with private keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.host.config import load_host_config
from tests.cli_runner import run_possim

EXISTING = '''[refund_policy]
max_original_age_days = 180

[limits]
max_connections = 64

[[terminals]]
terminal_id = "POSSIM01"
merchant_id = "POSSIM000000001"
tmk = "00112233445566778899AABBCCDDEEFF"
'''


def test_the_whole_host_config_loads_as_a_new_host_toml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_possim(capsys, "load", "--terminals", "3", "--print-host-config")
    (tmp_path / "host.toml").write_text(result.stdout, encoding="utf-8")
    config = load_host_config(tmp_path)
    assert sorted(config.terminals) == ["LOAD0001", "LOAD0002", "LOAD0003"]
    assert config.refund_policy.max_refunds_per_card_per_day == 0


def test_the_terminals_append_to_a_host_toml_with_the_same_tables_and_hold_the_test_keys(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run_possim(capsys, "load", "--terminals", "2", "--print-host-terminals")
    (tmp_path / "host.toml").write_text(EXISTING + "\n" + result.stdout, encoding="utf-8")
    config = load_host_config(tmp_path)
    assert sorted(config.terminals) == ["LOAD0001", "LOAD0002", "POSSIM01"]
    assert config.terminals["LOAD0001"].tdes_bdk is not None and config.limits.max_connections == 64
