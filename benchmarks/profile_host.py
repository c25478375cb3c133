"""Where the host's time goes under the 100-connection client: ``python -m benchmarks.profile_host``.

Not part of ``make bench`` (a profiler slows what it measures). Three passes, each a fresh host
process on 127.0.0.1 driven by benchmarks/hostclient.py (pre-built signed 0200 chip sales back to
back, built before each pass starts):

1. under cProfile: the functions with the most time of their own, and the most cumulative time;
2. under ``strace -f -c`` (when strace is installed): system calls, fsync/fdatasync among them;
3. sampled by py-spy (when installed: ``pip install py-spy``) in the steady state, wall clock:
   where the host's time goes, by function, own and inclusive.

Options: ``--connections N`` (default 100), ``--seconds S`` (default 8), ``--sales N`` (pre-built,
default 8000), ``--uvloop`` (the host on uvloop: ``possim host --event-loop uvloop``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.hostclient import FrameRun, Server, build_frames, measure_frames, sign_on

TOP = 25
SALES = 8000
HOST_OPTIONS: list[str] = []


def _drive(host: Server, connections: int, seconds: float) -> FrameRun:
    """Sign on, pre-build the sales, send them (the measured part)."""
    terminals = asyncio.run(sign_on(host.url, connections))
    fleet = build_frames(terminals, -(-SALES // connections))
    return asyncio.run(measure_frames(host.url, fleet, seconds, server_pid=host.process.pid, echo=False))


def _cprofile(folder: Path, connections: int, seconds: float) -> None:
    profile = folder / "host.prof"
    with Server.host(folder / "cprofile", connections, extra=[sys.executable, "-m", "cProfile", "-o", str(profile)],
                     options=HOST_OPTIONS) as host:
        result = _drive(host, connections, seconds)
    print(f"== cProfile: {len(result.latencies)} sales answered in the {result.window:.1f} s window "
          f"({result.throughput:.0f}/s, p50 {result.percentile_ms(50):.1f} ms, p99 {result.percentile_ms(99):.1f} ms)")
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(str(profile), stream=text).sort_stats(order).print_stats(TOP)
        print(f"-- by {order}")
        print(text.getvalue().split("\n", 6)[-1].rstrip())


def _strace(folder: Path, connections: int, seconds: float) -> None:
    if shutil.which("strace") is None:
        print("== strace: not installed (apt-get install strace)")
        return
    summary = folder / "strace.txt"
    with Server.host(folder / "strace", connections, options=HOST_OPTIONS) as host:
        terminals = asyncio.run(sign_on(host.url, connections))
        fleet = build_frames(terminals, -(-SALES // connections))
        tracer = subprocess.Popen(["strace", "-f", "-c", "-o", str(summary), "-p", str(host.process.pid)],
                                  stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached to every thread before the first request
        result = asyncio.run(measure_frames(host.url, fleet, seconds, server_pid=None, echo=False))
        tracer.send_signal(signal.SIGINT)  # detach: strace writes its summary
        tracer.wait(timeout=30)
    print(f"== strace -f -c -p HOST: {len(result.latencies)} sales answered in the {seconds:g} s window "
          f"({result.throughput:.0f}/s under strace)")
    text = summary.read_text(encoding="utf-8")
    print(text.rstrip())
    syncs = sum(int(fields[3]) for fields in (line.split() for line in text.splitlines())
                if len(fields) >= 5 and fields[-1] in ("fsync", "fdatasync") and fields[3].isdigit())
    print(f"fsync + fdatasync calls: {syncs} while attached (sign-ons, warm-up and tail included)")


def _py_spy(folder: Path, connections: int, seconds: float) -> None:
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("== py-spy: not installed (pip install py-spy)")
        return
    samples = folder / "py-spy.txt"
    with Server.host(folder / "py-spy", connections, options=HOST_OPTIONS) as host:
        terminals = asyncio.run(sign_on(host.url, connections))
        fleet = build_frames(terminals, -(-SALES // connections))

        async def sample() -> FrameRun:
            driving = asyncio.create_task(measure_frames(host.url, fleet, seconds, server_pid=host.process.pid,
                                                         echo=False))
            await asyncio.sleep(1.0)  # past the warm-up
            recorder = await asyncio.create_subprocess_exec(
                spy, "record", "-d", str(max(1, int(seconds / 2))), "-r", "200", "--format", "raw", "-o", str(samples),
                "-p", str(host.process.pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await recorder.wait()
            return await driving
        result = asyncio.run(sample())
    print(f"== py-spy (steady state, wall clock): {result.throughput:.0f} sales/s, p50 {result.percentile_ms(50):.1f} ms, "
          f"host CPU {result.server_us or 0:.0f} us per sale (sampler included)")
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in samples.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame.rsplit(":", 1)[0] for frame in stack.split(";")]  # a function, whatever its line
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    for title, counter in (("own time", own), ("inclusive", inclusive)):
        print(f"-- {title}")
        for frame, count in counter.most_common(TOP):
            print(f"{100 * count / max(total, 1):6.1f}%  {frame}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_host", description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sales", type=int, default=SALES)
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--only", choices=("cprofile", "strace", "py-spy"))
    args = parser.parse_args(argv)
    globals()["SALES"] = args.sales
    HOST_OPTIONS[:] = ["--event-loop", "uvloop"] if args.uvloop else []
    with tempfile.TemporaryDirectory(prefix="possim-profile-host-") as folder:
        for name, run in (("cprofile", _cprofile), ("strace", _strace), ("py-spy", _py_spy)):
            if args.only in (None, name):
                run(Path(folder), args.connections, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
