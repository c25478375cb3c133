"""Run every ``benchmarks/bench_*.py`` module's ``main()``, in name order, then list the goals missed.

Exit status: the first non-zero one a benchmark returned (a correctness failure: ours and the
floor computing different values, an answer that is not a valid approval), else 0. A missed
speed goal is reported (each benchmark prints ``MISSED`` on its line, and the summary repeats
those lines), not an error: speed depends on the machine and on what else runs on it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TextIO


class _MissedGoals:
    """Passes output through and keeps the lines that say a goal was missed."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.missed: list[str] = []
        self._partial = ""
        self.current = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        self.missed.extend(f"{self.current}: {line.strip()}" for line in lines if "MISSED" in line)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def main() -> int:
    """Run all benchmarks; the exit code is the first non-zero one a benchmark returned, else 0."""
    status = 0
    tee = _MissedGoals(sys.stdout)
    real, sys.stdout = sys.stdout, tee  # type: ignore[assignment]
    try:
        for path in sorted(Path(__file__).parent.glob("bench_*.py")):
            module = importlib.import_module(f"benchmarks.{path.stem}")
            tee.current = path.stem
            print(f"== {path.stem}", flush=True)
            result = module.main()
            if isinstance(result, int) and result and not status:
                print(f"{path.stem}: FAILED (exit {result}): a correctness check failed, its numbers mean nothing")
                status = result
    finally:
        sys.stdout = real
    print("== summary")
    if tee.missed:
        print(f"{len(tee.missed)} goal(s) missed on this machine:")
        for line in tee.missed:
            print(f"  {line}")
    else:
        print("every goal met")
    print("correctness: " + ("FAILED" if status else "every benchmark's checks passed"))
    return status


if __name__ == "__main__":
    sys.exit(main())
