"""What every host protocol shares: configuration, journal, ledger, keys, cards, rules, business date.

One :class:`HostServices` per host. The pipeline (:mod:`simulator.host.pipeline`) and the protocol
of the host's dialect (:mod:`simulator.host.protocols`) work through it; nothing here knows a
network's message layout. State outside SQLite (the key store and session cache, rule counters)
changes only through :meth:`HostServices.after_commit`, so a request whose journal transaction
does not commit leaves none of it behind (:mod:`simulator.host.effects`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from iso8583 import Dialect, resolve_dialect
from iso8583.channels import EventLog
from simulator.host import credits
from simulator.host.cards import CardDirectory
from simulator.host.config import HostConfig
from simulator.host.folderlock import FolderLock
from simulator.host.journal import HostJournal
from simulator.host.keyring import HostKeyring
from simulator.host.ledger import Ledger
from simulator.host.rules import RuleSet
from simulator.host.transitions import Transitions

__all__ = ["HostServices"]

log = logging.getLogger("simulator.host.pipeline")


class HostServices:
    """The shared services of one host (see the module docstring); built by :class:`~simulator.host.logic.HostLogic`.

    Attributes: ``config``, ``dialect``, ``journal``, ``keyring``, ``cards``, ``rules``, ``events``
    (peer-provoked events logged once per kind per interval), ``ledger`` (money moves) and ``transitions``
    (every change of a transaction's state, checked against the money rule: :mod:`simulator.host.lifecycle`).
    """

    def __init__(
        self,
        config: HostConfig,
        *,
        rules: RuleSet | None = None,
        journal: HostJournal | None = None,
        cards: CardDirectory | None = None,
        dialect: Dialect | None = None,
        lock_wait: float = 5.0,
    ) -> None:
        self.config = config
        self.dialect: Dialect = dialect or resolve_dialect(config.dialect)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock.acquire(config.data_dir, wait=lock_wait)
        """One host per data folder (:mod:`simulator.host.folderlock`); released by :meth:`close`."""
        try:
            self._open(config, rules, journal, cards)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, config: HostConfig, rules: RuleSet | None, journal: HostJournal | None,
              cards: CardDirectory | None) -> None:
        self.journal = journal or HostJournal(config.journal_path)
        credits.check_offset(self.journal.business_date_offset())  # a bricked date: refuse to start, say how to reset
        self.keyring = HostKeyring(config, self.dialect, after_commit=self.after_commit)
        self.journal.sealer = self.keyring.frame_sealer()
        self.journal.dialect = self.dialect
        self.cards = cards or CardDirectory.from_test_cards()
        self.rules = rules or RuleSet()
        self.ledger = Ledger(self.journal)
        self.transitions = Transitions(self.journal, self.ledger)
        """The only writer of transaction states: refunds, voids and reversals checked against the money rule."""
        self.events = EventLog(log)
        """What peers provoke (malformed frames, MAC failures...) is logged once per kind per interval:
        a flood of bad requests costs one line per ten seconds, not one per request."""

    def business_date(self, now: datetime) -> date:
        """The host's business date (the UTC date, moved by ``possim host advance-date``)."""
        return credits.business_date(now, self.journal.business_date_offset())

    def after_commit(self, apply: Callable[[], None], discard: Callable[[], None] | None = None, *,
                     name: str = "", then: Callable[[], None] | None = None) -> None:
        """Keep a change outside SQLite only once the request's journal transaction commits (see the module)."""
        self.journal.after_commit(apply, discard, name=name, then=then)

    def close(self) -> None:
        """Close the journal and release the data folder."""
        try:
            self.journal.close()
        finally:
            self._lock.release()
