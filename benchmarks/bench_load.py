"""Load generator speed: ``possim load`` operations per second against ``possim host`` in its own process.

Rows, each a timed run (``--duration``) measured in the same run of this module against one host:

* 20 light terminals, mix sale=60,refund=30,void=10 (the default model), one process and two workers
* light terminals, 0800 echo tests only: the same terminals and connections without the financial work
* 20 full terminal engines (SQLite journal per terminal, a connection per exchange), same mix

Ratios: light/engine (what the light model buys) and financial/echo (what the financial work costs,
host and terminal together, over a bare exchange). Printed, not asserted.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from benchmarks.hostclient import Server
from protocols.security import KeyScheme
from simulator.load import LoadPlan, LoadReport, Mix, Result, TerminalModel, Workload, run_load

SECONDS = 3.0
TERMINALS = 20
MIX = Mix.parse("sale=60,refund=30,void=10")


def _run(url: str, data_dir: Path, **plan: object) -> LoadReport:
    common: dict[str, object] = {"terminals": TERMINALS, "duration": SECONDS, "duration_limit": SECONDS,
                                 "response_timeout": 10.0, "key_scheme": KeyScheme.MKSK}
    return asyncio.run(run_load(LoadPlan(**{**common, **plan}), host_url=url, data_dir=data_dir))  # type: ignore[arg-type]


def _line(label: str, report: LoadReport) -> str:
    latency = report.latency
    return (f"  {label:<26}{report.operations:>7}{report.throughput:>10.1f}{latency.p50 or 0:>9.1f}"
            f"{latency.p99 or 0:>9.1f}")


def main() -> int:
    """Run the rows; exit 1 when an operation was not approved (the numbers would mean nothing)."""
    print(f"possim load, {TERMINALS} terminals for {SECONDS:g} s per row, against possim host "
          "(own process, 127.0.0.1), mksk")
    print(f"  {'terminals':<26}{'ops':>7}{'ops/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    rows: dict[str, LoadReport] = {}
    with tempfile.TemporaryDirectory(prefix="possim-bench-load-") as folder:
        data = Path(folder)
        with Server.host(data / "host", TERMINALS) as host:
            runs = {
                "light, mix": {"mix": MIX},
                "light, mix, 2 workers": {"mix": MIX, "workers": 2},
                "light, 0800 echo": {"workload": Workload.ECHO},
                "engine, mix": {"mix": MIX, "model": TerminalModel.ENGINE},
            }
            for label, plan in runs.items():
                rows[label] = report = _run(host.url, data / label.replace(" ", "_").replace(",", ""), **plan)
                print(_line(label, report))
    light, echo, engine = (rows[label] for label in ("light, mix", "light, 0800 echo", "engine, mix"))
    print(f"  light/engine {light.throughput / engine.throughput if engine.throughput else 0:.2f}   "
          f"financial/echo {light.throughput / echo.throughput if echo.throughput else 0:.2f}")
    status = 0
    for label, report in rows.items():
        if report.total(Result.APPROVED) != report.operations:
            print(f"  NOT ALL APPROVED ({label}): {report.to_json()['outcomes']} {report.errors}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
