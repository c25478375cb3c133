"""Load generator speed: ``possim load`` operations per second against ``possim host`` in its own process.

Rows, each a timed run (``--duration``) measured in the same run of this module against one host:

* 20 light terminals, chip sales with PIN only: the load generator's own cost, in financial
  operations per client CPU-second (the CPU of this process, the host being another one; each sale
  built, signed, sent, its answer decoded, MAC-checked and its ARPC checked), on asyncio's event loop
  and on uvloop (when installed: ``possim load``'s default then), :data:`ROUNDS` interleaved rounds
  each, medians (the machine is shared: one run of each would compare two different minutes).
  Goal (issue 24): >= 5,000 per client CPU-second, i.e. <= 200 us per sale
* its floor, in the same rounds: the least a client pays per exchange on that loop: the same number of
  connections writing pre-built signed sales and reading the answers (raw asyncio streams, to a bare echo
  server, nothing built, decoded or checked: :func:`benchmarks.hostclient.measure_frames`); printed as
  client CPU per exchange, and the light sale as a multiple of it
* 20 light terminals, mix sale=60,refund=30,void=10 (the default model), one process and two workers
* light terminals, 0800 echo tests only: the same terminals and connections without the financial work
* 20 full terminal engines (SQLite journal per terminal, a connection per exchange), same mix

Ratios: light/engine (what the light model buys) and financial/echo (what the financial work costs,
host and terminal together, over a bare exchange). A missed goal is printed, not an error; an
operation that is not approved is (exit 1: the numbers would mean nothing).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.hostclient import Fleet, Server, build_frames, measure_frames, sign_on
from protocols.security import KeyScheme
from simulator.load import LoadPlan, LoadReport, Mix, Result, TerminalModel, Workload, run_load
from simulator.eventloops import EventLoopChoice, EventLoopUnavailable, resolve, run_on

SECONDS = 3.0
SALES_SECONDS = 2.0
ROUNDS = 3
"""Interleaved rounds of the sales rows (asyncio, uvloop, asyncio, uvloop, ...)."""
TERMINALS = 20
MIX = Mix.parse("sale=60,refund=30,void=10")
SALES = Mix.parse("sale=100")
GOAL_OPS_PER_CPU_SECOND = 5000.0
FLOOR_FRAMES = 4000
"""Pre-built frames of the floor rows, cycled for :data:`SALES_SECONDS`."""


def _run(url: str, data_dir: Path, event_loop: EventLoopChoice = EventLoopChoice.AUTO,
         **plan: object) -> tuple[LoadReport, float]:
    """The report of one run on ``event_loop`` (default: as `possim load`) and the CPU seconds this process spent on it."""
    common: dict[str, object] = {"terminals": TERMINALS, "duration": SECONDS, "duration_limit": SECONDS,
                                 "response_timeout": 10.0, "key_scheme": KeyScheme.MKSK}
    started = time.process_time()
    report = run_on(event_loop, run_load(LoadPlan(**{**common, **plan}), host_url=url, data_dir=data_dir))  # type: ignore[arg-type]
    return report, time.process_time() - started


def _floor(echo: Server, fleet: Fleet, event_loop: EventLoopChoice) -> float:
    """Client CPU seconds per exchange of the bare client on ``event_loop``: ``fleet``'s pre-built frames written
    to the echo server and the answers read back, nothing else done with them."""
    run = run_on(event_loop, measure_frames(echo.url, fleet, SALES_SECONDS, server_pid=None, echo=True))
    return run.client_cpu / run.requests


def _loops() -> list[EventLoopChoice]:
    """asyncio, and uvloop when it is installed."""
    try:
        return [EventLoopChoice.ASYNCIO, resolve(EventLoopChoice.UVLOOP)]
    except EventLoopUnavailable:
        return [EventLoopChoice.ASYNCIO]


def _line(label: str, report: LoadReport, cpu: float | None) -> str:
    latency = report.latency
    per_cpu = f"{report.operations / cpu:>10,.0f}" if cpu else f"{'(workers)':>10}"
    return (f"  {label:<32}{report.operations:>7}{report.throughput:>10.1f}{latency.p50 or 0:>9.1f}"
            f"{latency.p99 or 0:>9.1f}{per_cpu}")


def main() -> int:
    """Run the rows; exit 1 when an operation was not approved (the numbers would mean nothing)."""
    print(f"possim load, {TERMINALS} terminals for {SECONDS:g} s per row, against possim host "
          "(own process, 127.0.0.1), mksk")
    print(f"  {'terminals':<32}{'ops':>7}{'ops/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ops/cpu-s':>10}")
    rows: dict[str, LoadReport] = {}
    cpus: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="possim-bench-load-") as folder:
        data = Path(folder)
        with Server.host(data / "host", TERMINALS) as host, Server.echo() as echo:
            fleet = build_frames(asyncio.run(sign_on(host.url, TERMINALS)), math.ceil(FLOOR_FRAMES / TERMINALS))
            sales_runs: dict[EventLoopChoice, list[tuple[LoadReport, float]]] = {loop: [] for loop in _loops()}
            floors: dict[EventLoopChoice, list[float]] = {loop: [] for loop in sales_runs}
            for round_number in range(ROUNDS):
                for loop, results in sales_runs.items():
                    results.append(_run(host.url, data / f"sales_{loop}_{round_number}", loop, mix=SALES,
                                        duration=SALES_SECONDS, duration_limit=SALES_SECONDS))
                    floors[loop].append(_floor(echo, fleet, loop))
            per_sale: dict[EventLoopChoice, float] = {}
            for loop, results in sales_runs.items():
                label = f"light, sales, {loop}"
                report, cpu = sorted(results, key=lambda result: result[1] / max(1, result[0].operations))[ROUNDS // 2]
                rows[label], cpus[label] = report, cpu
                per_sale[loop] = statistics.median(result[1] / max(1, result[0].operations) for result in results)
                print(_line(f"{label} (median)", report, cpu))
            runs = {
                "light, mix": {"mix": MIX},
                "light, mix, 2 workers": {"mix": MIX, "workers": 2},
                "light, 0800 echo": {"workload": Workload.ECHO},
                "engine, mix": {"mix": MIX, "model": TerminalModel.ENGINE},
            }
            for label, plan in runs.items():
                rows[label], cpus[label] = _run(host.url, data / label.replace(" ", "_").replace(",", ""), **plan)
                print(_line(label, rows[label], None if plan.get("workers") else cpus[label]))
    light, echo, engine = (rows[label] for label in ("light, mix", "light, 0800 echo", "engine, mix"))
    print(f"  light/engine {light.throughput / engine.throughput if engine.throughput else 0:.2f}   "
          f"financial/echo {light.throughput / echo.throughput if echo.throughput else 0:.2f}")
    default_loop = resolve(EventLoopChoice.AUTO)
    for loop, seconds in per_sale.items():
        sales = 1 / seconds if seconds else 0.0
        floor = statistics.median(floors[loop])
        default = " (possim load's default here)" if loop is default_loop else ""
        print(f"  floor, {loop}: a bare client, pre-built frames written and answers read over {TERMINALS} "
              f"connections: {1e6 * floor:.0f} us client CPU per exchange ({1 / floor:,.0f} per CPU-second); "
              f"a light sale costs {seconds / floor:.1f}x that")
        print(f"  goal light sales >= {GOAL_OPS_PER_CPU_SECOND:,.0f} per client CPU-second, {loop}{default}: "
              f"{sales:,.0f} ({1e6 * seconds:.0f} us per sale) "
              f"{'met' if sales >= GOAL_OPS_PER_CPU_SECOND else 'MISSED'}")
    status = 0
    for label, report in rows.items():
        if report.total(Result.APPROVED) != report.operations:
            print(f"  NOT ALL APPROVED ({label}): {report.to_json()['outcomes']} {report.errors}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
