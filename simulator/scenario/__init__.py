"""Scenarios: scripted terminal operations with expectations, for CI pipelines (docs/scenarios.md).

A scenario file (TOML) names its steps; each step is one ``possim txn`` operation with the same
options, and ``expect`` says what its JSON result and the messages it exchanged must show. A
string option may refer to an earlier step's result: ``"{sale.rrn}"`` is the ``rrn`` of the step
named ``sale``. :data:`LIBRARY` holds the shipped refund test cases.

Modules: :mod:`~simulator.scenario.model` (the records), :mod:`~simulator.scenario.parse`
(TOML, every key checked), :mod:`~simulator.scenario.expect` (checks),
:mod:`~simulator.scenario.runner` (running against a host) and :mod:`~simulator.scenario.junit`.
"""

from __future__ import annotations

from pathlib import Path

from simulator.scenario.expect import Check, check_step
from simulator.scenario.model import Scenario, Step
from simulator.scenario.parse import ScenarioError, load_scenario, parse_scenario
from simulator.scenario.runner import ScenarioReport, StepReport, StepStatus, resolve_options, run_scenario

LIBRARY = Path(__file__).with_name("library")
"""The shipped refund test cases (``possim scenario --library`` prints this folder)."""


def library_files() -> list[Path]:
    """The library's scenario files, in name order."""
    return sorted(LIBRARY.glob("*.toml"))


__all__ = [
    "LIBRARY", "Check", "Scenario", "ScenarioError", "ScenarioReport", "Step", "StepReport", "StepStatus",
    "check_step", "library_files", "load_scenario", "parse_scenario", "resolve_options", "run_scenario",
]
