"""Group commit: the host's requests processed on its event loop in groups, many requests per durable commit.

Each received request joins the next group. A group is every request waiting at that moment (up to
``max_batch``), processed one after the other inside one journal transaction (each request a unit of
its own, :meth:`simulator.host.journal.HostJournal.atomic`) on the event loop's thread; its COMMIT
(one fsync with ``synchronous=FULL``) is then written on a thread of the committer's, while the loop
goes on reading the next requests, and only then are the answers handed back. So an answer always
describes journal rows that are on disk (a kill -9 or a power cut after an answer loses nothing), and
under load the fsync is shared by everything that arrived while the last group ran.

Why on the loop's thread: the work is Python and holds the GIL whichever thread runs it; on a writer
thread of its own it paid for the hand-offs (a queue, a thread-safe wake-up of the loop, the GIL
passed back and forth at every SQLite statement) about a tenth of the host's CPU per request. Only
the fsync, which releases the GIL for milliseconds, is worth a thread.

When the commit fails (the disk is full), nothing of the group is on disk: every request of it is
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
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
    """One request (or one journal call) waiting for its group."""

    work: Callable[[], Any]
    on_failure: Callable[[], Any] | None
    future: asyncio.Future[Any] = field(repr=False)


class GroupCommitter:
    """Runs :class:`HostLogic` work in groups on the event loop, each committed on the committer's thread
    (see the module docstring). Serves the one event loop that calls it first."""

    def __init__(self, logic: HostLogic, *, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self.logic = logic
        self.max_batch = max_batch
        self._pending: deque[_Job] = deque()
        self._committing: ThreadPoolExecutor | None = None
        self._drainer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        """How many commits were made (each covering one or more requests)."""
        self.requests = 0
        self.redone = 0
        """How many optimistic groups ran again with a savepoint per request (a request failed after writing)."""
        self.on_group: Callable[[int], None] | None = None
        """Told the size of each group once committed (on the event loop): the commit group size metric."""

    def start(self) -> None:
        """Start taking groups (work queued before waits for this)."""
        if self._committing is None:
            self._committing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="possim-host-commit")
            self._wake()

    async def stop(self) -> None:
        """Finish what is queued, then end the committer's thread."""
        if self._committing is None:
            return
        while self._drainer is not None:
            await asyncio.shield(self._drainer)
        committing, self._committing = self._committing, None
        await asyncio.to_thread(committing.shutdown)

    async def handle(self, payload: bytes, *, now: datetime, peer: str) -> HostDecision:
        """The decision for one received request, once everything it wrote is durable."""
        return await self.call(lambda: self.logic.handle_bytes(payload, now=now, peer=peer),
                               on_failure=lambda: self.logic.answer_system_malfunction(payload, now))

    async def call(self, work: Callable[[], Any], *, on_failure: Callable[[], Any] | None = None) -> Any:
        """Run ``work`` inside the next group, and return its result after the commit.

        ``on_failure`` gives the result instead when the group's commit fails (else the error is raised).
        """
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError("a GroupCommitter serves one event loop")
        job = _Job(work, on_failure, loop.create_future())
        self._pending.append(job)
        self._wake()
        return await job.future

    def _wake(self) -> None:
        """Start the drainer when work waits, the committer is started and no drainer runs yet. Started as a task,
        it runs once the requests read in this turn of the loop have joined the queue: they make one group."""
        if self._pending and self._committing is not None and self._drainer is None and self._loop is not None:
            self._drainer = self._loop.create_task(self._drain())

    async def _drain(self) -> None:
        """Groups one after the other while work waits; between two, the loop sends the answers and reads."""
        try:
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
                outcomes = await self._run_group_committed([(job.work, job.on_failure) for job in batch])
                for job, (value, error) in zip(batch, outcomes, strict=True):
                    _settle(job.future, value, error)
                await asyncio.sleep(0)
        finally:
            self._drainer = None

    def run_group(self, works: Sequence[Work]) -> list[Outcome]:
        """Run ``works`` in one journal transaction and commit it, all on this thread; each work's outcome, in order.

        For a benchmark or a test without an event loop: the same group as the server's, COMMIT included. A
        work that raises is answered by its ``on_failure`` (else its error is its outcome), its unit rolled back;
        when the commit fails, every work is (see the module docstring for the optimistic first attempt).
        """
        try:
            outcomes = self._open_group(works)
        except Exception as error:  # the transaction itself failed: nothing of the group is on disk
            return self._dropped(works, error)
        try:
            self.logic.journal.write_commit()
        except BaseException as error:
            return self._dropped(works, error, opened=True)
        return self._committed(works, outcomes)

    async def _run_group_committed(self, works: Sequence[Work]) -> list[Outcome]:
        """:meth:`run_group` with its COMMIT written on the committer's thread while the loop goes on."""
        assert self._committing is not None
        try:
            outcomes = self._open_group(works)
        except Exception as error:
            return self._dropped(works, error)
        commit = self._committing.submit(self.logic.journal.write_commit)
        try:
            await asyncio.wrap_future(commit)
        except asyncio.CancelledError:  # the loop is shutting down: the COMMIT is under way all the same
            _wait_quietly(commit)
            failure = commit.exception()
            if failure is None:
                self._committed(works, outcomes)
            else:
                self._dropped(works, failure, opened=True)
            raise
        except BaseException as error:
            return self._dropped(works, error, opened=True)
        return self._committed(works, outcomes)

    def _committed(self, works: Sequence[Work], outcomes: list[Outcome]) -> list[Outcome]:
        """The COMMIT is written: the group's effects apply, its outcomes stand."""
        self.logic.journal.group_committed()
        self._count(len(works))
        return outcomes

    def _dropped(self, works: Sequence[Work], error: BaseException, *, opened: bool = False) -> list[Outcome]:
        """Nothing of the group is on disk (its COMMIT failed, or its transaction did): the transaction, when
        ``opened``, and its effects are dropped, and every work is answered by its ``on_failure`` (96). An error
        that is not an Exception (KeyboardInterrupt...) is raised again once the transaction is dropped."""
        if opened:
            self.logic.journal.abort_group()
        if not isinstance(error, Exception):
            raise error
        log.error("journal commit of %d request(s) failed: %s; answering 96", len(works), error)
        self._count(len(works))
        return [self._failed(on_failure, error) for _, on_failure in works]

    def _open_group(self, works: Sequence[Work]) -> list[Outcome]:
        """The group's units in one open transaction (optimistic first, again with savepoints if it was spoiled);
        the caller commits it (or aborts it)."""
        try:
            return self._attempt(works, optimistic=True)
        except RedoWithSavepoints:
            self.redone += 1
            log.info("a request of a group of %d failed after writing: the group runs again with a savepoint"
                     " per request", len(works))
            return self._attempt(works, optimistic=False)

    def _attempt(self, works: Sequence[Work], *, optimistic: bool) -> list[Outcome]:
        """One run of the group's units in a new transaction, left open; raises RedoWithSavepoints when an
        optimistic one is spoiled (rolled back by then)."""
        journal = self.logic.journal
        outcomes: list[Outcome] = []
        journal.begin_group(optimistic=optimistic)
        try:
            for work, on_failure in works:
                try:
                    outcomes.append((work(), None))
                except Exception as error:  # its own unit was rolled back: a fault of the host's
                    if journal.spoiled:  # ... unless it wrote without a savepoint: the group runs again
                        raise RedoWithSavepoints from error
                    log.error("request failed on the journal: %s", error)
                    outcomes.append(self._failed(on_failure, error))
        except BaseException:
            journal.abort_group()
            raise
        journal.end_group_units()
        return outcomes

    def _count(self, size: int) -> None:
        self.batches += 1
        self.requests += size
        if self.on_group is not None:
            self.on_group(size)

    @staticmethod
    def _failed(on_failure: Callable[[], Any] | None, error: BaseException) -> Outcome:
        """A work whose result is not on disk: its ``on_failure`` answer (96), else the error itself."""
        if on_failure is None:
            return None, error
        try:
            return on_failure(), None
        except Exception as failure:
            return None, failure


def _wait_quietly(commit: Future[None]) -> None:
    """Wait for a COMMIT under way, whatever its outcome."""
    with contextlib.suppress(BaseException):
        commit.result()


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
