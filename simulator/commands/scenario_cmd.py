"""``possim scenario FILE... [--junit PATH]``: run scripted terminal operations and check expectations.

Every file is read and checked first (exit 2 on the first malformed one, naming the file, the step
and the key); then each scenario runs with a fresh terminal against the host emulator started in
this process on 127.0.0.1 with the scenario's fault rules, or against ``--host URL``. Exit 0 when
every expectation holds, 1 when one fails or a step cannot run, 2 on bad input.
``--library`` prints the folder of the shipped refund test cases. See docs/scenarios.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from simulator.commands.output import EXIT_OK, EXIT_REFUSED, InputError, add_json_flag, data_folder, emit, host_url

if TYPE_CHECKING:  # imported when the command runs: simulator.scenario imports simulator.commands
    from simulator.scenario import Scenario, ScenarioReport

DEFAULT_SHARED_DATA = Path("possim-scenario")
"""With --host: where the run's one terminal keeps its journal and counters between runs."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim scenario``."""
    parser = subparsers.add_parser("scenario", help="run scripted transactions with expectations (CI, JUnit)")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="scenario files (TOML, see docs/scenarios.md); one JUnit test suite each")
    parser.add_argument("--host", type=host_url, help="host URL; default: the host emulator started here on 127.0.0.1 per scenario")
    parser.add_argument("--data", type=data_folder, default=None,
                        help="keep the journals here: DIR/<scenario>/terminal and /host (default: a temporary "
                             "folder); with --host, the run's terminal is DIR/terminal (default possim-scenario/)")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write a JUnit XML report to PATH")
    parser.add_argument("--library", action="store_true", help="print the folder of the shipped refund test cases")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.scenario import LIBRARY, load_scenario
    from simulator.scenario.junit import write_junit
    from simulator.scenario.runner import skip_reason

    if args.library:
        if args.files:
            raise InputError("--library prints the library's folder and takes no FILE")
        emit(args, {"library": str(LIBRARY)}, str(LIBRARY))
        return EXIT_OK
    if not args.files:
        raise InputError("give at least one scenario FILE (or --library to print the library's folder)")
    scenarios = [load_scenario(path) for path in args.files]
    for scenario in scenarios:
        reason = skip_reason(scenario, args.host)
        if reason is not None:
            sys.stderr.write(f"possim scenario: warning: {scenario.path}: {reason}; "
                             f"its {len(scenario.steps)} steps are reported as skipped\n")
    if args.data is None and args.host is None:
        with tempfile.TemporaryDirectory(prefix="possim-scenario-") as folder:
            reports = asyncio.run(_run_all(scenarios, Path(folder), args.host))
    else:
        data = args.data if args.data is not None else DEFAULT_SHARED_DATA
        if args.host is None:
            _check_fresh(data, scenarios)
        reports = asyncio.run(_run_all(scenarios, data, args.host))
    if args.junit is not None:
        write_junit(reports, args.junit)
    passed = all(report.passed for report in reports)
    payload: dict[str, Any] = {"passed": passed, "scenarios": [report.to_json() for report in reports]}
    if args.junit is not None:
        payload["junit"] = str(args.junit)
    emit(args, payload, _text(reports, passed))
    return EXIT_OK if passed else EXIT_REFUSED


def _folders(scenarios: Sequence[Scenario]) -> list[str]:
    """One folder name per scenario: its file's stem, numbered when two files share a stem."""
    names: list[str] = []
    for scenario in scenarios:
        name, number = scenario.label, 2
        while name in names:
            name, number = f"{scenario.label}-{number}", number + 1
        names.append(name)
    return names


def _check_fresh(data: Path, scenarios: Sequence[Scenario]) -> None:
    for name in _folders(scenarios):
        if (data / name).exists():
            raise InputError(f"--data {data}: {data / name} already exists; give a new folder "
                             "(each scenario starts with a fresh terminal and host)")


async def _run_all(scenarios: Sequence[Scenario], data: Path, host_url: str | None) -> list[ScenarioReport]:
    """Each scenario in turn: its own terminal and host, or, against ``host_url``, the run's one terminal
    (a real host sees one terminal whose STANs and DUKPT counters never repeat)."""
    from simulator.scenario import run_scenario

    reports = []
    for scenario, name in zip(scenarios, _folders(scenarios), strict=True):
        if host_url is None:
            reports.append(await run_scenario(scenario, data / name / "terminal", host_dir=data / name / "host"))
        else:
            reports.append(await run_scenario(scenario, data / "terminal", host_url=host_url))
    return reports


def _text(reports: Sequence[ScenarioReport], passed: bool) -> str:
    from simulator.scenario import StepStatus

    verdicts = {StepStatus.PASSED: "ok", StepStatus.FAILED: "FAIL", StepStatus.ERROR: "ERROR",
                StepStatus.SKIPPED: "SKIP"}
    lines = []
    for report in reports:
        where = f" ({report.scenario.path})" if report.scenario.path else ""
        lines.append(f"scenario {report.scenario.name}{where} against {report.host or '-'}")
        for step in report.steps:
            result = step.result or {}
            outcome = result.get("response_code") or result.get("error") or step.error or ""
            lines.append(f"  {verdicts[step.status]:<5} {step.name}: {step.operation} -> {outcome} "
                         f"({step.seconds:.2f} s)")
            lines.extend(f"          {check.describe()}" for check in step.failures)
    steps = [step for report in reports for step in report.steps]
    counts = ", ".join(f"{sum(step.status is status for step in steps)} {status.value}" for status in StepStatus)
    total = sum(report.seconds for report in reports)
    lines.append(f"{'PASSED' if passed else 'FAILED'}: {len(reports)} scenarios, {len(steps)} steps ({counts}) "
                 f"in {total:.1f} s")
    return "\n".join(lines)
