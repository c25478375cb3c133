"""The one exception family of :mod:`iso8583.channels`.

Every message says *what* went wrong and *where* (the peer, the stream offset, the
operation and its timeout) so that a log line alone explains a failed exchange. Messages
never contain frame contents: frames carry PANs and PIN blocks.
"""

from __future__ import annotations

from collections.abc import Iterable


class ChannelError(ValueError):
    """Base class of every error raised by :mod:`iso8583.channels`."""


class AddressError(ChannelError):
    """A channel URL or address is malformed: bad input, not a communication failure."""


class FramingError(ChannelError):
    """Bytes on the wire do not form a valid frame (bad length prefix, missing ETX, bad LRC).

    ``offset`` is the position in the received byte stream (counted from the first byte the
    decoder was fed) where the fault was found, or ``None`` when encoding. ``decoded`` holds
    the payloads that were complete before the fault in the same ``feed`` call, so that a
    caller loses nothing that was good; the decoder itself has been reset when this is raised.
    """

    def __init__(self, message: str, offset: int | None = None, decoded: Iterable[bytes] = ()) -> None:
        super().__init__(message)
        self.offset = offset
        self.decoded: tuple[bytes, ...] = tuple(decoded)

    def with_decoded(self, decoded: Iterable[bytes]) -> FramingError:
        """Return this error carrying ``decoded`` (the good payloads that preceded the fault)."""
        self.decoded = tuple(decoded)
        return self


class FrameTooLarge(FramingError):
    """A length prefix announces more bytes than the receiver accepts: refused before the body is read."""


class ChannelTimeout(ChannelError):
    """An operation (connect, receive, send, wait for ACK) did not complete in time."""

    def __init__(self, operation: str, timeout: float) -> None:
        super().__init__(f"{operation} timed out after {timeout:g} s")
        self.operation = operation
        self.timeout = timeout


class ChannelClosed(ChannelError):
    """The channel is closed: by us, by the peer, or after a fatal transport or framing error."""


class LimitExceeded(ChannelClosed):
    """A server ended a connection because it went past one of its limits (:class:`.limits.ServerLimits`).

    ``kind`` names the limit (a :class:`.limits.LimitEvent` value such as ``"idle"``). The server
    has already logged it, rate-limited, so whoever catches it need not log it again.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class DeliveryFailed(ChannelError):
    """A serial link peer did not acknowledge a frame within the allowed number of tries."""
