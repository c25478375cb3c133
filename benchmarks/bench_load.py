"""``possim load`` speed: simulated terminals against the embedded host, all in one process on 127.0.0.1.

One financial run (8 terminals x 25 sales, half of them followed by a partial refund, plus one
sign-on per terminal) and, as the baseline measured in the same process just before it, bare 0800
echo exchanges from the same number of terminals (25 each). Both go through the same code (the
terminal engine, the TCP channel, the host logic and both SQLite journals); the ratio financial
ops/s over echo ops/s shows what the financial work (PIN block, MAC, ARQC, money rules, journaling)
costs on top of a bare exchange. Printed, not asserted.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from pos_terminal.security import KeyScheme
from simulator.load import LoadPlan, LoadReport, Result, Workload, run_load

TERMINALS = 8
TRANSACTIONS = 25
REFUND_RATIO = 0.5
DURATION_LIMIT = 120.0
RESPONSE_TIMEOUT = 10.0
FINANCIAL = ("sale", "refund")


def _line(label: str, report: LoadReport) -> str:
    return (f"{label:<10} {report.operations:>5} ops in {report.elapsed:7.3f} s  {report.throughput:8.1f} ops/s  "
            f"latency ms {report.latency.text()}")


def financial_throughput(report: LoadReport) -> float:
    """Sales and refunds per second (sign-ons left out of the count, not of the time)."""
    count = sum(sum(report.counts.get(op, {}).values()) for op in FINANCIAL)
    return count / report.elapsed if report.elapsed > 0 else 0.0


async def _measure(data_dir: Path, scheme: KeyScheme) -> tuple[LoadReport, LoadReport]:
    common = {"terminals": TERMINALS, "transactions": TRANSACTIONS, "key_scheme": scheme,
              "response_timeout": RESPONSE_TIMEOUT, "duration_limit": DURATION_LIMIT}
    echo = await run_load(LoadPlan(workload=Workload.ECHO, **common), host_url=None, data_dir=data_dir / "echo")
    financial = await run_load(LoadPlan(refund_ratio=REFUND_RATIO, **common), host_url=None,
                               data_dir=data_dir / "financial")
    return echo, financial


def main() -> int:
    """Run the benchmark for each key scheme; exit 1 when an operation was not approved."""
    print(f"{TERMINALS} terminals x {TRANSACTIONS} transactions (refund ratio {REFUND_RATIO:g}), "
          "embedded host on 127.0.0.1, one event loop")
    status = 0
    for scheme in KeyScheme:
        with tempfile.TemporaryDirectory(prefix="possim-bench-load-") as folder:
            echo, financial = asyncio.run(_measure(Path(folder), scheme))
        print(f"-- {scheme.value}")
        print("  " + _line("echo", echo))
        print("  " + _line("financial", financial))
        for op, latency in financial.latency_by_operation.items():
            print(f"    {op:<8} {latency.count:>5}  latency ms {latency.text()}")
        rate = financial_throughput(financial)
        ratio = rate / echo.throughput if echo.throughput else 0.0
        print(f"  sales+refunds {rate:.1f} ops/s, echo {echo.throughput:.1f} ops/s: ratio {ratio:.2f}")
        for report in (echo, financial):
            if report.total(Result.APPROVED) != report.operations or report.stopped_early:
                print(f"  NOT ALL APPROVED: {report.to_json()['outcomes']} {report.errors} {report.stop_reason}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
