"""The supervisor review step of refund, void and settlement, with a lockout that holds.

One gate per terminal, shared by the device and the command line (both reach it through the
engine), over the journal's lockout (:mod:`pos_terminal.journal.supervision`): wrong passwords
count in a row across screens, processes and restarts; ``supervisor_max_tries`` of them lock the
supervisor functions for ``supervisor_lockout_seconds``; while locked every supervisor function is
refused without looking at the password; the merchant admin password lifts the lock. A granted
check yields a single-use :class:`Grant`, so the device's password step and the engine's own
check are one decision, not two. The password hash (PBKDF2) runs in a worker thread so a UI on
the event loop stays responsive. Passwords are never journaled, logged or kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pos_terminal.state.config import TerminalConfig
from pos_terminal.journal import Journal
from pos_terminal.journal.supervision import SupervisorDecision, SupervisorOutcome, SupervisorState

__all__ = ["Grant", "SupervisorDecision", "SupervisorGate", "SupervisorVerdict", "UnlockVerdict", "lock_text"]


def lock_text(until: datetime) -> str:
    """``locked until 2026-12-02 05:45:00 UTC``: what a refusal says about the lock."""
    return f"locked until {until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True, eq=False)
class Grant:
    """Proof that the supervisor approved ``operation``; redeemed once by the engine."""

    operation: str
    granted_at: datetime


@dataclass(frozen=True)
class SupervisorVerdict:
    """The outcome of one supervisor password check."""

    decision: SupervisorDecision
    tries_left: int
    locked_until: datetime | None
    grant: Grant | None = None

    @property
    def accepted(self) -> bool:
        return self.decision is SupervisorDecision.GRANTED

    @property
    def locked(self) -> bool:
        """The supervisor functions are locked (by this attempt or an earlier one)."""
        return self.decision in (SupervisorDecision.LOCKED, SupervisorDecision.REFUSED_LOCKED)

    def refusal(self, operation: str) -> str:
        """The cashier's message for a refused check (exit 1 on the command line)."""
        if self.locked and self.locked_until is not None:
            return f"supervisor functions are {lock_text(self.locked_until)}: too many wrong passwords " \
                   f"(the merchant admin can unlock them: possim txn unlock)"
        # the wording scripts match (scenario library); the device's screen says "1 TRY LEFT"
        return f"wrong supervisor password for {operation}: {self.tries_left} {'try' if self.tries_left == 1 else 'tries'} left"


@dataclass(frozen=True)
class UnlockVerdict:
    """The outcome of one merchant admin unlock."""

    decision: SupervisorDecision
    tries_left: int
    locked_until: datetime | None
    """The end of the unlock's own lockout, when it is locked."""

    @property
    def unlocked(self) -> bool:
        return self.decision is SupervisorDecision.UNLOCKED

    @property
    def locked(self) -> bool:
        """The unlock itself is locked (by this attempt or an earlier one)."""
        return self.decision in (SupervisorDecision.UNLOCK_LOCKED, SupervisorDecision.UNLOCK_REFUSED_LOCKED)

    def refusal(self) -> str:
        """The merchant's message for a refused unlock (exit 1 on the command line)."""
        if self.locked and self.locked_until is not None:
            return f"the admin unlock is {lock_text(self.locked_until)}: too many wrong merchant admin passwords"
        tries = "1 try" if self.tries_left == 1 else f"{self.tries_left} tries"
        return f"wrong merchant admin password: nothing unlocked, {tries} left"


class SupervisorGate:
    """Checks supervisor passwords against the configured hash and keeps the lockout in the journal."""

    def __init__(self, config: TerminalConfig, journal: Journal, clock: Callable[[], datetime]) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._issued: set[Grant] = set()

    @property
    def state(self) -> SupervisorState:
        return self._journal.supervisor_state()

    @property
    def failures(self) -> int:
        """Wrong passwords in a row, as the journal keeps them across restarts."""
        return self.state.failures

    @property
    def tries_left(self) -> int:
        return max(self._config.supervisor_max_tries - self.failures, 0)

    def locked_until(self) -> datetime | None:
        """The end of the lockout when it is in force now, else None."""
        state = self.state
        return state.locked_until if state.locked_at(self._clock()) else None

    def time_left(self) -> timedelta | None:
        """How long the lockout still lasts (None when not locked)."""
        until = self.locked_until()
        return None if until is None else until - self._clock()

    async def check(self, password: str, operation: str) -> SupervisorVerdict:
        """Verify ``password`` for ``operation`` (``refund``, ``void``, ``settle``) and journal the decision."""
        if self.locked_until() is not None:  # refused without spending a PBKDF2 on it
            outcome = self._record(False, operation)
        else:
            accepted = await asyncio.to_thread(self._config.verify_supervisor_password, password)
            outcome = self._record(accepted, operation)
        grant = None
        if outcome.decision is SupervisorDecision.GRANTED:
            grant = Grant(operation, self._clock())
            self._issued.add(grant)
        return SupervisorVerdict(outcome.decision, self.tries_left, outcome.state.locked_until, grant)

    def refusal_while_locked(self, operation: str) -> SupervisorVerdict | None:
        """When locked: journal that ``operation`` was refused for it and return the verdict; else None."""
        outcome = self._journal.refuse_if_locked(operation=operation, now=self._clock())
        if outcome is None:
            return None
        return SupervisorVerdict(outcome.decision, self.tries_left, outcome.state.locked_until)

    def redeem(self, grant: Grant | None, operation: str) -> bool:
        """True (once) for a grant this gate issued for ``operation``; a locked gate redeems nothing."""
        if grant is None or grant.operation != operation or grant not in self._issued:
            return False
        self._issued.discard(grant)
        return self.locked_until() is None

    def admin_locked_until(self) -> datetime | None:
        """The end of the admin unlock's lockout when it is in force now, else None."""
        state = self._journal.admin_state()
        return state.locked_until if state.locked_at(self._clock()) else None

    async def unlock(self, admin_password: str) -> UnlockVerdict:
        """The merchant admin lifts the lockout; a wrong admin password is counted and journaled.

        While the unlock is locked the admin password is not even hashed (no guess is tested).
        """
        if self.admin_locked_until() is not None:
            accepted = False
        else:
            accepted = await asyncio.to_thread(self._config.verify_admin_password, admin_password)
        outcome = self._journal.unlock_supervisor(
            accepted=accepted, now=self._clock(), max_tries=self._config.admin_max_tries,
            lockout=timedelta(seconds=self._config.admin_lockout_seconds),
        )
        tries_left = max(self._config.admin_max_tries - outcome.state.failures, 0)
        return UnlockVerdict(outcome.decision, tries_left, outcome.state.locked_until)

    def _record(self, accepted: bool, operation: str) -> SupervisorOutcome:
        return self._journal.record_supervisor_attempt(
            accepted=accepted, operation=operation, max_tries=self._config.supervisor_max_tries,
            lockout=timedelta(seconds=self._config.supervisor_lockout_seconds), now=self._clock(),
        )
