"""Wrong supervisor passwords are counted in the journal: a restart or a second process gets no fresh tries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos_terminal.state.config import load_config
from pos_terminal.journal import Journal
from pos_terminal.rules.supervisor import SupervisorDecision, SupervisorGate

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


async def test_the_count_of_wrong_passwords_survives_a_restart(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)  # max 3 tries, password 0000
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        assert (await gate.check("1111", "refund")).decision is SupervisorDecision.REFUSED
        assert (await gate.check("2222", "refund")).decision is SupervisorDecision.REFUSED
    with Journal.open(tmp_path / "journal.sqlite3") as journal:  # switched off and on
        assert (await SupervisorGate(config, journal, clock).check("3333", "void")).decision \
            is SupervisorDecision.LOCKED


async def test_a_correct_password_resets_the_count(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        await gate.check("1111", "refund")
        assert (await gate.check("0000", "refund")).accepted
        assert gate.tries_left == 3


async def test_the_right_password_is_refused_while_locked(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        for wrong in ("1", "2", "3"):
            await gate.check(wrong, "refund")
        verdict = await gate.check("0000", "refund")
        assert verdict.decision is SupervisorDecision.REFUSED_LOCKED and verdict.grant is None
        assert verdict.locked_until == NOW + timedelta(seconds=config.supervisor_lockout_seconds)


async def test_the_lock_ends_after_the_lockout_seconds(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000).with_overrides(supervisor_lockout_seconds=60)
    moment = [NOW]
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, lambda: moment[0])
        for wrong in ("1", "2", "3"):
            await gate.check(wrong, "void")
        moment[0] = NOW + timedelta(seconds=62)
        assert (await gate.check("0000", "void")).accepted


async def test_the_admin_password_lifts_the_lock_and_a_wrong_one_does_not(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        for wrong in ("1", "2", "3"):
            await gate.check(wrong, "refund")
        assert not (await gate.unlock("0000")).unlocked
        assert gate.locked_until() is not None
        assert (await gate.unlock("9999")).unlocked
        assert gate.locked_until() is None and (await gate.check("0000", "refund")).accepted


async def test_a_grant_is_redeemed_once_and_only_for_its_operation(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        grant = (await gate.check("0000", "refund")).grant
        assert not gate.redeem(grant, "void")
        assert gate.redeem(grant, "refund")
        assert not gate.redeem(grant, "refund")


async def test_every_decision_is_an_audit_record_without_the_password(tmp_path: Path) -> None:
    config = load_config(tmp_path, password_iterations=1000)
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        gate = SupervisorGate(config, journal, clock)
        for password in ("4711", "0000", "1", "2", "3", "0000"):
            await gate.check(password, "refund")
        await gate.unlock("9999")
        decisions = [record.detail["decision"] for record in reversed(journal.audit_records())]
        assert decisions == ["refused", "granted", "refused", "refused", "locked", "refused-locked", "unlocked"]
        assert all("4711" not in str(record.detail) for record in journal.audit_records())
