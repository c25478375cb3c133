"""Fixtures for channel tests: a real pseudo-terminal pair and a hand-driven raw peer."""

from __future__ import annotations

import asyncio
import os
import tty
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from iso8583.channels import LinkControl, StxEtxLrcFramer
from iso8583.channels.framing import FrameReceived, FrameRejected


@dataclass(frozen=True)
class PtyPair:
    """A pseudo-terminal: ``master`` fd (kept by the test) and ``slave_path`` (opened with pyserial)."""

    master: int
    slave: int
    slave_path: str


@pytest.fixture
def pty_pair() -> Iterator[PtyPair]:
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing, before pyserial configures it too
    pair = PtyPair(master, slave, os.ttyname(slave))
    try:
        yield pair
    finally:
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass  # already closed by a channel that owned it


class RawPeer:
    """The other end of a serial link driven byte by byte by a test, on a raw fd.

    It reads with the event loop (not with the code under test) so that tests can send
    deliberately broken frames and check the exact ACK/NAK bytes that come back.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self._buffer = bytearray()
        self._decoder = StxEtxLrcFramer()

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    async def _fill(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_reader(self.fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(self.fd)
        self._buffer += os.read(self.fd, 4096)

    async def read_exactly(self, count: int, timeout: float = 2.0) -> bytes:
        while len(self._buffer) < count:
            await self._fill(timeout)
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    async def read_event(self, timeout: float = 2.0) -> FrameReceived | FrameRejected | LinkControl:
        """The next frame or ACK/NAK the code under test sent."""
        while True:
            events = self._decoder.feed_events(bytes(self._buffer))
            self._buffer.clear()
            if events:
                assert len(events) == 1, f"expected one event, got {events}"
                return events[0]
            await self._fill(timeout)

    async def silent_for(self, seconds: float) -> bool:
        """True if nothing arrives within ``seconds``."""
        if self._buffer:
            return False
        try:
            await self._fill(seconds)
        except TimeoutError:
            return True
        return False


@pytest.fixture
def raw_master(pty_pair: PtyPair) -> RawPeer:
    return RawPeer(pty_pair.master)
