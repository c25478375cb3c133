"""The pyiso8583 oracle locator: a missing oracle fails interop tests under CI and skips them locally."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.iso8583 import oracle


def test_missing_oracle_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(oracle, "ORACLE_DIR", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="pyiso8583 oracle not installed"):
        oracle.require_oracle()


def test_missing_oracle_skips_locally(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(oracle, "ORACLE_DIR", tmp_path / "absent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="pyiso8583 oracle not installed"):
        oracle.require_oracle()
