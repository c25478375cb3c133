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
