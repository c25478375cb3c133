"""The iso8583 benchmark still runs and still compares identical encodings (tiny iteration counts)."""

from __future__ import annotations

import pytest

from benchmarks import bench_iso8583
from tests.unit.iso8583.oracle import require_oracle


def test_benchmark_prints_ops_per_second_and_the_ratio(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    require_oracle()
    monkeypatch.setattr(bench_iso8583, "ITERATIONS", 20)
    monkeypatch.setattr(bench_iso8583, "ROUNDS", 2)
    bench_iso8583.main()
    out = capsys.readouterr().out
    assert "refund request 0200" in out and "refund response 0210" in out and "goal ours/pyiso8583 >= " in out
