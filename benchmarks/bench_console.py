"""The HTTP console's cost to the ISO 8583 service: host round trips with the console watched and loaded,
as a ratio to the same host without it, measured in the same run.

Three hosts in turn (each its own process on 127.0.0.1, same client, 10 connections of 0200 sales):
the host alone; the host with ``http = "127.0.0.1:0"`` and, in another process, a stream client that
reads every event, one that opens the stream and never reads (its queue fills, its events are dropped)
and a Prometheus-like scrape of /metrics every second; the same plus an API client asking for
``/api/transactions?limit=50`` back to back. Printed, not asserted (docs/host-api.md: bounded queues,
journal reads off the event loop).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.hostclient import Measurement, Server, measure
from simulator.load.plan import LoadPlan
from simulator.load.run import host_config_text

CONNECTIONS = 10
SECONDS = 3.0

WATCHERS = r'''
import socket, sys, threading, time, urllib.request
base, hammer = sys.argv[1], sys.argv[2] == "1"
counts = {"events": 0, "scrapes": 0, "api": 0}
def fast():
    with urllib.request.urlopen(base + "/api/stream") as stream:
        for line in stream:
            if line.startswith(b"event: exchange"):
                counts["events"] += 1
def slow():
    host, port = base.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET /api/stream HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    time.sleep(3600)
def scrape():
    while True:
        urllib.request.urlopen(base + "/metrics").read(); counts["scrapes"] += 1; time.sleep(1)
def api():
    while True:
        urllib.request.urlopen(base + "/api/transactions?limit=50").read(); counts["api"] += 1
for target in (fast, slow, scrape) + ((api,) if hammer else ()):
    threading.Thread(target=target, daemon=True).start()
print("ready", flush=True)
sys.stdin.readline()
print(counts["events"], counts["scrapes"], counts["api"], flush=True)
'''


def _host(data_dir: Path, console: bool) -> tuple[Server, str | None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    text = host_config_text(LoadPlan(terminals=CONNECTIONS))
    (data_dir / "host.toml").write_text(('http = "127.0.0.1:0"\n' if console else "") + text, encoding="utf-8")
    server = Server([sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                     "--data", str(data_dir)])
    url = server.process.stdout.readline().split()[-1] if console and server.process.stdout else None
    return server, url


def _row(name: str, measurement: Measurement, floor: Measurement, extra: str = "") -> None:
    ratio = measurement.throughput / floor.throughput if floor.throughput else 0.0
    print(f"{name:<34}{measurement.throughput:>9.0f}/s  p50 {measurement.percentile_ms(50):6.1f}  "
          f"p99 {measurement.percentile_ms(99):6.1f}  {ratio:>6.3f}  {extra}")


def main() -> int:
    print(f"0200 sales, {CONNECTIONS} connections, {SECONDS:g} s per row; ratio to the host without a console")
    status = 0
    with tempfile.TemporaryDirectory(prefix="possim-bench-console-") as folder:
        server, _ = _host(Path(folder) / "plain", console=False)
        with server:
            floor = asyncio.run(measure(server.url, CONNECTIONS, SECONDS, echo=False))
        _row("host alone", floor, floor)
        for name, hammer in (("console: stream x2 + /metrics", False), ("... + /api/transactions loop", True)):
            server, console = _host(Path(folder) / name.replace(" ", "_").replace("/", ""), console=True)
            with server:
                watchers = subprocess.Popen([sys.executable, "-c", WATCHERS, str(console), "1" if hammer else "0"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                assert watchers.stdout is not None and watchers.stdin is not None
                watchers.stdout.readline()
                try:
                    result = asyncio.run(measure(server.url, CONNECTIONS, SECONDS, echo=False))
                    watchers.stdin.write("\n")
                    watchers.stdin.flush()
                    events, scrapes, calls = watchers.stdout.readline().split()
                finally:
                    watchers.kill()
                    watchers.wait()
            _row(name, result, floor, f"events read {events}, scrapes {scrapes}, API calls {calls}")
            if result.errors or floor.errors:
                print(f"  ERRORS: {result.errors} / {floor.errors}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
