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
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.host.decision import HostDecision
from simulator.host.logic import HostLogic

log = logging.getLogger(__name__)

__all__ = ["GroupCommitter"]

DEFAULT_MAX_BATCH = 64


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

    def _group(self, batch: list[_Job]) -> None:
        results: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with self.logic.journal.atomic():
                for job in batch:
                    try:
                        results.append((job, job.work(), None))
                    except Exception as error:  # its own savepoint was rolled back: a fault of the host's
                        log.error("request failed on the journal: %s", error)
                        results.append(self._failed(job, error))
        except Exception as error:  # the commit itself failed: nothing of the group is on disk
            log.error("journal commit of %d request(s) failed: %s; answering 96", len(batch), error)
            results = [self._failed(job, error) for job in batch]
        self.batches += 1
        self.requests += len(batch)
        if self.on_group is not None:
            self.on_group(len(batch))
        # One wake-up of each event loop for the whole group (each call_soon_threadsafe writes to the
        # loop's self-pipe): the answers are handed back together, as they became durable together.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
        for job, value, error in results:
            by_loop.setdefault(job.loop, []).append((job.future, value, error))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle_all, settled)

    @staticmethod
    def _failed(job: _Job, error: BaseException) -> tuple[_Job, Any, BaseException | None]:
        """A job whose work is not on disk: its ``on_failure`` answer (96), else the error itself."""
        if job.on_failure is None:
            return job, None, error
        try:
            return job, job.on_failure(), None
        except Exception as failure:
            return job, None, failure


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
