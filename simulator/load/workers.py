"""Spreading a run's terminals over worker processes (``--workers N``), and merging what they measured.

Each worker is a fresh interpreter (multiprocessing "spawn": no event loop or open socket is
inherited) that builds its terminals, says it is ready, waits until every worker is, then runs
its share in its own event loop, of the parent's kind (:mod:`simulator.eventloops`;
:func:`simulator.load.runner.run_share`). Workers send a
progress snapshot every half second and their :class:`~simulator.load.tally.Tally` at the end
over one queue; the parent merges them. A worker that fails or dies ends the run with
:class:`LoadWorkerError` and the other workers are stopped.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue as queues
from dataclasses import replace
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from simulator.eventloops import EventLoopChoice, run_on, running_loop_choice
from simulator.load.plan import LoadPlan
from simulator.load.runner import ProgressSink, Share, run_share
from simulator.load.tally import Progress, Tally

POLL_SECONDS = 0.2
STOP_SECONDS = 5.0


class LoadWorkerError(RuntimeError):
    """A worker process failed or died; the message says which and why."""


def split(plan: LoadPlan, host_url: str, data_dir: Path) -> list[Share]:
    """The plan's terminals in ``plan.workers`` contiguous, near-equal groups (LOAD0001... in the first)."""
    ids = plan.terminal_ids()
    size, extra = divmod(len(ids), plan.workers)
    shares, start = [], 0
    for worker in range(plan.workers):
        count = size + (1 if worker < extra else 0)
        shares.append(Share(replace(plan, workers=1), host_url, data_dir, tuple(ids[start:start + count]), start))
        start += count
    return shares


def _worker_main(number: int, share: Share, channel: Any, go: Event,
                 event_loop: EventLoopChoice = EventLoopChoice.ASYNCIO) -> None:
    """A worker process: run ``share`` on ``event_loop``, reporting on ``channel``; never raises (the parent
    hears why)."""
    async def wait_for_go() -> None:
        channel.put(("ready", number, None))
        await asyncio.to_thread(go.wait)

    def progress(snapshot: Progress) -> None:
        channel.put(("progress", number, snapshot))

    try:
        tally = run_on(event_loop, run_share(share, progress=progress, ready=wait_for_go))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which ends the run
        channel.put(("error", number, f"{type(exc).__name__}: {exc}"))
        return
    channel.put(("done", number, tally))


async def run_workers(plan: LoadPlan, host_url: str, data_dir: Path, progress: ProgressSink | None = None) -> Tally:
    """Run ``plan`` over ``plan.workers`` processes against ``host_url``; the merged tally."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    go = context.Event()
    shares = split(plan, host_url, data_dir)
    event_loop = running_loop_choice()  # the workers run on the parent's kind of loop
    processes = [context.Process(target=_worker_main, args=(number, share, channel, go, event_loop),
                                 name=f"possim-load-worker-{number + 1}", daemon=True)
                 for number, share in enumerate(shares)]
    for process in processes:
        process.start()
    ready: set[int] = set()
    snapshots: dict[int, Progress] = {}
    tallies: dict[int, Tally] = {}
    try:
        while len(tallies) < len(processes):
            try:
                kind, number, body = await asyncio.to_thread(channel.get, True, POLL_SECONDS)
            except queues.Empty:
                _check_alive(processes, tallies)
                continue
            if kind == "ready":
                ready.add(number)
                if len(ready) == len(processes):
                    go.set()
            elif kind == "progress" and progress is not None:
                snapshots[number] = body
                progress(Progress.merged(list(snapshots.values())))
            elif kind == "done":
                tallies[number] = body
            elif kind == "error":
                raise LoadWorkerError(f"load worker {number + 1} failed: {body}")
    finally:
        for process in processes:
            process.join(timeout=STOP_SECONDS if len(tallies) == len(processes) else 0.1)
            if process.is_alive():
                process.terminate()
                process.join(timeout=STOP_SECONDS)
        channel.close()
    merged = Tally()
    for number in sorted(tallies):
        merged.merge(tallies[number])
    return merged


def _check_alive(processes: list[multiprocessing.process.BaseProcess], tallies: dict[int, Tally]) -> None:
    for number, process in enumerate(processes):
        if number not in tallies and process.exitcode is not None:
            raise LoadWorkerError(f"load worker {number + 1} died (exit code {process.exitcode})")
