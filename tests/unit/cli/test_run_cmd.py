"""``possim tour`` (the calculator tour) completes on a fresh checkout; ``possim run`` and ``terminal`` parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import build_parser, main


def test_tour_runs_every_calculator_command_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert "08D7B4" in out  # the TDES KCV of the classic test key
    assert "6AC292FAA1315B4D858AB3A3D7D5933A" in out  # the X9.24-1:2009 Annex A IPEK
    assert "070A16B46B4D4144F79BDD9DD04A287C" in out  # RFC 4493 example 2


def test_run_help_describes_the_embedded_host_and_the_data_folder(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--data" in out and "possim-data" in out


def test_run_keeps_its_data_in_possim_data_by_default() -> None:
    assert build_parser().parse_args(["run"]).data == Path("possim-data")


def test_terminal_takes_a_host_url_and_a_data_folder() -> None:
    args = build_parser().parse_args(["terminal", "--host", "tcp://127.0.0.1:8583", "--data", "term"])
    assert (args.host, args.data) == ("tcp://127.0.0.1:8583", Path("term"))


def test_terminal_needs_a_data_folder(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["terminal", "--host", "tcp://127.0.0.1:8583"])
    assert exit_info.value.code == 2


def test_a_reader_that_leaves_early_causes_no_traceback() -> None:
    import subprocess
    import sys

    # The reader closes its end before the tour writes a byte (as `possim tour | head -1` can).
    process = subprocess.Popen([sys.executable, "-m", "simulator.cli", "tour"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
