"""The load driver behind ``possim load``: many simulated terminals against one host (docs/load.md).

Modules: :mod:`.plan` (what to run), :mod:`.terminal` (the light, protocol-exact terminal,
sans-I/O), :mod:`.link` (its persistent asyncio connection), :mod:`.models` (light or full
engine terminals behind one interface), :mod:`.runner` (terminals in one event loop),
:mod:`.workers` (spread over processes), :mod:`.tally` and :mod:`.report` (what was measured),
:mod:`.progress` (the live line), :mod:`.run` (a whole run, with the embedded host).
"""

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
from simulator.load.report import LoadReport
from simulator.load.run import host_config_text, run_load
from simulator.load.tally import Latency, Progress, Result
from simulator.load.workers import LoadWorkerError

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
