"""``possim load``: many simulated terminals against a host, reporting throughput and latency.

Against ``--host URL``, or (without it) against the host emulator started in the same process
on 127.0.0.1 whose terminal table lists the simulated terminals. A run is bounded by its count
(``--terminals`` x ``--transactions``) or by ``--duration``, and always by ``--duration-limit``;
``--workers N`` spreads the terminals over N processes. See docs/load.md.

Exit codes: 0 every operation completed (approved or declined by the host), 1 the terminal
refused some itself, 3 some failed to communicate, or the host does not know the load
terminals, or a worker failed; 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

from iso8583.dialects import dialect_names
from protocols.security import KeyScheme
from simulator.commands.output import (
    EXIT_COMMUNICATION,
    EXIT_OK,
    EXIT_REFUSED,
    InputError,
    add_json_flag,
    data_folder,
    emit,
    host_url,
)
from typing import TYPE_CHECKING

from simulator.eventloops import EventLoopChoice, EventLoopUnavailable, resolve, run_on
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

if TYPE_CHECKING:
    from simulator.load.report import LoadReport

DEFAULT_TRANSACTIONS = 10
DEFAULT_REFUND_RATIO = 0.5
DEFAULT_DURATION_LIMIT = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim load``."""
    parser = subparsers.add_parser(
        "load", help="many simulated terminals against a host: throughput and latency",
        epilog="examples:\n"
               "  possim load                                             # 4 terminals x 10 sales, embedded host\n"
               "  possim load --terminals 100 --duration 60 --mix sale=60,refund=30,void=10 --workers 2\n"
               "  possim load --print-host-config --terminals 100 > host.toml   # what your host must know\n"
               "  possim load --host tcp://127.0.0.1:8583 --key-scheme dukpt-aes --json\n"
               "(docs/load.md)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", type=host_url, help="host URL, e.g. tcp://127.0.0.1:8583; default: the embedded host "
                                       "emulator on 127.0.0.1")
    parser.add_argument("--terminals", type=_whole(1, MAX_TERMINALS), default=4,
                        help="simulated terminals, run concurrently (default 4)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--transactions", type=_whole(1, MAX_TRANSACTIONS), default=None,
                        help=f"sales (with --mix: operations) per terminal, in sequence (default {DEFAULT_TRANSACTIONS})")
    amount.add_argument("--duration", type=_seconds, default=None,
                        help="run for this many seconds instead of a count of transactions")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--refund-ratio", type=_ratio, default=None,
                      help=f"share of sales followed by a partial refund of that sale, 0..1 "
                           f"(default {DEFAULT_REFUND_RATIO:g})")
    what.add_argument("--mix", type=_mix, default=None,
                      help="draw operations from these weights, e.g. sale=60,refund=30,void=10")
    parser.add_argument("--workers", type=_whole(1, MAX_WORKERS), default=1,
                        help="processes to spread the terminals over, each its own event loop (default 1)")
    parser.add_argument("--model", choices=[model.value for model in TerminalModel], default=TerminalModel.LIGHT.value,
                        help="light: protocol-exact terminals with state in memory and one persistent connection "
                             "each (default); engine: the full terminal core with its journal")
    parser.add_argument("--key-scheme", choices=[scheme.value for scheme in KeyScheme], default=KeyScheme.MKSK.value,
                        help="key management of the simulated terminals (default mksk)")
    parser.add_argument("--dialect", default="terminal87",
                        help=f"ISO 8583 dialect spoken with the host: {', '.join(dialect_names())} or a TOML "
                             "dialect file (default terminal87)")
    parser.add_argument("--timeout", type=_seconds, default=10.0,
                        help="seconds to wait for each host response (default 10)")
    parser.add_argument("--duration-limit", type=_seconds, default=None,
                        help=f"stop starting operations after this many seconds (default {DEFAULT_DURATION_LIMIT:g}, "
                             "or the --duration)")
    parser.add_argument("--event-loop", choices=[choice.value for choice in EventLoopChoice], default="auto",
                        help="the terminals' event loop: auto (default: uvloop when installed), asyncio, or uvloop "
                             "(pip install 'possim[fast]'); workers use the same")
    parser.add_argument("--workload", choices=[workload.value for workload in Workload], default="financial",
                        help="financial: sign-on, sales, refunds, voids (default); echo: 0800 echo tests only")
    parser.add_argument("--data", type=data_folder, default=Path("possim-load"),
                        help="data folder: DIR/host for the embedded host, DIR/terminals/LOAD0001... for "
                             "--model engine (default ./possim-load)")
    parser.add_argument("--print-host-config", action="store_true",
                        help="print a whole host.toml for a new host data folder with these terminals, and exit")
    parser.add_argument("--print-host-terminals", action="store_true",
                        help="print [[terminals]] tables (test keys) to append to an existing host.toml, and exit")
    parser.add_argument("--locustfile", action="store_true",
                        help="print the path of the shipped Locust file (pip install '.[load]' from a clone of possim), and exit")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text[:20]!r}")
        return int(text)
    return parse


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text[:20]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text[:20]!r}")
    return value


def _ratio(text: str) -> float:
    value = _number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a ratio from 0 to 1, got {text[:20]!r}")
    return value


def _seconds(text: str) -> float:
    value = _number(text)
    if not 0.0 < value <= MAX_DURATION:
        raise argparse.ArgumentTypeError(f"expected seconds above 0 and at most {MAX_DURATION:g}, got {text[:20]!r}")
    return value


def _mix(text: str) -> Mix:
    try:
        return Mix.parse(text)
    except MixError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("mix: ")) from None


def plan_from_args(args: argparse.Namespace) -> LoadPlan:
    """The :class:`LoadPlan` the options describe; :class:`InputError` when it cannot run."""
    duration_limit = args.duration_limit
    if duration_limit is None:
        duration_limit = max(DEFAULT_DURATION_LIMIT, args.duration or 0.0)
    try:
        return LoadPlan(
            terminals=args.terminals,
            transactions=args.transactions if args.transactions is not None else DEFAULT_TRANSACTIONS,
            refund_ratio=args.refund_ratio if args.refund_ratio is not None else DEFAULT_REFUND_RATIO,
            key_scheme=KeyScheme(args.key_scheme), dialect=args.dialect, response_timeout=args.timeout,
            duration_limit=duration_limit, workload=Workload(args.workload), mix=args.mix, duration=args.duration,
            workers=args.workers, model=TerminalModel(args.model),
        )
    except LoadPlanError as error:
        raise InputError(f"--{str(error).split(':', 1)[0].replace('_', '-')}: {str(error).split(': ', 1)[-1]}") \
            from None


def exit_code(report: LoadReport) -> int:
    from simulator.load.tally import Result

    """3 when some operation failed to communicate, the host does not know the terminals or signed none on,
    1 when the terminal refused some, else 0."""
    if report.total(Result.FAILED) or report.unknown_terminals or report.none_signed_on:
        return EXIT_COMMUNICATION
    if report.total(Result.REFUSED):
        return EXIT_REFUSED
    return EXIT_OK


def locustfile_path() -> Path:
    """Where the shipped Locust file is installed."""
    return Path(str(files("simulator.locust").joinpath("locustfile.py")))


def run(args: argparse.Namespace) -> int:
    from simulator.load.progress import ProgressLine
    from simulator.load.run import host_config_text, host_terminals_text, run_load
    from simulator.load.terminal import unknown_terminal_text
    from simulator.load.workers import LoadWorkerError  # (imported here: they bring the host and the engine)

    if args.locustfile:
        sys.stdout.write(f"{locustfile_path()}\n")
        if find_spec("locust") is None:
            sys.stderr.write("possim load: Locust is not installed here: pip install '.[load]' from a clone of possim\n")
        return EXIT_OK
    plan = plan_from_args(args)
    if args.print_host_config:
        sys.stdout.write(host_config_text(plan))
        return EXIT_OK
    if args.print_host_terminals:
        sys.stdout.write(host_terminals_text(plan))
        return EXIT_OK
    try:
        event_loop = resolve(getattr(args, "event_loop", EventLoopChoice.AUTO))
    except EventLoopUnavailable as error:
        raise InputError(f"--event-loop uvloop: {error}") from None
    line = ProgressLine(sys.stderr) if not args.json and sys.stderr.isatty() else None
    try:
        report = run_on(event_loop, run_load(plan, host_url=args.host, data_dir=args.data, progress=line))
    except LoadWorkerError as error:
        sys.stderr.write(f"possim load: {error}\n")
        return EXIT_COMMUNICATION
    finally:
        if line is not None:
            line.clear()
    if report.unknown_terminals:
        sys.stderr.write(f"possim load: {unknown_terminal_text(report.unknown_terminals[0])}\n")
    elif report.none_signed_on:
        first = next((error for error in report.errors if error.startswith("signon")), "signon: declined")
        sys.stderr.write(f"possim load: no terminal could sign on ({report.sign_ons} tried; first {first}): "
                         "the run stopped before any transaction\n")
    emit(args, report.to_json(), report.to_text())
    return exit_code(report)
