"""Where the group committer does its work: the requests on the event loop's thread, each group's COMMIT (its
fsync) on the committer's own thread, while the loop goes on (simulator.host.committer)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from iso8583 import encode
from simulator.host import HostLogic
from simulator.host.committer import GroupCommitter

from .conftest import NOW, PEER, MiniTerminal


def _threads_seen(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Record the name of the thread that runs a request's logic and the one that writes the COMMIT."""
    seen: dict[str, str] = {}
    handle_bytes, commit = host.handle_bytes, host.journal._commit

    def handled(*args: object, **kwargs: object) -> object:
        seen["request"] = threading.current_thread().name
        return handle_bytes(*args, **kwargs)  # type: ignore[arg-type]

    def committed() -> None:
        seen["commit"] = threading.current_thread().name
        commit()

    monkeypatch.setattr(host, "handle_bytes", handled)
    monkeypatch.setattr(host.journal, "_commit", committed)
    return seen


async def _one_sale(committer: GroupCommitter, terminal: MiniTerminal) -> str:
    payload = encode(terminal.financial("000000", 2500), terminal.dialect)
    committer.start()
    try:
        decision = await committer.handle(payload, now=NOW, peer=PEER)
    finally:
        await committer.stop()
    return decision.response_code


def test_a_request_is_processed_on_the_event_loops_thread(terminal: MiniTerminal, host: HostLogic,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    terminal.sign_on()
    seen = _threads_seen(host, monkeypatch)
    assert asyncio.run(_one_sale(GroupCommitter(host), terminal)) == "00"
    assert seen["request"] == threading.current_thread().name


def test_a_groups_commit_is_written_on_the_committers_thread(terminal: MiniTerminal, host: HostLogic,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    terminal.sign_on()
    seen = _threads_seen(host, monkeypatch)
    asyncio.run(_one_sale(GroupCommitter(host), terminal))
    assert seen["commit"].startswith("possim-host-commit")


def test_the_event_loop_goes_on_while_a_commit_is_written(terminal: MiniTerminal, host: HostLogic,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    terminal.sign_on()
    release = threading.Event()
    commit = host.journal._commit

    def slow_commit() -> None:  # an fsync that takes until the loop has shown it is still running
        assert release.wait(10), "the event loop did not run while the COMMIT was under way"
        commit()

    monkeypatch.setattr(host.journal, "_commit", slow_commit)

    async def run() -> str:
        answer = asyncio.create_task(_one_sale(GroupCommitter(host), terminal))
        while not answer.done():  # this loop turns while the commit waits: it lets the commit finish
            await asyncio.sleep(0.01)
            release.set()
        return await answer

    assert asyncio.run(run()) == "00"


def test_a_committer_serves_only_the_event_loop_that_called_it_first(host: HostLogic) -> None:
    committer = GroupCommitter(host)
    committer.start()

    async def call() -> None:
        await committer.call(lambda: None)

    asyncio.run(call())
    with pytest.raises(RuntimeError, match="one event loop"):
        asyncio.run(call())


def test_stop_finishes_the_work_already_queued(host: HostLogic) -> None:
    committer = GroupCommitter(host)
    done: list[int] = []

    async def run() -> None:
        calls = [asyncio.create_task(committer.call(lambda n=n: done.append(n))) for n in range(3)]
        await asyncio.sleep(0)  # queued before the committer starts
        committer.start()
        await committer.stop()
        await asyncio.gather(*calls)

    asyncio.run(run())
    assert done == [0, 1, 2]
