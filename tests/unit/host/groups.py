"""Requests through the server's group committer, all in one commit group (the tests of group commit share it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from iso8583 import Message, encode
from simulator.host import HostDecision, HostLogic
from simulator.host.committer import GroupCommitter

from .conftest import NOW, PEER


def in_one_group(host: HostLogic, requests: Iterable[Message]) -> tuple[list[HostDecision], GroupCommitter]:
    """Process ``requests`` through a :class:`GroupCommitter` of ``host``, all in one group: each decision, in
    order, and the committer (its counters)."""
    committer = GroupCommitter(host)

    async def run() -> list[HostDecision]:
        tasks = [asyncio.create_task(committer.handle(encode(request, host.dialect), now=NOW, peer=PEER))
                 for request in requests]
        await asyncio.sleep(0)  # every request queued before the writer starts: one group
        committer.start()
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            await committer.stop()

    return asyncio.run(run()), committer
