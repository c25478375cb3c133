"""The host journal's SQLite connection and its transactions: what makes a write durable, or not happen at all.

SQLite in WAL mode with ``synchronous=FULL``: a committed request survives a crash or a pulled plug. The host
handles one request in one SQLite transaction (:meth:`JournalStore.atomic`), a savepoint when nested, so its rows
are committed together or not at all; state outside SQLite follows the commit (:meth:`JournalStore.after_commit`,
:mod:`simulator.host.effects`). The tables and what they hold are the business of
:class:`~simulator.host.journal.HostJournal`, built on this base.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from simulator.host.effects import Effect, PendingEffects
from simulator.host.journal_upgrade import upgrade_schema

__all__ = ["JournalStore", "RedoWithSavepoints"]


class RedoWithSavepoints(BaseException):
    """An optimistic group's transaction was rolled back whole: a unit of it failed after writing
    (:meth:`JournalStore.atomic`); run the group again with a savepoint per unit.

    A :class:`BaseException`, like :class:`KeyboardInterrupt`: it must pass the handlers of the request
    itself (``except Exception`` answering 30 or 96) on its way to the group's runner."""


class JournalStore:
    """A journal file opened for writing (or :meth:`read_only`), with its transactions. Not shared between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # owner-only, like the terminal's; SQLite gives -wal/-shm the same mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        # A request's savepoint (atomic) and each INSERT's statement savepoint keep the pages they change in SQLite's
        # sub-journal; past 64 KiB a request's sub-journal spilled into a temp file (/var/tmp/etilqs_*) rewritten by
        # every later request of the group: ~13 pwrite64 per sale. Kept in memory instead: it only serves to roll a
        # savepoint back inside the open transaction (durability is the WAL's), and is emptied whenever no savepoint
        # is open (as each request's is released; in an optimistic group after each statement): one request's pages.
        self._db.execute("PRAGMA temp_store=MEMORY")
        upgrade_schema(self._db)
        self._init_state()

    @classmethod
    def read_only(cls, path: Path | str) -> Self:
        """The journal at ``path`` for reading only: SQLite refuses every write (a test or a report that looks
        while the host runs). The schema is taken as it is; a missing journal raises FileNotFoundError."""
        journal = cls.__new__(cls)
        journal.path = Path(path)
        if not journal.path.exists():
            raise FileNotFoundError(f"no host journal at {journal.path}")
        journal._db = sqlite3.connect(f"{journal.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                      check_same_thread=False)
        journal._db.row_factory = sqlite3.Row
        journal._init_state()
        return journal

    def _init_state(self) -> None:
        """Set the state kept beside the connection (a subclass adds its own, calling this one)."""
        self._depth = 0
        self._optimistic = False
        self.spoiled = False
        """An optimistic transaction holds the rows of a unit that failed after writing: it must be redone
        (:meth:`atomic`, :class:`RedoWithSavepoints`)."""
        self.effects = PendingEffects()
        """State outside SQLite waiting for the transaction's commit (:meth:`after_commit`)."""

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def atomic(self, *, optimistic: bool = False) -> Iterator[None]:
        """One SQLite transaction; a nested call is a savepoint inside it (a unit: one request's writes).

        On an exception the innermost level is rolled back (a savepoint rolls back only its own
        writes: one failed request in a batch leaves the others' rows in place) and it propagates.
        Nothing is durable before the outermost level commits, so a caller that answers only after
        the outermost ``atomic`` returns answers only what is on disk (group commit: many requests,
        one commit, one fsync). The :meth:`after_commit` effects of a level follow it: applied after
        the outermost COMMIT, discarded with a rollback (:mod:`simulator.host.effects`).

        ``optimistic`` (the outermost level only; the group committer's): the nested levels open no
        savepoint, since units seldom fail. A unit that fails having written nothing is rolled back as
        before (its effects discarded: there is nothing else to undo). One that fails after writing
        leaves rows no savepoint can take back, so the journal is :attr:`spoiled`: the next unit to
        start, or the outermost level on its way out, rolls the whole transaction back (nothing of it
        committed, nothing answered) and raises :class:`RedoWithSavepoints`, and the caller runs the
        group again without ``optimistic``: the same units then give what they give today, the failed
        one rolled back alone.
        """
        if self._depth:
            if self._optimistic:  # no savepoint; the failure of a unit that wrote spoils the transaction
                if self.spoiled:
                    raise RedoWithSavepoints
                # Rows written by completed statements (a failed one undoes itself). A statement with RETURNING
                # counts once its rows are read to the end, as the journal's one (next_rrn) does at once.
                changes = self._db.total_changes
                self._depth += 1
                self.effects.begin()
                try:
                    yield
                except BaseException:
                    self.effects.rollback()
                    if self._db.total_changes != changes or not self._db.in_transaction:
                        self.spoiled = True
                    raise
                finally:
                    self._depth -= 1
                self.effects.release()
                return
            name = f"level{self._depth}"
            self._db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            self.effects.begin()
            try:
                yield
            except BaseException:
                self.effects.rollback()
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                raise
            finally:
                self._depth -= 1
            try:
                self._db.execute(f"RELEASE {name}")
            except BaseException:
                self.effects.rollback()
                raise
            self.effects.release()
            return
        self.begin_group(optimistic=optimistic)
        try:
            yield
        except BaseException:
            self.abort_group()
            raise
        self.end_group_units()
        try:
            self.write_commit()
        except BaseException:
            self.abort_group()
            raise
        self.group_committed()

    # -- the outermost level in steps: atomic() takes them in a row; the group committer writes the COMMIT on a
    # -- thread of its own (write_commit), so that its event loop goes on moving bytes during the fsync.

    def begin_group(self, *, optimistic: bool = False) -> None:
        """BEGIN the outermost transaction (see :meth:`atomic` for ``optimistic``); units are nested :meth:`atomic`."""
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._optimistic, self.spoiled = optimistic, False
        self.effects.begin()

    def end_group_units(self) -> None:
        """The units are done: raise :class:`RedoWithSavepoints` (having rolled back) when one spoiled the
        transaction, else leave it open for :meth:`write_commit`."""
        self._optimistic = False
        if self.spoiled:
            self.abort_group()
            raise RedoWithSavepoints

    def abort_group(self) -> None:
        """Roll the outermost transaction back (when still open) with the effects waiting for it."""
        self._depth, self._optimistic = 0, False
        self.effects.rollback()
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")

    def write_commit(self) -> None:
        """COMMIT the open transaction: the durable write (its fsync). May run on another thread than the units
        did, while nothing else uses the connection; on failure the caller calls :meth:`abort_group`."""
        self._commit()

    def group_committed(self) -> None:
        """After :meth:`write_commit`: the effects of the transaction are applied (on the caller's thread)."""
        self._depth = 0
        self.effects.commit()

    def _commit(self) -> None:
        """COMMIT the outermost transaction (one durable write; a test makes it fail to see nothing leak)."""
        self._db.execute("COMMIT")

    def after_commit(self, apply: Callable[[], None], discard: Callable[[], None] | None = None, *,
                     name: str = "", then: Callable[[], None] | None = None) -> None:
        """Run ``apply`` once the enclosing transaction is durable; ``discard`` if it is rolled back instead;
        ``then`` once after all the transaction's effects are applied, however many name it.

        Outside a transaction ``apply`` runs at once. For state outside SQLite (key store, caches,
        rule counters) that must not outlive a failed commit (:mod:`simulator.host.effects`).
        """
        self.effects.add(Effect(apply, discard, name, then) if discard is not None
                         else Effect(apply, name=name, then=then))
