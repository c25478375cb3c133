"""The supervisor lockout and the audit trail of supervisor decisions, kept in the journal.

Wrong supervisor passwords are counted in a row, whichever process or screen typed them (the
device, ``possim txn``, a scenario), because the count lives in the journal's counters and each
decision is one commit that reads and writes it. At ``max_tries`` the supervisor functions lock
until a moment stored in the journal too, so neither a restart nor a second process gets fresh
tries. The merchant admin's unlock is counted the same way, with its own tries and a longer
lockout, so the admin password cannot be guessed without limit either. Every decision (granted,
refused, locked, refused while locked, unlocked, unlock refused or locked) is an ``audit`` event
with its time and operation; passwords are never journaled.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pos_terminal.journal.rows import event_row, json_text, time_text
from pos_terminal.journal.store import JournalStore
from pos_terminal.state.records import EventRecord

AUDIT_EVENT = "audit"
FAILURES_COUNTER = "supervisor_failures"
"""Wrong supervisor passwords in a row."""
LOCKED_UNTIL_COUNTER = "supervisor_locked_until"
"""The end of the lockout, as Unix seconds (0: not locked)."""
ADMIN_FAILURES_COUNTER = "admin_failures"
"""Wrong merchant admin passwords in a row."""
ADMIN_LOCKED_UNTIL_COUNTER = "admin_locked_until"
"""The end of the admin unlock's own lockout, as Unix seconds (0: not locked)."""


class SupervisorDecision(StrEnum):
    """What became of one request for a supervisor function."""

    GRANTED = "granted"
    REFUSED = "refused"
    """A wrong password, with tries left."""
    LOCKED = "locked"
    """A wrong password that used the last try: the supervisor functions are now locked."""
    REFUSED_LOCKED = "refused-locked"
    """Asked while locked: refused without looking at the password."""
    UNLOCKED = "unlocked"
    """The merchant admin lifted the lockout."""
    UNLOCK_REFUSED = "unlock-refused"
    """A wrong merchant admin password, with tries left."""
    UNLOCK_LOCKED = "unlock-locked"
    """A wrong merchant admin password that used the last admin try: the unlock itself is now locked."""
    UNLOCK_REFUSED_LOCKED = "unlock-refused-locked"
    """An unlock asked while the unlock is locked: refused without looking at the admin password."""


@dataclass(frozen=True)
class SupervisorState:
    """The lockout as the journal keeps it."""

    failures: int
    locked_until: datetime | None

    def locked_at(self, now: datetime) -> bool:
        """True while the lockout is in force at ``now``."""
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class SupervisorOutcome:
    """One decision and the lockout after it."""

    decision: SupervisorDecision
    state: SupervisorState


def _state(failures: int, locked_until: int) -> SupervisorState:
    return SupervisorState(failures, datetime.fromtimestamp(locked_until, UTC) if locked_until else None)


class SupervisionMixin(JournalStore):
    """The supervisor lockout and its audit trail (see the module docstring)."""

    def supervisor_state(self) -> SupervisorState:
        """Wrong passwords in a row and the end of the lockout (None when never locked)."""
        with self._read() as db:
            return _state(self._named(db, FAILURES_COUNTER), self._named(db, LOCKED_UNTIL_COUNTER))

    def record_supervisor_attempt(
        self, *, accepted: bool, operation: str, max_tries: int, lockout: timedelta, now: datetime
    ) -> SupervisorOutcome:
        """Count one password check for ``operation`` and journal the decision, in one commit.

        While locked (checked inside the commit, so another process's lockout counts), the attempt
        is refused whatever ``accepted`` says and the count does not move. A correct password
        resets the count; the ``max_tries``-th wrong one in a row locks until ``now + lockout``.
        """
        stamp = time_text(now)
        with self._write(f"supervisor check for {operation}") as db:
            failures = self._named(db, FAILURES_COUNTER)
            locked_until = self._named(db, LOCKED_UNTIL_COUNTER)
            if locked_until and now.timestamp() < locked_until:
                decision = SupervisorDecision.REFUSED_LOCKED
            elif accepted:
                decision, failures, locked_until = SupervisorDecision.GRANTED, 0, 0
            elif failures + 1 >= max_tries:
                decision, failures = SupervisorDecision.LOCKED, 0
                locked_until = math.ceil((now + lockout).timestamp())  # whole seconds, never shorter than asked
            else:
                decision, failures = SupervisorDecision.REFUSED, failures + 1
            self._set_named(db, FAILURES_COUNTER, failures)
            self._set_named(db, LOCKED_UNTIL_COUNTER, locked_until)
            state = _state(failures, locked_until)
            self._audit(db, operation, decision, state, stamp)
        return SupervisorOutcome(decision, state)

    def refuse_if_locked(self, *, operation: str, now: datetime) -> SupervisorOutcome | None:
        """While locked: journal that ``operation`` was refused for it (REFUSED_LOCKED) and return that; else None.

        For supervisor functions that take no password (settlement): nothing is counted.
        """
        with self._write(f"supervisor lock check for {operation}") as db:
            failures = self._named(db, FAILURES_COUNTER)
            locked_until = self._named(db, LOCKED_UNTIL_COUNTER)
            if not locked_until or now.timestamp() >= locked_until:
                return None
            state = _state(failures, locked_until)
            self._audit(db, operation, SupervisorDecision.REFUSED_LOCKED, state, time_text(now))
        return SupervisorOutcome(SupervisorDecision.REFUSED_LOCKED, state)

    def admin_state(self) -> SupervisorState:
        """Wrong merchant admin passwords in a row and the end of the unlock's own lockout."""
        with self._read() as db:
            return _state(self._named(db, ADMIN_FAILURES_COUNTER), self._named(db, ADMIN_LOCKED_UNTIL_COUNTER))

    def unlock_supervisor(
        self, *, accepted: bool, now: datetime, max_tries: int, lockout: timedelta
    ) -> SupervisorOutcome:
        """The merchant admin's unlock, counted like the supervisor's password, in one commit; journaled.

        While the unlock is locked (``max_tries`` wrong admin passwords in a row lock it until
        ``now + lockout``) it is refused whatever ``accepted`` says. A correct admin password lifts
        the supervisor lockout and resets both counts. The outcome's state is the admin lockout's.
        """
        stamp = time_text(now)
        with self._write("supervisor unlock") as db:
            failures = self._named(db, ADMIN_FAILURES_COUNTER)
            locked_until = self._named(db, ADMIN_LOCKED_UNTIL_COUNTER)
            if locked_until and now.timestamp() < locked_until:
                decision = SupervisorDecision.UNLOCK_REFUSED_LOCKED
            elif accepted:
                decision, failures, locked_until = SupervisorDecision.UNLOCKED, 0, 0
                self._set_named(db, FAILURES_COUNTER, 0)
                self._set_named(db, LOCKED_UNTIL_COUNTER, 0)
            elif failures + 1 >= max_tries:
                decision, failures = SupervisorDecision.UNLOCK_LOCKED, 0
                locked_until = math.ceil((now + lockout).timestamp())
            else:
                decision, failures = SupervisorDecision.UNLOCK_REFUSED, failures + 1
            self._set_named(db, ADMIN_FAILURES_COUNTER, failures)
            self._set_named(db, ADMIN_LOCKED_UNTIL_COUNTER, locked_until)
            state = _state(failures, locked_until)
            self._audit(db, "unlock", decision, state, stamp)
        return SupervisorOutcome(decision, state)

    def audit_records(self, limit: int | None = None) -> list[EventRecord]:
        """The supervisor decisions, newest first (at most ``limit``)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM events WHERE kind = ? ORDER BY id DESC LIMIT ?",
                (AUDIT_EVENT, -1 if limit is None else limit),
            ).fetchall()
        return [event_row(row) for row in rows]

    @staticmethod
    def _named(db: sqlite3.Connection, name: str) -> int:
        row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    @staticmethod
    def _set_named(db: sqlite3.Connection, name: str, value: int) -> None:
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    @staticmethod
    def _audit(db: sqlite3.Connection, operation: str, decision: SupervisorDecision, state: SupervisorState,
               stamp: str) -> None:
        detail = {
            "operation": operation,
            "decision": decision.value,
            "failures": state.failures,
            "locked_until": None if state.locked_until is None else time_text(state.locked_until),
        }
        db.execute("INSERT INTO events (kind, detail, at) VALUES (?, ?, ?)",
                   (AUDIT_EVENT, json_text(detail, "detail"), stamp))
