"""Scenarios: a scripted sequence of terminal operations with expectations, for CI pipelines.

A scenario file (TOML) names its steps; each step is one ``possim txn`` operation with the same
options, and ``expect`` lists fields of the step's JSON result that must have given values.
A string option may refer to an earlier step's result: ``"{sale.rrn}"`` is the ``rrn`` of the
step named ``sale``. See docs/scenarios.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.commands.output import InputError
from simulator.commands.txn_cmd import OPERATIONS, TxnOptions

_OPTION_KEYS = TxnOptions.names()
_STEP_KEYS = _OPTION_KEYS | {"name", "operation", "expect"}
_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_.]*)\}")


class ScenarioError(InputError):
    """The scenario file is malformed; the message names the step and the key."""


@dataclass(frozen=True)
class Step:
    """One operation of a scenario and what its result must show."""

    name: str
    operation: str
    options: dict[str, Any] = field(repr=False)
    expect: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A named list of steps, with terminal configuration overrides and host fault rules."""

    name: str
    steps: tuple[Step, ...]
    terminal: dict[str, Any]
    host_rules: list[dict[str, Any]]


@dataclass(frozen=True)
class Check:
    """One expectation and how it turned out."""

    field: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.actual

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "expected": self.expected, "actual": self.actual, "ok": self.ok}


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"cannot read scenario {path}: {error.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"scenario {path} is not valid TOML: {error}") from None
    return parse_scenario(document, default_name=Path(path).stem)


def parse_scenario(document: dict[str, Any], default_name: str = "scenario") -> Scenario:
    """A :class:`Scenario` from a parsed document; every error names the step and the key."""
    unknown = set(document) - {"name", "terminal", "host", "step"}
    if unknown:
        raise ScenarioError(f"unknown top-level key {sorted(unknown)[0]!r}")
    entries = document.get("step")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError("a scenario needs at least one [[step]]")
    steps: list[Step] = []
    for index, entry in enumerate(entries, start=1):
        steps.append(_parse_step(entry, index, {step.name for step in steps}))
    host = document.get("host", {})
    if not isinstance(host, dict) or set(host) - {"rule"}:
        raise ScenarioError("[host] takes only [[host.rule]] tables (docs/host-rules.md)")
    terminal = document.get("terminal", {})
    if not isinstance(terminal, dict):
        raise ScenarioError("[terminal] must be a table of terminal.toml keys")
    return Scenario(str(document.get("name", default_name)), tuple(steps), terminal, list(host.get("rule", [])))


def _parse_step(entry: Any, index: int, earlier: set[str]) -> Step:
    if not isinstance(entry, dict):
        raise ScenarioError(f"step {index}: expected a table")
    name = str(entry.get("name", f"step{index}"))
    where = f"step {index} ({name})"
    unknown = set(entry) - _STEP_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    if name in earlier:
        raise ScenarioError(f"{where}: the name is already used by an earlier step")
    operation = entry.get("operation")
    if operation not in OPERATIONS:
        raise ScenarioError(f"{where}: operation {operation!r}, expected one of {', '.join(OPERATIONS)}")
    expect = entry.get("expect", {})
    if not isinstance(expect, dict):
        raise ScenarioError(f"{where}: expect must be a table of result fields")
    options = {key: entry[key] for key in _OPTION_KEYS & set(entry)}
    for key, value in options.items():
        for reference in _REFERENCE.findall(value) if isinstance(value, str) else ():
            if reference[0] not in earlier:
                raise ScenarioError(f"{where}: {key} refers to {reference[0]!r}, not an earlier step")
    return Step(name, operation, options, expect)


def resolve_options(step: Step, results: dict[str, dict[str, Any]]) -> TxnOptions:
    """The step's options with ``{step.field}`` references replaced by earlier results."""
    def value_of(match: re.Match[str]) -> str:
        found: Any = results[match.group(1)]
        for part in match.group(2).split("."):
            if not isinstance(found, dict) or part not in found:
                raise ScenarioError(f"step {step.name}: {match.group(0)} is not in that step's result")
            found = found[part]
        return str(found)

    resolved = {key: _REFERENCE.sub(value_of, value) if isinstance(value, str) else value
                for key, value in step.options.items()}
    for key in ("amount", "invoice"):
        value = resolved.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise ScenarioError(f"step {step.name}: {key} must be a string or an integer")
    if "amount" in resolved:
        resolved["amount"] = str(resolved["amount"])
    if "invoice" in resolved:
        text = str(resolved["invoice"])
        if not text.isdigit():
            raise ScenarioError(f"step {step.name}: invoice {text!r} is not a number")
        resolved["invoice"] = int(text)
    return TxnOptions(**resolved)


def check(step: Step, result: dict[str, Any]) -> list[Check]:
    """Compare the step's expectations with its JSON result (dotted names reach into objects)."""
    checks = []
    for name, expected in step.expect.items():
        actual: Any = result
        for part in name.split("."):
            actual = actual.get(part) if isinstance(actual, dict) else None
        checks.append(Check(name, expected, actual))
    return checks
