"""Group commit: the host's requests processed on one writer thread, many requests per durable commit.

The event loop only moves bytes. Each received request is handed to a single writer thread, which
processes every request waiting at that moment (up to ``max_batch``) inside one journal transaction
(each request a savepoint of its own, :meth:`simulator.host.journal.HostJournal.atomic`), commits
once (one fsync with ``synchronous=FULL``), and only then hands the answers back to the loop. So an
answer always describes journal rows that are on disk (a kill -9 or a power cut after an answer loses
nothing), and under load the fsync is shared by everything that arrived while the last one ran.

When the commit fails (the disk is full), nothing of the batch is on disk: every request of it is
answered 96 (system malfunction), no money moved, and nothing outside SQLite changed either: the
session keys a sign-on of the group issued and the counts of the rules its requests matched are
discarded with it (:mod:`simulator.host.effects`; the journal applies them only after its COMMIT).
A request that fails alone is rolled back alone (its savepoint, with its effects) and answered by
the logic (30 or 96).

Optimistic groups: requests seldom fail, so a group first runs without a savepoint per request
(:meth:`~simulator.host.journal_store.JournalStore.atomic` with ``optimistic``; SQLite copies every
page a savepoint changes, and the two statements cost as much as a ledger row). A request that
fails having written nothing is rolled back as before. One that fails after writing spoils the
group: its transaction is rolled back whole (nothing of it was committed or answered; its effects
are discarded) and the group runs again with a savepoint per request, which answers and journals
exactly what it would have without the first attempt (:attr:`GroupCommitter.redone` counts these).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.host.decision import HostDecision
from simulator.host.journal_store import RedoWithSavepoints
from simulator.host.logic import HostLogic

log = logging.getLogger(__name__)

__all__ = ["GroupCommitter", "Outcome", "Work"]

DEFAULT_MAX_BATCH = 64

Work = tuple[Callable[[], Any], Callable[[], Any] | None]
"""A request's work and its ``on_failure`` (the answer when its group's commit fails, else None)."""
Outcome = tuple[Any, BaseException | None]
"""What a work gave once its group is durable: (result, None), or (None, the error)."""


@dataclass
class _Job:
    """One request (or one journal call) waiting for the writer thread."""

    work: Callable[[], Any]
    on_failure: Callable[[], Any] | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any] = field(repr=False)


class GroupCommitter:
    """Runs :class:`HostLogic` work on one writer thread and commits it in groups (see the module docstring)."""

    def __init__(self, logic: HostLogic, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self.logic = logic
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        """How many commits the writer made (each covering one or more requests)."""
        self.requests = 0
        self.redone = 0
        """How many optimistic groups ran again with a savepoint per request (a request failed after writing)."""
        self.on_group: Callable[[int], None] | None = None
        """Told the size of each group once committed (on the writer thread): the commit group size metric."""

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="possim-host-writer", daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        """Finish what is queued, then end the writer thread."""
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    async def handle(self, payload: bytes, *, now: datetime, peer: str) -> HostDecision:
        """The decision for one received request, once everything it wrote is durable."""
        return await self.call(lambda: self.logic.handle_bytes(payload, now=now, peer=peer),
                               on_failure=lambda: self.logic.answer_system_malfunction(payload, now))

    async def call(self, work: Callable[[], Any], *, on_failure: Callable[[], Any] | None = None) -> Any:
        """Run ``work`` on the writer thread inside its next group, and return its result after the commit.

        ``on_failure`` gives the result instead when the group's commit fails (else the error is raised).
        """
        loop = asyncio.get_running_loop()
        job = _Job(work, on_failure, loop, loop.create_future())
        self._queue.put(job)
        return await job.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)  # stop after this group
                    break
                batch.append(job)
            self._group(batch)

    def run_group(self, works: Sequence[Work]) -> list[Outcome]:
        """Run ``works`` in one journal transaction and commit it; each work's outcome, in order.

        Called on the writer thread (or by a benchmark without one). A work that raises is answered by
        its ``on_failure`` (else its error is its outcome), its unit rolled back; when the commit fails,
        every work is (see the module docstring for the optimistic first attempt).
        """
        try:
            try:
                outcomes = self._attempt(works, optimistic=True)
            except RedoWithSavepoints:
                self.redone += 1
                log.info("a request of a group of %d failed after writing: the group runs again with a savepoint"
                         " per request", len(works))
                outcomes = self._attempt(works, optimistic=False)
        except Exception as error:  # the commit itself failed: nothing of the group is on disk
            log.error("journal commit of %d request(s) failed: %s; answering 96", len(works), error)
            outcomes = [self._failed(on_failure, error) for _, on_failure in works]
        self.batches += 1
        self.requests += len(works)
        if self.on_group is not None:
            self.on_group(len(works))
        return outcomes

    def _attempt(self, works: Sequence[Work], *, optimistic: bool) -> list[Outcome]:
        """One run of the group in one transaction; raises RedoWithSavepoints when an optimistic one is spoiled."""
        journal = self.logic.journal
        outcomes: list[Outcome] = []
        with journal.atomic(optimistic=optimistic):
            for work, on_failure in works:
                try:
                    outcomes.append((work(), None))
                except Exception as error:  # its own unit was rolled back: a fault of the host's
                    if journal.spoiled:  # ... unless it wrote without a savepoint: the group runs again
                        raise RedoWithSavepoints from error
                    log.error("request failed on the journal: %s", error)
                    outcomes.append(self._failed(on_failure, error))
        return outcomes

    def _group(self, batch: list[_Job]) -> None:
        outcomes = self.run_group([(job.work, job.on_failure) for job in batch])
        # One wake-up of each event loop for the whole group (each call_soon_threadsafe writes to the
        # loop's self-pipe): the answers are handed back together, as they became durable together.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
        for job, (value, error) in zip(batch, outcomes, strict=True):
            by_loop.setdefault(job.loop, []).append((job.future, value, error))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle_all, settled)

    @staticmethod
    def _failed(on_failure: Callable[[], Any] | None, error: BaseException) -> Outcome:
        """A work whose result is not on disk: its ``on_failure`` answer (96), else the error itself."""
        if on_failure is None:
            return None, error
        try:
            return on_failure(), None
        except Exception as failure:
            return None, failure


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, value, error in settled:
        _settle(future, value, error)


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
