"""Run every ``benchmarks/bench_*.py`` module's ``main()``, in name order."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> int:
    """Run all benchmarks; the exit code is the first non-zero one a benchmark returned, else 0."""
    status = 0
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        print(f"== {path.stem}", flush=True)
        result = module.main()
        if isinstance(result, int) and result and not status:
            status = result
    return status


if __name__ == "__main__":
    sys.exit(main())
