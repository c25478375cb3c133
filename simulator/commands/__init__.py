"""Command modules of ``possim``; each exposes ``register(subparsers)``."""

from __future__ import annotations

from types import ModuleType

from simulator.commands import (
    config_cmd,
    decode_cmd,
    emv_cmd,
    host_cmd,
    keys_cmd,
    load_cmd,
    run_cmd,
    scenario_cmd,
    terminal_cmd,
    txn_cmd,
)

COMMAND_MODULES: tuple[ModuleType, ...] = (
    keys_cmd, decode_cmd, emv_cmd, host_cmd, txn_cmd, scenario_cmd, load_cmd, terminal_cmd, run_cmd, config_cmd,
)
"""``run_cmd`` adds ``possim run`` (the UI with the embedded host) and ``possim tour`` (the calculator tour)."""
