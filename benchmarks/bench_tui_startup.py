"""Device UI start-up time: from process start, and in-process, until the first screen is mounted.

Cold: a child ``python -c`` imports the app, opens a terminal engine on a fresh data
folder, builds the app and runs it headless until its screen is mounted, then exits;
timed from spawning the process to its exit. The floor: the same for a minimal Textual
app (one Static), in the same rounds: each round starts both, back to back, in alternating
order, and the ratio is the median of the rounds' ratios. Warm: ``App.run_test`` in this process
until mounted. Goals: cold start <= 3x the minimal Textual app (issue 24), and under 2 s (median).
A missed goal is printed, not an error.
"""

from __future__ import annotations

import asyncio
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
TARGET_SECONDS = 2.0
TARGET_RATIO = 3.0
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


MINIMAL = """
import asyncio
from textual.app import App, ComposeResult
from textual.widgets import Static

class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Static("possim")

async def main() -> None:
    async with Minimal().run_test(size=(130, 46)) as pilot:
        await pilot.pause()

asyncio.run(main())
"""


def cold_start(data_dir: Path, child: str = CHILD) -> float:
    """Seconds from spawning a fresh interpreter to its exit after the first screen was mounted."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", child, str(data_dir)], cwd=ROOT, check=True,
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


PACKAGES = ("keys", "iso8583", "emv", "protocols", "pos_terminal", "simulator")


def compile_packages() -> None:
    """Byte-compile possim's packages first, as pip does for an installed package and as Textual's own
    modules are: an editable checkout under ``PYTHONDONTWRITEBYTECODE`` (set on some CI machines) would
    otherwise compile every module from source at each start, and the ratio would measure the compiler."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def main() -> int:
    """Print the median cold and warm start-up times, the ratio to a minimal Textual app, and the goals."""
    compile_packages()
    with tempfile.TemporaryDirectory() as tmp:
        cold, minimal, ratios = [], [], []
        for run in range(RUNS):  # paired, in alternating order: a busy moment of the machine hits both of a pair
            if run % 2:
                minimal.append(cold_start(Path(tmp) / f"minimal{run}", MINIMAL))
                cold.append(cold_start(Path(tmp) / f"cold{run}"))
            else:
                cold.append(cold_start(Path(tmp) / f"cold{run}"))
                minimal.append(cold_start(Path(tmp) / f"minimal{run}", MINIMAL))
            ratios.append(cold[-1] / minimal[-1])
        warm_start(Path(tmp) / "warmup")  # first import of Textual and the app is not a warm start
        warm = [warm_start(Path(tmp) / f"warm{run}") for run in range(RUNS)]
    for name, times in (("process start to first screen", cold), ("minimal Textual app, same", minimal),
                        ("in-process run_test to mounted", warm)):
        median = statistics.median(times)
        print(f"tui startup, {name}: median {median:.3f} s over {len(times)} runs "
              f"(min {min(times):.3f}, max {max(times):.3f})")
    ratio = statistics.median(ratios)
    print(f"goal cold start <= {TARGET_RATIO:g}x the minimal Textual app: {ratio:.2f}x (median of {RUNS} pairs' ratios) "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}; under {TARGET_SECONDS:g} s: "
          f"{'met' if statistics.median(cold) < TARGET_SECONDS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
