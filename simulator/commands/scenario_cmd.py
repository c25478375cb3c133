"""``possim scenario FILE... [--junit PATH]``: run scripted terminal operations and check expectations.

Every file is read and checked first (exit 2 on the first malformed one, naming the file, the step
and the key); then each scenario runs with a fresh terminal against the host emulator started in
this process on 127.0.0.1 with the scenario's fault rules, or against ``--host URL`` (where a
scenario with fault rules, or written for another dialect than ``--dialect``, is skipped). Exit 0
when every expectation holds, 1 when one fails, a step cannot run, or nothing ran at all (every
scenario skipped), 2 on bad input.
``--library`` prints the folder of the shipped refund test cases. See docs/scenarios.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from simulator.commands.output import EXIT_OK, EXIT_REFUSED, InputError, add_json_flag, data_folder, emit, host_url

if TYPE_CHECKING:  # imported when the command runs: simulator.scenario imports simulator.commands
    from simulator.scenario import Scenario, ScenarioReport

JOURNAL_FILE = "journal.sqlite3"
"""The terminal journal's file in a terminal data folder."""
ENDED_COUNTER = "scenario_ended"
"""The journal counter (of the --host counters folder) keeping the second the last scenario ended."""
DEFAULT_SHARED_DATA = Path("possim-scenario")
"""With --host: where the terminal's DUKPT counters persist between runs (``terminal/``)."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim scenario``."""
    parser = subparsers.add_parser(
        "scenario", help="run scripted transactions with expectations (CI, JUnit)",
        epilog="examples:\n"
               "  possim scenario my_refund.toml                               # against a host started here\n"
               "  possim scenario $(possim scenario --library)/*.toml --junit report.xml\n"
               "  possim scenario my_refund.toml --host tcp://127.0.0.1:8583 --json\n"
               "(the file format: docs/scenarios.md)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="scenario files (TOML, see docs/scenarios.md); one JUnit test suite each")
    parser.add_argument("--host", type=host_url, help="host URL; default: the host emulator started here on 127.0.0.1 per scenario")
    parser.add_argument("--dialect", default=None, metavar="NAME",
                        help="with --host: the dialect that host speaks (default terminal87); a scenario whose "
                             "[terminal] names another is skipped")
    parser.add_argument("--data", type=data_folder, default=None,
                        help="keep the journals here: DIR/<scenario>/terminal (and /host) (default: a temporary "
                             "folder); with --host, DIR/terminal keeps the DUKPT counters between runs (default "
                             "possim-scenario/)")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write a JUnit XML report to PATH")
    parser.add_argument("--library", action="store_true", help="print the folder of the shipped refund test cases")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from simulator.scenario import LIBRARY, load_scenario
    from simulator.scenario.junit import write_junit
    from simulator.scenario.runner import StepStatus, skip_reason

    if args.library:
        if args.files:
            raise InputError("--library prints the library's folder and takes no FILE")
        emit(args, {"library": str(LIBRARY)}, str(LIBRARY))
        return EXIT_OK
    if not args.files:
        raise InputError("give at least one scenario FILE (or --library to print the library's folder)")
    if args.dialect is not None and args.host is None:
        raise InputError("--dialect names the dialect of --host: give --host URL too")
    if args.junit is not None and any(_same_file(args.junit, path) for path in args.files):
        raise InputError(f"--junit {args.junit}: that is one of the scenario files; name another file for the report")
    scenarios = [load_scenario(path) for path in args.files]
    for scenario in scenarios:
        reason = skip_reason(scenario, args.host, args.dialect)
        if reason is not None:
            sys.stderr.write(f"possim scenario: warning: {scenario.path}: {reason}; "
                             f"its {len(scenario.steps)} steps are reported as skipped\n")
    if args.data is None:
        with tempfile.TemporaryDirectory(prefix="possim-scenario-") as folder:
            counters = DEFAULT_SHARED_DATA / "terminal" if args.host is not None else None
            reports = asyncio.run(_run_all(scenarios, Path(folder), args.host, args.dialect, counters))
    else:
        _check_fresh(args.data, scenarios)
        counters = args.data / "terminal" if args.host is not None else None
        reports = asyncio.run(_run_all(scenarios, args.data, args.host, args.dialect, counters))
    if args.junit is not None:
        write_junit(reports, args.junit)
    ran = any(step.status is not StepStatus.SKIPPED for report in reports for step in report.steps)
    passed = ran and all(report.passed for report in reports)
    payload: dict[str, Any] = {"passed": passed, "ran": ran, "scenarios": [report.to_json() for report in reports]}
    if args.junit is not None:
        payload["junit"] = str(args.junit)
    emit(args, payload, _text(reports, passed, ran))
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


async def _run_all(scenarios: Sequence[Scenario], data: Path, host_url: str | None, dialect: str | None,
                   counters: Path | None) -> list[ScenarioReport]:
    """Each scenario in turn with a fresh terminal in ``data/<scenario>/terminal``: against its own host, or
    against ``host_url``. There each terminal takes over the DUKPT counters kept in ``counters`` (a KSN never
    repeats towards that host) and starts in a batch the host has not seen from it, in a later second than
    the last one ended (its STANs restart at 1, so DE 11 + DE 7 never repeat either)."""
    from simulator.scenario import run_scenario
    from simulator.scenario.runner import skip_reason

    reports = []
    for scenario, name in zip(scenarios, _folders(scenarios), strict=True):
        terminal = data / name / "terminal"
        if host_url is None:
            reports.append(await run_scenario(scenario, terminal, host_dir=data / name / "host"))
            continue
        runs = skip_reason(scenario, host_url, dialect) is None
        if runs and counters is not None:
            await _after_second(carry_counters(counters, terminal, next_batch=True))
        reports.append(await run_scenario(scenario, terminal, host_url=host_url, dialect=dialect))
        if runs and counters is not None:
            carry_counters(terminal, counters, next_batch=False, ended=math.floor(time.time()))
    return reports


def carry_counters(source: Path, target: Path, *, next_batch: bool, ended: int | None = None) -> int:
    """Bring the terminal folder ``target`` up to ``source``'s DUKPT counters and batch number (past it with
    ``next_batch``: a batch the host may hold transactions of is never reused); ``ended``: the second (Unix
    time) the scenario of ``source`` ended, kept in ``target``. Returns the last such second ``source`` keeps
    (0: none)."""
    from pos_terminal.journal import Journal
    from pos_terminal.state.keyring import AES_COUNTER, TDES_COUNTER

    journals = [Journal.open(folder / JOURNAL_FILE) for folder in (source, target)]
    try:
        for name in (TDES_COUNTER, AES_COUNTER):
            ahead = journals[0].get_counter(name, 0)
            if ahead > journals[1].get_counter(name, 0):
                journals[1].set_counter(name, ahead)
        batch = journals[0].current_batch() + (1 if next_batch else 0)
        while journals[1].current_batch() < batch:
            journals[1].close_batch()
        if ended is not None:
            journals[1].set_counter(ENDED_COUNTER, ended)
        return journals[0].get_counter(ENDED_COUNTER, 0)
    finally:
        for journal in journals:
            journal.close()


async def _after_second(second: int) -> None:
    """Wait until the wall clock is past ``second`` (Unix time; DE 7 has whole seconds)."""
    if (wait := second + 1 - time.time()) > 0:
        await asyncio.sleep(wait)


def _text(reports: Sequence[ScenarioReport], passed: bool, ran: bool) -> str:
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
    verdict = "PASSED" if passed else "FAILED" if ran else "NOTHING RAN (every step skipped)"
    lines.append(f"{verdict}: {len(reports)} scenarios, {len(steps)} steps ({counts}) "
                 f"in {total:.1f} s")
    return "\n".join(lines)


def _same_file(report: Path, scenario: Path) -> bool:
    """Whether writing the report to ``report`` would overwrite the scenario file ``scenario``."""
    try:
        return report.resolve() == Path(scenario).resolve()
    except OSError:
        return False
