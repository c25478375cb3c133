"""``--phone`` and ``--email`` are checked before anything is sent: the kind of recipient, and the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run_possim

SALE = ("txn", "sale", "--card", "visa_credit", "--amount", "1.00", "--pin", "1234", "--host", "tcp://127.0.0.1:1")


def test_an_email_address_given_as_phone_exits_2_naming_the_option(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = run_possim(capsys, *SALE, "--data", str(tmp_path), "--phone", "a@b.com")
    assert result.returncode == 2 and "--phone" in result.stderr and "expected a phone number" in result.stderr


def test_a_symlinked_outbox_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, elsewhere = tmp_path / "terminal", tmp_path / "elsewhere"
    data.mkdir()
    elsewhere.mkdir()
    (data / "outbox").symlink_to(elsewhere)
    result = run_possim(capsys, *SALE, "--data", str(data), "--email", "jane@example.com")
    assert result.returncode == 2 and f"{data / 'outbox'} is a symbolic link" in result.stderr
