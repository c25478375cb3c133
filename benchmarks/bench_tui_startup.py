"""Device UI start-up time: from process start, and in-process, until the first screen is mounted.

Cold: a child ``python -c`` imports the app, opens a terminal engine on a fresh data
folder, builds the app and runs it headless until its screen is mounted, then exits;
timed from spawning the process to its exit. Warm: ``App.run_test`` in this process
until mounted. Median of several runs each; target: under 2 s.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
TARGET_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import asyncio, sys
from pathlib import Path
from pos_terminal.state.config import load_config
from pos_terminal.device import DeviceModel
from pos_terminal.engine.terminal import TerminalEngine
from simulator.tui import PossimApp

async def main() -> None:
    data = Path(sys.argv[1])
    engine = TerminalEngine.open(data, load_config(data).with_overrides(host_url="tcp://127.0.0.1:9"))
    app = PossimApp(DeviceModel(engine))
    async with app.run_test(size=(130, 46)) as pilot:
        await pilot.pause()
    engine.close()

asyncio.run(main())
"""


def cold_start(data_dir: Path) -> float:
    """Seconds from spawning a fresh interpreter to its exit after the first screen was mounted."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, str(data_dir)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


async def _warm_once(data_dir: Path) -> float:
    from pos_terminal.state.config import load_config
    from pos_terminal.device import DeviceModel
    from pos_terminal.engine.terminal import TerminalEngine
    from simulator.tui import PossimApp

    engine = TerminalEngine.open(data_dir, load_config(data_dir).with_overrides(host_url="tcp://127.0.0.1:9"))
    try:
        started = time.perf_counter()
        app = PossimApp(DeviceModel(engine))
        async with app.run_test(size=(130, 46)) as pilot:
            await pilot.pause()
            return time.perf_counter() - started
    finally:
        engine.close()


def warm_start(data_dir: Path) -> float:
    """Seconds to build the app and mount its first screen in this (already warm) process."""
    return asyncio.run(_warm_once(data_dir))


def main() -> int:
    """Print the median cold and warm start-up times and whether each is under the target."""
    with tempfile.TemporaryDirectory() as tmp:
        cold = [cold_start(Path(tmp) / f"cold{run}") for run in range(RUNS)]
        warm_start(Path(tmp) / "warmup")  # first import of Textual and the app is not a warm start
        warm = [warm_start(Path(tmp) / f"warm{run}") for run in range(RUNS)]
    status = 0
    for name, times in (("process start to first screen", cold), ("in-process run_test to mounted", warm)):
        median = statistics.median(times)
        ok = median < TARGET_SECONDS
        status = status or (0 if ok else 1)
        print(f"tui startup, {name}: median {median:.3f} s over {len(times)} runs "
              f"(min {min(times):.3f}, max {max(times):.3f}) -> {'under' if ok else 'OVER'} {TARGET_SECONDS:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
