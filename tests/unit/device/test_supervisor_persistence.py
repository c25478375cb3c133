"""Wrong supervisor passwords are counted in the journal: a restart does not give fresh tries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pos_terminal.config import load_config
from pos_terminal.device.supervisor import SupervisorGate, Verdict
from pos_terminal.journal import Journal


def clock() -> datetime:
    return datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_the_count_of_wrong_passwords_survives_a_restart(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)  # max 3 tries, password 0000
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        assert await gate.check("1111", "refund") is Verdict.WRONG
        assert await gate.check("2222", "refund") is Verdict.WRONG
    with Journal.open(tmp_path / "journal.sqlite3") as journal:  # switched off and on
        assert await SupervisorGate(config, journal, clock).check("3333", "void") is Verdict.LOCKED


async def test_a_correct_password_resets_the_count(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        await gate.check("1111", "refund")
        assert await gate.check("0000", "refund") is Verdict.ACCEPTED
        assert gate.tries_left == 3
