"""What a newcomer reads first: ``possim --version``, and a help text for every option of every command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli import build_parser, main, possim_version


def _options(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.Action]]:
    """Every (command path, action) of ``parser`` and its sub-commands, help actions left out."""
    for action in parser._actions:  # noqa: SLF001 - argparse keeps its actions here and nowhere public
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):  # noqa: SLF001
            yield path, action


def test_version_prints_the_installed_version_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"possim {possim_version()}"
    assert possim_version()[0].isdigit()


def test_the_installed_possim_command_prints_its_version() -> None:
    # Smoke test of the console script itself (pyproject's [project.scripts]), as a shell runs it.
    possim = Path(sys.executable).with_name("possim")
    result = subprocess.run([str(possim), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, f"possim {possim_version()}", "")


def test_every_option_of_every_command_has_a_help_text() -> None:
    missing = [f"{path} {'/'.join(action.option_strings) or action.dest}"
               for path, action in _options(build_parser(), "possim") if not action.help]
    assert missing == []


@pytest.mark.parametrize("option", ["--kbpk", "--key", "--key-version", "--exportability"])
def test_tr31_wrap_help_explains_each_option(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["keys", "tr31", "wrap", "--help"])
    lines = capsys.readouterr().out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().split()[:1] == [option])
    described = lines[index].split()[2:] or lines[index + 1].split()  # argparse may wrap the text to the next line
    assert described and not described[0].startswith("-"), f"{option} has no explanation"


def test_no_help_text_points_to_a_document_users_do_not_have(capsys: pytest.CaptureFixture[str]) -> None:
    for path, _action in {(path, None) for path, _ in _options(build_parser(), "possim")}:
        with pytest.raises(SystemExit):
            main([*path.split()[1:], "--help"])
        assert "design.md" not in capsys.readouterr().out, path
