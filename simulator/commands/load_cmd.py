"""``possim load``: many simulated terminals against a host, reporting throughput and latency.

Against ``--host URL``, or (without it) against the host emulator started in the same process
on 127.0.0.1 whose terminal table lists the simulated terminals. Every run is bounded by its
count (``--terminals`` x ``--transactions``) and by ``--duration-limit`` seconds. See docs/load.md.

Exit codes: 0 every operation completed (approved or declined by the host), 1 the terminal
refused some itself, 3 some failed to communicate, 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from iso8583.dialects import dialect_names
from pos_terminal.security import KeyScheme
from simulator.commands.output import (
    EXIT_COMMUNICATION,
    EXIT_OK,
    EXIT_REFUSED,
    InputError,
    add_json_flag,
    data_folder,
    emit,
)
from simulator.load import (
    MAX_DURATION,
    MAX_TERMINALS,
    MAX_TRANSACTIONS,
    LoadPlan,
    LoadPlanError,
    LoadReport,
    Result,
    Workload,
    run_load,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim load``."""
    parser = subparsers.add_parser("load", help="many simulated terminals against a host: throughput and latency")
    parser.add_argument("--host", help="host URL, e.g. tcp://127.0.0.1:8583; default: the embedded host "
                                       "emulator on 127.0.0.1")
    parser.add_argument("--terminals", type=_whole(1, MAX_TERMINALS), default=4,
                        help="simulated terminals, run concurrently (default 4)")
    parser.add_argument("--transactions", type=_whole(1, MAX_TRANSACTIONS), default=10,
                        help="sales per terminal, in sequence (default 10)")
    parser.add_argument("--refund-ratio", type=_ratio, default=0.5,
                        help="share of sales followed by a partial refund of that sale, 0..1 (default 0.5)")
    parser.add_argument("--key-scheme", choices=[scheme.value for scheme in KeyScheme], default=KeyScheme.MKSK.value)
    parser.add_argument("--dialect", choices=dialect_names(), default="terminal87")
    parser.add_argument("--timeout", type=_seconds, default=10.0,
                        help="seconds to wait for each host response (default 10)")
    parser.add_argument("--duration-limit", type=_seconds, default=60.0,
                        help="stop starting operations after this many seconds (default 60)")
    parser.add_argument("--workload", choices=[workload.value for workload in Workload], default="financial",
                        help="financial: sign-on, sales and refunds (default); echo: 0800 echo tests only")
    parser.add_argument("--data", type=data_folder, default=Path("possim-load"),
                        help="data folder: DIR/terminals/LOAD0001... and DIR/host (default ./possim-load)")
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


def plan_from_args(args: argparse.Namespace) -> LoadPlan:
    """The :class:`LoadPlan` the options describe; :class:`InputError` when it cannot run."""
    try:
        return LoadPlan(
            terminals=args.terminals, transactions=args.transactions, refund_ratio=args.refund_ratio,
            key_scheme=KeyScheme(args.key_scheme), dialect=args.dialect, response_timeout=args.timeout,
            duration_limit=args.duration_limit, workload=Workload(args.workload),
        )
    except LoadPlanError as error:
        raise InputError(str(error)) from None


def exit_code(report: LoadReport) -> int:
    """3 when some operation failed to communicate, 1 when the terminal refused some, else 0."""
    if report.total(Result.FAILED):
        return EXIT_COMMUNICATION
    if report.total(Result.REFUSED):
        return EXIT_REFUSED
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    plan = plan_from_args(args)
    report = asyncio.run(run_load(plan, host_url=args.host, data_dir=args.data))
    emit(args, report.to_json(), report.to_text())
    return exit_code(report)
