"""Command modules of ``possim``; each exposes ``register(subparsers)``."""

from __future__ import annotations

from types import ModuleType

from simulator.commands import decode_cmd, emv_cmd, host_cmd, keys_cmd, run_cmd, txn_cmd

COMMAND_MODULES: tuple[ModuleType, ...] = (keys_cmd, decode_cmd, emv_cmd, host_cmd, txn_cmd, run_cmd)
