"""One persistent connection per simulated terminal, over :mod:`iso8583.channels` (asyncio).

The connection is opened on the first exchange and kept; a failure (no answer in time, the
peer hung up, a broken frame) closes it, and the next exchange opens a new one. A late answer
to a request that timed out is never taken for the answer of the next request: the connection
it would arrive on is gone. After a failed connect the next attempt waits a little longer each
time (up to :data:`MAX_BACKOFF`), so terminals facing a dead host do not spin.
"""

from __future__ import annotations

import asyncio

from iso8583.channels import BaseChannel, ChannelError, connect
from simulator.load.terminal import Incoming, Lost, OpOutcome, Operation, Outgoing

FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0


class AsyncLink:
    """A terminal's connection to its host: ``exchange`` one request at a time."""

    def __init__(self, url: str, *, response_timeout: float, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.response_timeout = response_timeout
        self.connect_timeout = connect_timeout
        self.connects = 0
        """Connections opened so far (1 for a run without failures)."""
        self._channel: BaseChannel | None = None
        self._backoff = 0.0

    async def exchange(self, outgoing: Outgoing) -> Incoming:
        """Send ``outgoing`` and return the answer's bytes, or :class:`Lost`."""
        channel = self._channel
        if channel is None or channel.closed:
            if self._backoff:
                await asyncio.sleep(self._backoff)
            try:
                channel = await connect(self.url, connect_timeout=self.connect_timeout)
            except (ChannelError, OSError) as error:
                self._backoff = min(MAX_BACKOFF, max(FIRST_BACKOFF, 2 * self._backoff))
                return Lost(f"host unreachable: {error}", sent=False)
            self._channel, self._backoff = channel, 0.0
            self.connects += 1
        try:
            await channel.send(outgoing.payload)
            return await channel.receive(timeout=self.response_timeout)
        except (ChannelError, OSError) as error:
            await self.close()
            return Lost(f"no response: {error}", sent=True)

    async def close(self) -> None:
        """Close the connection (the next exchange reconnects)."""
        channel, self._channel = self._channel, None
        if channel is not None:
            await channel.close()


async def perform(link: AsyncLink, operation: Operation) -> OpOutcome:
    """Run one terminal operation to its end over ``link``."""
    try:
        outgoing = next(operation)
        while True:
            outgoing = operation.send(await link.exchange(outgoing))
    except StopIteration as finished:
        return finished.value
