"""The merchant admin password cannot be guessed without limit: wrong ones are counted and lock the unlock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pos_terminal.journal import Journal
from pos_terminal.rules.supervisor import SupervisorDecision, SupervisorGate
from pos_terminal.state.config import load_config
from tests.cli_runner import run_possim

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_admin_max_tries_wrong_admin_passwords_lock_the_unlock(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)  # 5 admin tries, admin password 9999
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, lambda: NOW)
        decisions = [(await gate.unlock(f"{n:04d}")).decision for n in range(config.admin_max_tries)]
    assert decisions[:-1] == [SupervisorDecision.UNLOCK_REFUSED] * (config.admin_max_tries - 1)
    assert decisions[-1] is SupervisorDecision.UNLOCK_LOCKED


async def test_the_right_admin_password_is_refused_while_the_unlock_is_locked(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000).with_overrides(admin_max_tries=2)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, lambda: NOW)
        await gate.unlock("1")
        await gate.unlock("2")
        verdict = await gate.unlock("9999")
    assert verdict.decision is SupervisorDecision.UNLOCK_REFUSED_LOCKED
    assert verdict.locked_until == NOW + timedelta(seconds=config.admin_lockout_seconds)


async def test_the_admin_lockout_ends_after_admin_lockout_seconds(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000).with_overrides(admin_max_tries=1,
                                                                            admin_lockout_seconds=60)
    moment = [NOW]
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, lambda: moment[0])
        await gate.unlock("1")
        moment[0] = NOW + timedelta(seconds=61)
        assert (await gate.unlock("9999")).unlocked


async def test_every_admin_decision_is_audited_without_the_password(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000).with_overrides(admin_max_tries=1)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, lambda: NOW)
        await gate.unlock("4711")
        await gate.unlock("9999")
        audit = journal.audit_records()
    assert [record.detail["decision"] for record in audit] == ["unlock-refused-locked", "unlock-locked"]
    assert "4711" not in repr(audit)


def test_txn_unlock_stops_guessing_after_admin_max_tries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "terminal.toml").write_text("admin_max_tries = 3\n")
    Journal.open(tmp_path / "journal.sqlite3").close()
    results = [run_possim(capsys, "txn", "unlock", "--data", str(tmp_path), "--admin-password", str(n))
               for n in range(1000, 1004)]
    assert [result.returncode for result in results] == [1, 1, 1, 1]
    assert "2 tries left" in results[0].stdout and "1 try left" in results[1].stdout
    assert "admin unlock is locked until" in results[3].stdout
