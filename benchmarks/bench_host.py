"""Host speed: financial round trips through ``possim host`` against a bare asyncio echo server, same client.

The client (benchmarks/hostclient.py) keeps 1, 10 and 100 persistent connections, each a light
terminal sending signed 0200 chip sales back to back for a few seconds. The host and the echo
server each run in their own process on 127.0.0.1, started here; the host journals durably as
it always does. For each connection count: round trips per second, p50 and p99 latency (ms),
and the ratio host/echo of the round trips per second. The goal for 100 connections is a ratio
of at least 0.10 (issue 13), and p99 under 50 ms; printed, not asserted.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from benchmarks.hostclient import Measurement, Server, measure

CONNECTIONS = (1, 10, 100)
SECONDS = 3.0
GOAL_RATIO = 0.10
GOAL_P99_MS = 50.0


def _cell(measurement: Measurement) -> str:
    return (f"{measurement.throughput:>9.0f}/s  p50 {measurement.percentile_ms(50):7.1f}  "
            f"p99 {measurement.percentile_ms(99):7.1f}")


def main() -> int:
    """Print the table; exit 1 when some host round trip failed (the numbers would mean nothing)."""
    print(f"0200 sales back to back, {SECONDS:g} s per row after a {0.5:g} s warm-up; host and echo server in "
          "their own processes on 127.0.0.1")
    print(f"{'connections':>11}  {'possim host':<40}{'echo server':<40}{'host/echo':>9}")
    status = 0
    results: dict[int, tuple[Measurement, Measurement]] = {}
    with tempfile.TemporaryDirectory(prefix="possim-bench-host-") as folder:
        with Server.host(Path(folder) / "host", max(CONNECTIONS)) as host, Server.echo() as echo:
            for connections in CONNECTIONS:
                theirs = asyncio.run(measure(echo.url, connections, SECONDS, echo=True))
                ours = asyncio.run(measure(host.url, connections, SECONDS, echo=False))
                results[connections] = (ours, theirs)
                ratio = ours.throughput / theirs.throughput if theirs.throughput else 0.0
                print(f"{connections:>11}  {_cell(ours):<40}{_cell(theirs):<40}{ratio:>9.3f}")
                if ours.errors or theirs.errors:
                    print(f"  ERRORS: host {ours.errors}, echo {theirs.errors}")
                    status = 1
    ours, theirs = results[max(CONNECTIONS)]
    ratio = ours.throughput / theirs.throughput if theirs.throughput else 0.0
    print(f"goals at {max(CONNECTIONS)} connections: host/echo >= {GOAL_RATIO:g} "
          f"({'met' if ratio >= GOAL_RATIO else 'not met'}), p99 < {GOAL_P99_MS:g} ms "
          f"({'met' if ours.percentile_ms(99) < GOAL_P99_MS else 'not met'})")
    return status


if __name__ == "__main__":
    sys.exit(main())
