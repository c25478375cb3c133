"""The iso8583 benchmark still runs and still compares identical encodings (tiny iteration counts)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from benchmarks import bench_iso8583
from tests.unit.iso8583.oracle import require_oracle


@pytest.fixture(autouse=True)
def _cpus_given_back() -> Iterator[None]:
    """Whatever a test here does to this process's CPU affinity is undone after it."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    yield
    if allowed is not None:
        os.sched_setaffinity(0, allowed)


def test_benchmark_prints_ops_per_second_and_the_ratio(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    require_oracle()
    monkeypatch.setattr(bench_iso8583, "ITERATIONS", 20)
    monkeypatch.setattr(bench_iso8583, "ROUNDS", 2)
    bench_iso8583.main()
    out = capsys.readouterr().out
    assert "refund request 0200" in out and "refund response 0210" in out and "goal ours/pyiso8583 >= " in out


@pytest.fixture
def cpus() -> set[int]:
    """The CPUs this process may run on (the test is skipped where that cannot change)."""
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this system")
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        pytest.skip("one CPU only: pinning to one changes nothing")
    return allowed


def test_benchmark_gives_back_the_cpus_it_pinned(monkeypatch: pytest.MonkeyPatch, cpus: set[int]) -> None:
    """make bench runs every benchmark in one process: the host and load benchmarks after this one must not
    run (with their servers) on the one CPU this one pins itself to."""
    require_oracle()
    monkeypatch.setattr(bench_iso8583, "ITERATIONS", 20)
    monkeypatch.setattr(bench_iso8583, "ROUNDS", 2)
    bench_iso8583.main()
    assert os.sched_getaffinity(0) == cpus
