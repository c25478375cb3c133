"""The load driver behind ``possim load``: many simulated terminals against one host (docs/load.md).

Modules: :mod:`.plan` (what to run), :mod:`.terminal` (the light, protocol-exact terminal,
sans-I/O), :mod:`.link` (its persistent asyncio connection), :mod:`.models` (light or full
engine terminals behind one interface), :mod:`.runner` (terminals in one event loop),
:mod:`.workers` (spread over processes), :mod:`.tally` and :mod:`.report` (what was measured),
:mod:`.progress` (the live line), :mod:`.run` (a whole run, with the embedded host).
"""

from __future__ import annotations

import importlib
from typing import Any

from simulator.load.plan import (
    MAX_DURATION,
    MAX_TERMINALS,
    MAX_TRANSACTIONS,
    MAX_WORKERS,
    LoadPlan,
    LoadPlanError,
    Mix,
    MixError,
    TerminalModel,
    Workload,
)

_LAZY = {
    "LoadReport": "simulator.load.report",
    "host_config_text": "simulator.load.run",
    "run_load": "simulator.load.run",
    "Latency": "simulator.load.tally",
    "Progress": "simulator.load.tally",
    "Result": "simulator.load.tally",
    "LoadWorkerError": "simulator.load.workers",
}
"""Names whose modules pull in the host and the terminal engine: imported when first used, so that
``possim`` (which parses ``possim load``'s options) starts without them."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_DURATION",
    "MAX_TERMINALS",
    "MAX_TRANSACTIONS",
    "MAX_WORKERS",
    "Latency",
    "LoadPlan",
    "LoadPlanError",
    "LoadReport",
    "LoadWorkerError",
    "Mix",
    "MixError",
    "Progress",
    "Result",
    "TerminalModel",
    "Workload",
    "host_config_text",
    "run_load",
]
