"""A light terminal's persistent connection over a blocking TCP socket (Locust users, under gevent).

The same contract as :class:`simulator.load.link.AsyncLink`: one connection kept open, closed
on any failure and reopened by the next exchange, framing from the URL (:mod:`iso8583.channels`
framers are sans-I/O, so the socket only moves bytes). Under Locust, gevent makes the socket
calls cooperative, so many users share one process.
"""

from __future__ import annotations

import socket
import time
from collections import deque

from iso8583.channels import FramingError, Transport, parse_channel_url
from simulator.load.terminal import Incoming, Lost, OpOutcome, Operation, Outgoing

RECEIVE_CHUNK = 65536


class SyncLink:
    """A blocking connection to a ``tcp://`` host URL: ``exchange`` one request at a time."""

    def __init__(self, url: str, *, response_timeout: float, connect_timeout: float = 5.0) -> None:
        address = parse_channel_url(url)
        if address.transport is not Transport.TCP:
            raise ValueError(f"host URL {url!r}: only tcp:// hosts can be loaded from here")
        self.url = url
        self.address = address
        self.response_timeout = response_timeout
        self.connect_timeout = connect_timeout
        self.connects = 0
        self._socket: socket.socket | None = None
        self._framer = address.framer()
        self._received: deque[bytes] = deque()

    def exchange(self, outgoing: Outgoing) -> Incoming:
        """Send ``outgoing`` and return the answer's bytes, or :class:`Lost`."""
        if self._socket is None:
            try:
                self._socket = socket.create_connection((self.address.host, self.address.port),
                                                        timeout=self.connect_timeout)
            except OSError as error:
                return Lost(f"host unreachable: {error}", sent=False)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._framer = self._framer.fresh()
            self._received.clear()
            self.connects += 1
        try:
            self._socket.settimeout(self.response_timeout)
            self._socket.sendall(self._framer.encode(outgoing.payload))
            return self._receive(time.monotonic() + self.response_timeout)
        except (OSError, FramingError) as error:
            self.close()
            return Lost(f"no response: {error}", sent=True)

    def _receive(self, deadline: float) -> bytes:
        assert self._socket is not None
        while not self._received:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer within {self.response_timeout:g} s")
            self._socket.settimeout(remaining)
            data = self._socket.recv(RECEIVE_CHUNK)
            if not data:
                raise ConnectionError("the host closed the connection")
            self._received.extend(self._framer.feed(data))
        return self._received.popleft()

    def close(self) -> None:
        """Close the connection (the next exchange reconnects)."""
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()


def perform(link: SyncLink, operation: Operation) -> OpOutcome:
    """Run one terminal operation to its end over ``link``."""
    try:
        outgoing = next(operation)
        while True:
            outgoing = operation.send(link.exchange(outgoing))
    except StopIteration as finished:
        return finished.value
