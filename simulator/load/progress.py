"""The live progress line of ``possim load`` on a terminal: elapsed, operations, ops/s, errors, p50 so far.

Written to stderr with a carriage return (the line is rewritten in place) only when stderr is
a terminal; the caller leaves it out with ``--json`` or when stderr is a file or a pipe.
"""

from __future__ import annotations

from typing import TextIO

from simulator.load.tally import Progress


class ProgressLine:
    """Rewrites one status line on ``stream``; :meth:`clear` erases it before the report is printed."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._width = 0

    def __call__(self, progress: Progress) -> None:
        self.show(render(progress))

    def show(self, text: str) -> None:
        padding = " " * max(0, self._width - len(text))
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def render(progress: Progress) -> str:
    """``12.0 s  4,812 ops  401.0 ops/s  errors 0  p50 23.4 ms``."""
    elapsed = progress.elapsed
    rate = progress.operations / elapsed if elapsed > 0 else 0.0
    p50 = progress.p50_ms()
    return (f"{elapsed:6.1f} s  {progress.operations:,} ops  {rate:,.1f} ops/s  errors {progress.errors:,}  "
            f"p50 {'-' if p50 is None else f'{p50:.1f} ms'}")
