"""``possim run`` (the main job of ``make run``) completes on a fresh data-less checkout."""

from __future__ import annotations

import pytest

from simulator.cli import main


def test_run_tours_every_calculator_command_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "08D7B4" in out  # the TDES KCV of the classic test key
    assert "6AC292FAA1315B4D858AB3A3D7D5933A" in out  # the X9.24-1:2009 Annex A IPEK
    assert "070A16B46B4D4144F79BDD9DD04A287C" in out  # RFC 4493 example 2
