"""What a run measures, in a form that merges across worker processes.

A :class:`Tally` counts every operation by kind and outcome and keeps every latency (an
``array('d')`` per operation: 8 bytes a sample, so exact percentiles after merging). It also
keeps a coarse log-scale histogram of all latencies, cheap to copy, from which the live
progress line reads its p50 while the run goes on.
"""

from __future__ import annotations

import math
import statistics
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ERROR_SAMPLES = 5
"""How many distinct error texts a tally keeps."""
_BUCKET_RATIO = math.log(1.02)
"""Histogram buckets are 2 % wide: the live p50 is within 2 % of the exact one."""


class Result(StrEnum):
    """How one operation ended, as the report counts it."""

    APPROVED = "approved"
    DECLINED = "declined"
    """The host answered with a response code other than 00."""
    REFUSED = "refused"
    """The terminal refused it itself (nothing, or nothing valid, reached the host)."""
    FAILED = "failed"
    """No valid answer from the host: unreachable, timeout, garbled, MAC failure, interrupted."""


@dataclass(frozen=True)
class Latency:
    """Latency percentiles in milliseconds (None when nothing was measured)."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, seconds: list[float] | array) -> Latency:
        """Percentiles by :func:`statistics.quantiles` (inclusive method) of ``seconds``."""
        if not len(seconds):
            return cls(0, None, None, None, None)
        ms = [value * 1000.0 for value in seconds]
        cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
        return cls(len(ms), round(cuts[49], 3), round(cuts[94], 3), round(cuts[98], 3), round(max(ms), 3))

    def to_json(self) -> dict[str, Any]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}

    def text(self) -> str:
        if not self.count:
            return "-"
        return f"p50 {self.p50:.1f}  p95 {self.p95:.1f}  p99 {self.p99:.1f}  max {self.max:.1f}"


def _bucket(seconds: float) -> int:
    return round(math.log(max(seconds, 1e-6)) / _BUCKET_RATIO)


@dataclass(frozen=True)
class Progress:
    """A run so far, as the live progress line shows it."""

    operations: int
    errors: int
    """Operations that were not approved."""
    histogram: dict[int, int]
    elapsed: float
    """Seconds since the first operation started."""

    @classmethod
    def merged(cls, parts: list[Progress]) -> Progress:
        histogram: Counter[int] = Counter()
        for part in parts:
            histogram.update(part.histogram)
        return cls(sum(p.operations for p in parts), sum(p.errors for p in parts), dict(histogram),
                   max((p.elapsed for p in parts), default=0.0))

    def p50_ms(self) -> float | None:
        """The median latency so far, from the histogram (2 % resolution)."""
        total = sum(self.histogram.values())
        if not total:
            return None
        seen = 0
        for bucket in sorted(self.histogram):
            seen += self.histogram[bucket]
            if 2 * seen >= total:
                return math.exp(bucket * _BUCKET_RATIO) * 1000.0
        return None  # pragma: no cover - the loop always reaches half


@dataclass
class ReversalCounts:
    """Reversals of operations whose answer was lost: sent (each 0400/0401), acknowledged, still owed."""

    sent: int = 0
    acked: int = 0
    pending: int = 0

    def add(self, other: ReversalCounts) -> None:
        self.sent += other.sent
        self.acked += other.acked
        self.pending += other.pending

    def to_json(self) -> dict[str, int]:
        return {"sent": self.sent, "acked": self.acked, "pending": self.pending}


@dataclass
class Tally:
    """Counts, latencies and errors of the operations of one run (or of one worker's share)."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, array] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    first_start: float | None = None
    """Wall-clock time (``time.time``) the first operation started: comparable across processes."""
    last_end: float | None = None
    histogram: Counter[int] = field(default_factory=Counter)
    unknown_terminals: list[str] = field(default_factory=list)
    """Terminals the host refused at sign-on as unknown (response 03)."""
    reversals: ReversalCounts = field(default_factory=ReversalCounts)
    cut_short: bool = False
    """The duration limit stopped terminals that had more to do."""
    cancelled: int = 0
    """Terminals cancelled mid-operation after the grace period."""

    @property
    def operations(self) -> int:
        return sum(sum(by_result.values()) for by_result in self.counts.values())

    def total(self, result: Result) -> int:
        return sum(by_result.get(result.value, 0) for by_result in self.counts.values())

    def record(self, operation: str, result: Result, seconds: float, error: str | None,
               started: float, ended: float) -> None:
        """One operation: its outcome, its latency (seconds), its error text, its wall-clock start and end."""
        by_result = self.counts.get(operation)
        if by_result is None:
            by_result = self.counts[operation] = {r.value: 0 for r in Result}
            self.seconds[operation] = array("d")
        by_result[result] += 1  # a StrEnum member finds its value's key
        self.seconds[operation].append(seconds)
        self.histogram[_bucket(seconds)] += 1
        if error:
            self._note_error(f"{operation}: {error}")
        self.first_start = started if self.first_start is None else min(self.first_start, started)
        self.last_end = ended if self.last_end is None else max(self.last_end, ended)

    def _note_error(self, text: str | None) -> None:
        if text and text not in self.errors and len(self.errors) < ERROR_SAMPLES:
            self.errors.append(text)

    def merge(self, other: Tally) -> None:
        """Add ``other`` (another worker's tally) into this one."""
        for operation, by_result in other.counts.items():
            mine = self.counts.setdefault(operation, {r.value: 0 for r in Result})
            for result, count in by_result.items():
                mine[result] += count
        for operation, values in other.seconds.items():
            self.seconds.setdefault(operation, array("d")).extend(values)
        for text in other.errors:
            self._note_error(text)
        for attribute, pick in (("first_start", min), ("last_end", max)):
            theirs, mine_value = getattr(other, attribute), getattr(self, attribute)
            if theirs is not None:
                setattr(self, attribute, theirs if mine_value is None else pick(mine_value, theirs))
        self.histogram.update(other.histogram)
        self.unknown_terminals.extend(other.unknown_terminals)
        self.reversals.add(other.reversals)
        self.cut_short = self.cut_short or other.cut_short
        self.cancelled += other.cancelled

    def progress(self) -> Progress:
        elapsed = time.time() - self.first_start if self.first_start is not None else 0.0
        return Progress(self.operations, self.operations - self.total(Result.APPROVED), dict(self.histogram),
                        elapsed)

    @property
    def elapsed(self) -> float:
        """Seconds from the first operation's start to the last one's end (0 when none ran)."""
        if self.first_start is None or self.last_end is None:
            return 0.0
        return max(0.0, self.last_end - self.first_start)
