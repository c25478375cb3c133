"""State outside SQLite that a request changes, applied only when the journal transaction commits.

The host answers only what is durable (:mod:`simulator.host.committer`): a request's rows are
committed with the rest of its group, or not at all. Some of what a request changes is not in
SQLite: the key store file and the session-key cache a sign-on writes
(:meth:`simulator.host.keyring.HostKeyring.new_session`), the counters of ``times = N`` rules
(:class:`simulator.host.rules.RuleSet`). Written at once, they would outlive a failed commit: the
host would hold keys the terminal never received, and a ``times = 1`` rule would be used up by a
request that, as far as the journal knows, never happened.

So such a change is an :class:`Effect`: ``apply`` runs after the outermost transaction commits,
``discard`` when the level that registered it rolls back (a request's own savepoint, or the whole
group). Until then the owner keeps the change in an overlay that it reads through, so a later
request of the same group sees it (a sale after a sign-on in one group verifies with the new keys).
An effect's ``then`` runs once after all the effects of the commit are applied, however many of them
name it: the key store file is rewritten once for a group's sign-ons, not once per sign-on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

__all__ = ["AfterCommit", "Effect", "PendingEffects", "at_once"]


def _nothing() -> None:
    return None


class AfterCommit(Protocol):
    """Defers a change until the journal commits: :meth:`simulator.host.journal.HostJournal.after_commit`."""

    def __call__(self, apply: Callable[[], None], discard: Callable[[], None] | None = None, *,
                 name: str = "", then: Callable[[], None] | None = None) -> None: ...


def at_once(apply: Callable[[], None], discard: Callable[[], None] | None = None, *, name: str = "",
            then: Callable[[], None] | None = None) -> None:
    """An :class:`AfterCommit` for state with no journal behind it: the change applies at once (then ``then``)."""
    apply()
    if then is not None:
        then()


@dataclass(frozen=True)
class Effect:
    """One pending change: ``apply`` once the group is durable, ``discard`` when it is rolled back."""

    apply: Callable[[], None]
    discard: Callable[[], None] = _nothing
    name: str = ""
    then: Callable[[], None] | None = None
    """Run once after every effect of the commit is applied, however many effects name it (compared with
    ``==``, so the same bound method of the same object counts once); not when the effect is discarded."""


class PendingEffects:
    """Effects per transaction level: a savepoint's effects join its parent's when it is released.

    The journal drives it (:meth:`simulator.host.journal.HostJournal.atomic`): :meth:`begin` on
    every level entered, :meth:`release` when a savepoint ends well, :meth:`rollback` when a level
    fails, :meth:`commit` after the outermost COMMIT succeeded.
    """

    def __init__(self) -> None:
        self._levels: list[list[Effect]] = []

    @property
    def active(self) -> bool:
        """True inside a transaction (an effect added now waits for its commit)."""
        return bool(self._levels)

    def add(self, effect: Effect) -> None:
        """Register ``effect`` with the innermost level; outside any transaction it applies at once."""
        if not self._levels:
            effect.apply()
            if effect.then is not None:
                effect.then()
            return
        self._levels[-1].append(effect)

    def begin(self) -> None:
        self._levels.append([])

    def release(self) -> None:
        """A savepoint ended well: its effects wait for the enclosing level."""
        done = self._levels.pop()
        self._levels[-1].extend(done)

    def rollback(self) -> None:
        """The innermost level was rolled back: discard its effects, newest first."""
        for effect in reversed(self._levels.pop()):
            try:
                effect.discard()
            except Exception:  # a discard must not hide the failure being handled
                log.exception("discarding %s failed", effect.name or "an effect")

    def commit(self) -> None:
        """The outermost level committed: apply its effects in the order they were registered, then each
        distinct ``then`` once, in the order first named."""
        thens: list[Callable[[], None]] = []
        for effect in self._levels.pop():
            try:
                effect.apply()
            except Exception:  # the rows are durable: log it, apply the others
                log.exception("applying %s after the commit failed", effect.name or "an effect")
            if effect.then is not None and effect.then not in thens:
                thens.append(effect.then)
        for then in thens:
            try:
                then()
            except Exception:  # as above
                log.exception("finishing the effects of a commit failed")
