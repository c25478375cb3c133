"""``possim tour`` (keys, cards, decode, emv) completes on a fresh checkout and every command it shows works
on its own; ``possim run`` and ``terminal`` parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from iso8583.codec import decode
from iso8583.dialects import get_dialect
from simulator.cli import build_parser, main
from simulator.commands import tour
from tests.cli_runner import run_possim


def test_tour_runs_every_calculator_command_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert "08D7B4" in out  # the TDES KCV of the classic test key
    assert "6AC292FAA1315B4D858AB3A3D7D5933A" in out  # the X9.24-1:2009 Annex A IPEK
    assert "070A16B46B4D4144F79BDD9DD04A287C" in out  # RFC 4493 example 2


def test_tour_shows_a_step_for_each_command_group(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, "tour")
    assert result.returncode == 0 and result.stderr == ""
    for group in ("keys", "cards", "decode --dialect terminal87", "emv tlv"):
        assert f"$ possim {group} " in result.stdout or f"$ possim {group}\n" in result.stdout, group
    assert "0800" in result.stdout and "301" in result.stdout  # the echo test, decoded
    assert "9F02" in result.stdout and "9F36" in result.stdout  # the EMV tags, named
    cards = result.stdout.split("$ possim cards", 1)[1].split("$ possim decode")[0]
    assert not re.search(r"\d{13,}", cards)  # PANs masked


def test_tour_names_the_host_and_terminal_commands_without_running_them(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_possim(capsys, "tour").stdout
    for command in ("possim run ", "possim host --listen", "possim txn signon", "possim txn sale"):
        assert command in out
    assert not any(step.argv[0] in ("run", "host", "txn", "terminal") for step in tour.STEPS)


def test_the_host_and_terminal_commands_the_tour_names_parse(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_possim(capsys, "tour").stdout
    named = [line.split("#")[0] for line in out.split("## A host and a terminal", 1)[1].splitlines()
             if line.startswith("possim ")]
    assert len(named) == 4
    for line in named:
        args = build_parser().parse_args(shlex.split(line.replace("PORT", "8583"))[1:])
        assert args.command in ("run", "host", "txn")


def test_every_command_the_tour_shows_runs_on_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    tour_out = run_possim(capsys, "tour").stdout
    shown = [line.removeprefix("$ possim ") for line in tour_out.splitlines() if line.startswith("$ possim ")]
    assert [shlex.split(line) for line in shown] == [step.argv for step in tour.STEPS]
    for line in shown:  # exactly as printed, so the tour never shows a broken example
        result = run_possim(capsys, *shlex.split(line))
        assert result.returncode == 0, f"possim {line}: {result.stderr}"
        assert result.stdout.strip() and result.stdout.rstrip() in tour_out, line


def test_the_tour_echo_frame_decodes_as_an_0800_echo_test() -> None:
    message = decode(bytes.fromhex(tour.ECHO_HEX), get_dialect("terminal87"))
    assert (message.mti, message[70]) == ("0800", "301")



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


def test_run_and_terminal_take_a_dialect_for_the_device_and_the_embedded_host() -> None:
    assert build_parser().parse_args(["run", "--dialect", "cup-pos"]).dialect == "cup-pos"
    assert build_parser().parse_args(["terminal", "--data", "t", "--dialect", "cup-pos"]).dialect == "cup-pos"


@pytest.mark.parametrize("command", [["run"], ["terminal", "--data", "t"]])
def test_an_unknown_dialect_is_refused_naming_the_option_before_anything_starts(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    result = run_possim(capsys, *command, "--dialect", "cup")
    assert result.returncode == 2
    assert "argument --dialect: unknown dialect 'cup'" in result.stderr and "cup-pos" in result.stderr


def test_run_hands_its_dialect_to_the_embedded_host_and_the_device(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    import simulator.tui.launch as launch

    seen: list[tuple[Path, str | None]] = []

    async def fake_run_embedded(data: Path, console: object = None, dialect: str | None = None) -> str:
        seen.append((data, dialect))
        return "tcp://127.0.0.1:1"

    monkeypatch.setattr(launch, "run_embedded", fake_run_embedded)
    assert main(["run", "--data", str(tmp_path), "--dialect", "cup-pos"]) == 0
    assert seen == [(tmp_path, "cup-pos")]


def test_terminal_hands_its_dialect_to_the_device(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import simulator.tui.launch as launch

    seen: list[tuple[Path, str | None, str | None]] = []

    async def fake_run_terminal(data: Path, host: str | None, dialect: str | None = None) -> None:
        seen.append((data, host, dialect))

    monkeypatch.setattr(launch, "run_terminal", fake_run_terminal)
    assert main(["terminal", "--data", str(tmp_path), "--host", "tcp://127.0.0.1:8583", "--dialect", "cup-pos"]) == 0
    assert seen == [(tmp_path, "tcp://127.0.0.1:8583", "cup-pos")]
