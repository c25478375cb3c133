"""What every framer offers, and the shared decoder of length-prefixed framings.

A framer is sans-I/O: it turns a payload into the bytes of one frame (``encode``) and turns
bytes as they arrive, in chunks of any size, back into whole payloads (``feed``). Transports
(TCP, serial) only move bytes; framers only cut them. Keeping the two apart lets every
framing run over every transport and be tested without sockets.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import ClassVar, Protocol, Self, runtime_checkable

from iso8583.channels.errors import FramingError, FrameTooLarge

log = logging.getLogger(__name__)


@runtime_checkable
class Framer(Protocol):
    """Cuts a byte stream into frames and back. One instance per connection (it keeps state)."""

    def encode(self, payload: bytes) -> bytes:
        """Return the bytes of one frame carrying ``payload``; FramingError if it cannot fit."""
        ...

    def feed(self, data: bytes) -> list[bytes]:
        """Take the next received bytes; return the payloads completed by them, in order.

        A partial frame is kept for the next call. On malformed bytes raise FramingError
        (naming the offset and what was expected) with the decoder reset.
        """
        ...

    def reset(self) -> None:
        """Drop any partial frame, e.g. after an inter-byte timeout or an error."""
        ...

    def fresh(self) -> Self:
        """Return a new framer with the same settings and an empty decoder (one per connection)."""
        ...

    def limited(self, max_length: int) -> Self:
        """A fresh framer that refuses (FrameTooLarge) a frame announcing more than ``max_length`` bytes.

        The length is checked as soon as the frame's header is in, before its body is
        buffered, so a peer cannot make a server hold a large partial frame.
        """
        ...

    @property
    def pending(self) -> int:
        """How many received bytes wait in the decoder for the rest of their frame."""
        ...


def printable(raw: bytes) -> str:
    """Render a few wire bytes for an error message: ASCII as is, anything else as \\xNN."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in raw)


class LengthPrefixedFramer(ABC):
    """A frame is a fixed-size length prefix followed by exactly that many body bytes.

    Subclasses say how the prefix is written and read, and may check or transform the body
    (the TPDU framer strips and checks its header there). The stream offset is counted from
    the first byte fed, so error messages point at the exact faulty byte of a capture.

    While a frame is incomplete, the chunks that arrive for it are kept as they are and joined
    once the frame is whole: a frame received in many small reads costs its own size, not the
    chain of ever larger copies a growing buffer would leave behind (hundreds of half-sent
    frames at once would otherwise fragment a server's memory several times over).
    """

    prefix_size: ClassVar[int]
    max_length: ClassVar[int]
    min_length: ClassVar[int] = 0
    description: ClassVar[str]

    def __init__(self, *, receive_limit: int | None = None) -> None:
        self._buffer = bytearray()
        self._waiting: list[bytes] = []  # chunks of the incomplete frame that follow _buffer
        self._waiting_size = 0
        self._needed = 0  # bytes of _buffer + _waiting needed to cut the next frame (or read its prefix)
        self._offset = 0
        self.receive_limit = receive_limit
        """The largest body ``feed`` accepts (None: ``max_length``); see :meth:`limited`."""

    @abstractmethod
    def _write_prefix(self, length: int) -> bytes:
        """The prefix announcing a body of ``length`` bytes (already range-checked)."""

    @abstractmethod
    def _read_prefix(self, prefix: bytes, offset: int) -> int:
        """The body length announced by ``prefix`` found at stream ``offset``; FramingError if malformed."""

    def _check_body(self, body: bytes, offset: int) -> None:
        """Hook: raise FramingError if a complete body (at stream ``offset``) is invalid."""

    @property
    def pending(self) -> int:
        return len(self._buffer) + self._waiting_size

    def reset(self) -> None:
        if self.pending:
            log.debug("%s decoder reset, dropping %d bytes", self.description, self.pending)
        self._offset += self.pending
        self._buffer = bytearray()
        self._waiting.clear()
        self._waiting_size = 0
        self._needed = 0

    def encode(self, payload: bytes) -> bytes:
        """Return the length prefix followed by ``payload``."""
        return self._frame_body(payload)

    def feed(self, data: bytes) -> list[bytes]:
        """Return the payloads completed by ``data``; keep a partial frame for later."""
        return self._feed_bodies(data)

    def fresh(self) -> Self:
        """A framer with the same settings and an empty decoder (one per connection)."""
        return type(self)(receive_limit=self.receive_limit)

    def limited(self, max_length: int) -> Self:
        """A fresh framer refusing bodies over ``max_length`` bytes (see :class:`Framer`)."""
        framer = self.fresh()
        framer.receive_limit = max_length
        return framer

    def _frame_body(self, body: bytes) -> bytes:
        """Put the length prefix in front of ``body``."""
        if len(body) > self.max_length:
            raise FramingError(
                f"{self.description}: a body of {len(body)} bytes exceeds the maximum of {self.max_length}"
            )
        return self._write_prefix(len(body)) + body

    def _feed_bodies(self, data: bytes) -> list[bytes]:
        """Append ``data``; return every complete, checked body. Resets and raises on a fault."""
        if self.pending + len(data) < self._needed:  # the frame is still incomplete: keep the chunk
            self._waiting.append(bytes(data))
            self._waiting_size += len(data)
            return []
        if self._waiting:
            self._buffer += b"".join(self._waiting)
            self._waiting.clear()
            self._waiting_size = 0
        self._buffer += data
        bodies: list[bytes] = []
        self._needed = self.prefix_size
        while len(self._buffer) >= self.prefix_size:
            try:
                length = self._read_prefix(bytes(self._buffer[: self.prefix_size]), self._offset)
                if length < self.min_length:
                    raise FramingError(
                        f"{self.description}: length {length} at offset {self._offset} is below"
                        f" the minimum of {self.min_length}",
                        self._offset,
                    )
                if self.receive_limit is not None and length > self.receive_limit:
                    raise FrameTooLarge(
                        f"{self.description}: length {length} at offset {self._offset} is over"
                        f" the {self.receive_limit} bytes accepted",
                        self._offset,
                    )
                end = self.prefix_size + length
                if len(self._buffer) < end:
                    self._needed = end
                    break
                body = bytes(self._buffer[self.prefix_size : end])
                self._check_body(body, self._offset + self.prefix_size)
            except FramingError as exc:
                self.reset()
                raise exc.with_decoded(bodies) from None
            del self._buffer[:end]
            self._offset += end
            bodies.append(body)
        if bodies:  # keep the rest in a buffer of its own size, not in the one grown for the frames cut
            self._buffer = bytearray(self._buffer)
        return bodies
