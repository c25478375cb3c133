"""The byte-stream interface under every channel: what a transport must offer.

A transport moves bytes and knows nothing of frames. Channels (:mod:`.channel`,
:mod:`.link`) read from one ``ByteStream`` in a single background task and write to it
under a lock, so a transport needs no locking of its own.
"""

from __future__ import annotations

from typing import Protocol


class ByteStream(Protocol):
    """A bidirectional byte stream: a TCP connection, a serial port, a pty."""

    peer: str
    """Who is at the other end, for logs: ``tcp://127.0.0.1:5000``, ``serial:///dev/ttyS0``."""

    async def read_some(self, timeout: float | None, max_bytes: int | None = None) -> bytes:
        """Return the bytes available (at least one), or ``b""`` when ``timeout`` passes first.

        ``None`` waits without limit. At most ``max_bytes`` bytes are returned when it is given
        (a server's allowance of bytes in flight). Raises ChannelClosed at end of stream or on a
        transport failure. Cancelling it loses no data.
        """
        ...

    async def write(self, data: bytes, timeout: float) -> None:
        """Write all of ``data``; ChannelTimeout if the peer does not take it within ``timeout``."""
        ...

    async def close(self) -> None:
        """Release the transport. Idempotent; never raises for an already broken stream."""
        ...


class ArrivalHandler(Protocol):
    """Takes bytes as they arrive, on behalf of the read waiting for them (see :class:`.accepted.AcceptedStream`).

    A channel whose reading task would only decode the bytes and read again lets the transport hand
    them over in its own callback: no wake-up of the reading task per request. Whatever the handler
    cannot or need not do at once, the waiting read does, as without a handler.
    """

    def room_for_arrivals(self) -> int | None:
        """How many bytes the waiting read's caller would take now and then read again (None: any)."""
        ...

    def take_arrival(self, data: bytes) -> float | None:
        """Handle ``data`` as the waiting read's caller would; return the timeout the read goes on waiting
        with (None: no limit; <= 0: the read returns ``b""`` at once). What it raises, the read raises."""
        ...
