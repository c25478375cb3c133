"""Running a scenario: a terminal engine (and, without ``--host``, the host emulator) and its steps.

Each step is one ``possim txn`` operation; the engine's observer (pos_terminal.common.observe) collects
the messages of the step so message-level expectations can be checked. A step whose expectations
hold *passed*; one whose expectations do not hold *failed*; one that could not run (a reference
to a value an earlier step did not produce, an unexpected exception) is an *error*; the steps of
a scenario whose host rules cannot apply (``--host``) are *skipped*.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from time import perf_counter
from typing import Any

from pos_terminal.state.config import TerminalConfig, load_config
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.state.passwords import hash_password
from pos_terminal.common.results import TxnResult
from simulator.txn_api import TxnOptions, run_operation
from simulator.scenario.expect import Check, check_step
from simulator.scenario.model import Scenario, Step
from simulator.scenario.parse import REFERENCE, STATUS, ScenarioError

SCENARIO_PASSWORD_ITERATIONS = 1_000
"""PBKDF2 cost of the supervisor password hash of a scenario's terminal. The hash lives in memory
for the run only (nothing is written), the password is a test password, and the default cost
(200 000) would spend most of a library run hashing."""


class StepStatus(StrEnum):
    """A step's verdict, as JUnit reports it."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass
class StepReport:
    """What one step did and how its expectations turned out."""

    name: str
    operation: str
    status: StepStatus
    seconds: float = 0.0
    result: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    """Why the step is an error or skipped."""
    error_type: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    """The messages on the wire: direction, MTI and MAC verdict (no field values)."""

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "operation": self.operation, "status": self.status.value,
            "time": round(self.seconds, 3), "result": self.result,
            "checks": [check.to_json() for check in self.checks], "error": self.error,
            "messages": self.messages,
        }


@dataclass
class ScenarioReport:
    """One scenario's run: where, when, how long, and each step's report."""

    scenario: Scenario
    host: str | None
    started: datetime
    steps: list[StepReport]
    seconds: float = 0.0
    skipped: str | None = None
    """Why the whole scenario was skipped (its host rules cannot apply to ``--host``)."""

    @property
    def passed(self) -> bool:
        return not any(step.status in (StepStatus.FAILED, StepStatus.ERROR) for step in self.steps)

    def count(self, status: StepStatus) -> int:
        return sum(step.status is status for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "file": str(self.scenario.path) if self.scenario.path else None,
            "description": self.scenario.description,
            "host": self.host,
            "passed": self.passed,
            "skipped": self.skipped,
            "time": round(self.seconds, 3),
            "steps": [step.to_json() for step in self.steps],
        }


DEFAULT_DIALECT = "terminal87"
"""The dialect of a scenario that names none, and of a ``--host`` given without ``--dialect``."""


def skip_reason(scenario: Scenario, host_url: str | None, dialect: str | None = None) -> str | None:
    """Why ``scenario`` cannot run against ``host_url`` (which speaks ``dialect``): its fault rules need the
    embedded host, or it is written for another dialect."""
    if host_url is None:
        return None
    if scenario.host_rules:
        return (f"its [[host.rule]] faults cannot apply to {host_url}: "
                "they act only on the embedded host (run without --host)")
    wanted, spoken = scenario.terminal.get("dialect", DEFAULT_DIALECT), dialect or DEFAULT_DIALECT
    if wanted != spoken:
        return f"it is written for the {wanted} dialect and {host_url} speaks {spoken} (--dialect)"
    return None


async def run_scenario(
    scenario: Scenario, terminal_dir: Path, *, host_url: str | None = None, host_dir: Path | None = None,
    dialect: str | None = None,
) -> ScenarioReport:
    """Run ``scenario`` with its terminal in ``terminal_dir``.

    Against ``host_url`` (speaking ``dialect``, the dialect of a scenario that names none) when given,
    else against the host emulator started here on 127.0.0.1 with the scenario's rules and the
    terminal's dialect, its data in ``host_dir``.
    """
    started, clock = datetime.now(UTC), perf_counter()
    reason = skip_reason(scenario, host_url, dialect)
    if reason is not None:
        steps = [StepReport(step.name, step.operation, StepStatus.SKIPPED, error=reason) for step in scenario.steps]
        return ScenarioReport(scenario, host_url, started, steps, skipped=reason)
    settings = scenario.terminal if dialect is None else {"dialect": dialect, **scenario.terminal}
    config = scenario_terminal_config(terminal_dir, settings)
    host = None
    embedded_dir = None
    if host_url is None:
        embedded_dir = host_dir or terminal_dir.parent / "host"
        host, host_url = await _start_host(scenario, config, embedded_dir)
    engine = None
    try:
        engine = TerminalEngine.open(terminal_dir, config.with_overrides(host_url=host_url))
        results: dict[str, dict[str, Any]] = {}
        steps = [await _run_step(engine, step, results, embedded_dir) for step in scenario.steps]
    finally:
        if engine is not None:
            engine.close()
        if host is not None:
            await host.stop()
    return ScenarioReport(scenario, host_url, started, steps, perf_counter() - clock)


def scenario_terminal_config(terminal_dir: Path, overrides: dict[str, Any]) -> TerminalConfig:
    """The terminal's configuration (its folder's terminal.toml, then the scenario's ``[terminal]``)."""
    terminal_dir.mkdir(parents=True, exist_ok=True)
    changes = dict(overrides)
    if "supervisor_password" in changes:
        changes["supervisor_password_hash"] = hash_password(changes.pop("supervisor_password"),
                                                            iterations=SCENARIO_PASSWORD_ITERATIONS)
    config = load_config(terminal_dir, password_iterations=SCENARIO_PASSWORD_ITERATIONS)
    return config.with_overrides(**changes) if changes else config


async def _start_host(scenario: Scenario, config: TerminalConfig, host_dir: Path) -> tuple[Any, str]:
    from simulator.host.config import load_host_config
    from simulator.host.rules import parse_rules
    from simulator.host.server import HostServer

    host_dir.mkdir(parents=True, exist_ok=True)
    host_config = dataclasses.replace(load_host_config(host_dir), dialect=config.dialect)
    host = HostServer(host_config, listen="tcp://127.0.0.1:0", rules=parse_rules({"rule": scenario.host_rules}))
    return host, await host.start()


async def _run_step(engine: TerminalEngine, step: Step, results: dict[str, dict[str, Any]],
                    host_dir: Path | None = None) -> StepReport:
    records: list[ExchangeRecord] = []
    engine.observer = records.append
    clock = perf_counter()
    report = StepReport(step.name, step.operation, StepStatus.PASSED)
    try:
        options = resolve_options(step, results)
        if step.advance_days:
            _advance_business_date(host_dir, step.advance_days)
        with _host_down(engine, step.host_down):
            if step.operation == STATUS:
                result = (await _status(engine, options)).to_json()
            else:
                result = (await run_operation(engine, step.operation, options)).to_json()
    except Exception as error:  # the runner reports any failure to run a step and goes on with the next
        report.status, report.error, report.error_type = StepStatus.ERROR, str(error), type(error).__name__
    else:
        results[step.name] = result
        report.result = result
        report.checks = check_step(step, result, records, engine.dialect)
        if report.failures:
            report.status = StepStatus.FAILED
    finally:
        engine.observer = None
    report.seconds = perf_counter() - clock
    report.messages = [{"direction": record.direction.value, "mti": record.message.mti,
                        "mac": None if record.mac_verified is None else ("valid" if record.mac_verified else "invalid")}
                       for record in records]
    return report


def _advance_business_date(host_dir: Path | None, days: int) -> None:
    """Move the embedded host's business date ``days`` ahead (as ``possim host advance-date --days``)."""
    from simulator.host.journal import HostJournal

    if host_dir is None:
        raise ScenarioError("advance_days moves the embedded host's business date: run without --host")
    journal = HostJournal(host_dir / "host-journal.sqlite3")
    try:
        journal.move_business_date(lambda offset: offset + days)
    finally:
        journal.close()


async def _status(engine: TerminalEngine, options: TxnOptions) -> TxnResult:
    """The scenario's ``status`` step: the host asked about a journaled transaction (by RRN or invoice)."""
    if options.original_rrn:
        record = engine.journal.find_by_rrn(options.original_rrn)
    else:
        assert options.invoice is not None
        record = engine.journal.find_by_invoice(options.invoice)
    if record is None:
        raise ScenarioError(f"status: no transaction {options.original_rrn or options.invoice} in the journal")
    return await engine.inquire_status(record)


@contextmanager
def _host_down(engine: TerminalEngine, down: bool) -> Iterator[None]:
    """While active, the engine's host is a 127.0.0.1 port bound but not listening: connections are refused."""
    if not down:
        yield
        return
    configured = engine.config
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        engine.config = configured.with_overrides(host_url=f"tcp://127.0.0.1:{closed.getsockname()[1]}")
        try:
            yield
        finally:
            engine.config = configured


def resolve_options(step: Step, results: dict[str, dict[str, Any]]) -> TxnOptions:
    """The step's options with ``{step.field}`` references replaced by earlier results."""
    def value_of(match: Any) -> str:
        found: Any = results.get(match.group(1))
        if found is None:
            raise ScenarioError(f"{match.group(0)}: step {match.group(1)!r} produced no result")
        for part in match.group(2).split("."):
            if not isinstance(found, dict) or found.get(part) is None:
                raise ScenarioError(f"{match.group(0)} is not in the result of step {match.group(1)!r}")
            found = found[part]
        return str(found)

    resolved = {key: REFERENCE.sub(value_of, value) if isinstance(value, str) else value
                for key, value in step.options.items()}
    if "amount" in resolved:
        resolved["amount"] = str(resolved["amount"])
    if "invoice" in resolved:
        text = str(resolved["invoice"])
        if not text.isdigit():
            raise ScenarioError(f"invoice {text!r} is not a number")
        resolved["invoice"] = int(text)
    return TxnOptions(**resolved)
