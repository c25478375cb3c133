"""The supervisor password check shared by refund and void, with its lockout.

Wrong passwords are counted in a row across functions (cancelling does not reset
the count; a correct password does), and the count is kept in the journal, so
switching the terminal off and on does not give fresh tries. At
``config.supervisor_max_tries`` the function in progress is abandoned and the
lockout is journaled. The password itself is never journaled, logged or kept here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from pos_terminal.config import TerminalConfig
from pos_terminal.journal import Journal

__all__ = ["SupervisorGate", "Verdict"]

WRONG_EVENT = "supervisor_password_wrong"
LOCKED_EVENT = "supervisor_locked"
FAILURES_COUNTER = "supervisor_failures"
"""Journal counter of wrong supervisor passwords in a row."""


class Verdict(StrEnum):
    """The outcome of one password check."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    """Wrong, with tries left."""
    LOCKED = "locked"
    """Wrong, and the last try: the function is abandoned."""


class SupervisorGate:
    """Checks supervisor passwords against the configured hash and counts failures."""

    def __init__(self, config: TerminalConfig, journal: Journal, clock: Callable[[], datetime]) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock

    @property
    def failures(self) -> int:
        """Wrong passwords in a row, as the journal keeps them across restarts."""
        return self._journal.get_counter(FAILURES_COUNTER, 0)

    def _set_failures(self, count: int) -> None:
        self._journal.set_counter(FAILURES_COUNTER, count)

    @property
    def tries_left(self) -> int:
        return max(self._config.supervisor_max_tries - self.failures, 0)

    async def check(self, password: str, function: str) -> Verdict:
        """Verify ``password`` for ``function`` (``refund``, ``void``).

        PBKDF2 takes a noticeable time, so it runs in a worker thread: the event loop
        (and the UI on it) never stalls.
        """
        if await asyncio.to_thread(self._config.verify_supervisor_password, password):
            self._set_failures(0)
            return Verdict.ACCEPTED
        self._set_failures(self.failures + 1)
        detail = {"function": function, "tries": self.failures}
        self._journal.record_event(WRONG_EVENT, detail, now=self._clock())
        if self.failures < self._config.supervisor_max_tries:
            return Verdict.WRONG
        self._journal.record_event(LOCKED_EVENT, detail, now=self._clock())
        self._set_failures(0)
        return Verdict.LOCKED
