"""A TOML dialect file works wherever a dialect is named (docs/dialects.md's ACME example).

The host as a real process with ``--dialect acme.toml``; the terminal by ``--dialect acme.toml`` and by
``dialect = "..."`` in terminal.toml; the load generator's plan. Before, only ``possim decode`` took a file.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_runner import run_possim

REPO = Path(__file__).resolve().parents[2]
ACME = '''name = "acme-terminal"
base = "terminal87"
description = "ACME acquirer terminal interface"
header_length = 5

[fields.48]
data_encoding = "ebcdic"
length_encoding = "ebcdic"

[fields.62]
name = "Invoice and batch data"
length_encoding = "binary"

[fields.36]
remove = true

[fields.120]
name = "Terminal serial number"
class = "ans"
length = "LL"
max = 20
data_encoding = "ascii"
length_encoding = "bcd"
'''


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(ACME, encoding="utf-8")
    return path


@pytest.fixture
def acme_host(tmp_path: Path, acme: Path) -> Iterator[str]:
    """``possim host --dialect acme.toml`` as a real process; its URL."""
    process = subprocess.Popen([sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                                "--data", str(tmp_path / "host"), "--dialect", str(acme)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on tcp://127.0.0.1:"), process.stderr.read() if process.stderr else line
    yield line.split()[-1]
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def sale(capsys: pytest.CaptureFixture[str], host: str, data: Path, *extra: str) -> dict[str, object]:
    result = run_possim(capsys, "txn", "sale", "--host", host, "--data", str(data), "--card", "visa_credit",
                        "--amount", "1.00", "--timeout", "5", "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_sale_with_dialect_file_on_the_command_line_is_approved(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, acme: Path, acme_host: str) -> None:
    assert sale(capsys, acme_host, tmp_path / "term", "--dialect", str(acme))["approved"] is True


def test_a_sale_with_dialect_file_in_terminal_toml_is_approved(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, acme: Path, acme_host: str) -> None:
    data = tmp_path / "term"
    data.mkdir()
    (data / "terminal.toml").write_text(f'dialect = "{acme}"\n', encoding="utf-8")
    assert sale(capsys, acme_host, data)["approved"] is True


def test_the_load_generator_takes_a_dialect_file(capsys: pytest.CaptureFixture[str], acme: Path) -> None:
    result = run_possim(capsys, "load", "--dialect", str(acme), "--terminals", "2", "--print-host-config")
    assert result.returncode == 0, result.stderr


def test_a_dialect_file_that_is_not_there_is_bad_input_naming_it(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = run_possim(capsys, "load", "--dialect", str(missing), "--terminals", "1", "--print-host-config")
    assert (result.returncode, str(missing) in result.stderr) == (2, True)
