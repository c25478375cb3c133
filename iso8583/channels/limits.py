"""What one peer may cost a server: connections, time, frames and buffered bytes.

A server that answers whoever connects must bound what each connection can take from it, or
one careless or hostile peer can starve the others (a pipelined flood), hold every socket
(slowloris), fill memory with half-sent frames, or run the process out of file descriptors.
:class:`ServerLimits` says how much; :mod:`.guard` enforces the per-connection limits and
:mod:`.tcp_server` the connection cap. User documentation: docs/host-limits.md.

A value of 0 turns a limit off (the frame-size bound and the file-descriptor ceiling stay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from iso8583.channels.errors import ChannelError

DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_IDLE_TIMEOUT = 120.0
DEFAULT_PARTIAL_FRAME_TIMEOUT = 15.0
DEFAULT_MAX_FRAMES_PER_SECOND = 50.0
DEFAULT_MAX_BYTES_IN_FLIGHT = 65536

RATE_CLOSE_AFTER = 10.0
"""A connection more than this many seconds' worth of frames over its rate is closed, not just slowed."""

IDLE_EVICTION_AFTER = 1.0
"""At the connection cap, a connection idle this long may be closed to let a waiting one in."""


class LimitsError(ChannelError):
    """A limit has an impossible value; the message names the limit."""


class LimitEvent(StrEnum):
    """The classes of events a server logs at most once per interval (see :mod:`.events`).

    Most are limits reached; ``BROKEN_FRAME`` (a malformed frame, a peer hanging up mid-frame)
    and ``ACCEPT_FAILED`` (out of file descriptors) are faults that a peer can repeat at will.
    """

    CONNECTION_CAP = "connection cap"
    IDLE = "idle timeout"
    PARTIAL_FRAME = "partial-frame timeout"
    FRAME_SIZE = "frame size"
    FRAME_RATE = "frame rate"
    BYTES_IN_FLIGHT = "bytes in flight"
    EMPTY_FRAME = "empty frame"
    BROKEN_FRAME = "broken frame"
    ACCEPT_FAILED = "accept failed"


MAX_TIMEOUT_SECONDS = 86_400
"""The longest idle or partial-frame timeout (a day): longer is no timeout at all, which 0 says."""


@dataclass(frozen=True)
class ServerLimits:
    """Per-server and per-connection bounds (0 = no limit); the defaults suit a test host."""

    max_connections: int = field(default=DEFAULT_MAX_CONNECTIONS, metadata={"doc": (
        'Connections served at once. Beyond it new connections wait (unaccepted) until one ends; a '
        'connection idle for a second or more is closed to make room. Never more than the '
        "process's file-descriptor limit allows."
    )})
    idle_timeout: float = field(default=DEFAULT_IDLE_TIMEOUT, metadata={"doc": (
        'Seconds without a complete frame (while nothing is being answered) after which a connection is '
        'closed; at most 86400.'
    )})
    partial_frame_timeout: float = field(default=DEFAULT_PARTIAL_FRAME_TIMEOUT, metadata={"doc": (
        'Seconds a frame may take from its first byte to its last. TCP: the connection is closed; serial: '
        'the partial frame is dropped and the line resynchronises. At most 86400.'
    )})
    max_frames_per_second: float = field(default=DEFAULT_MAX_FRAMES_PER_SECOND, metadata={"doc": (
        "Frames one connection may send per second (bursts of one second's worth). Beyond it the server "
        "stops reading from it until it is back under the rate; ten seconds' worth over "
        'it, a TCP connection is closed.'
    )})
    max_bytes_in_flight: int = field(default=DEFAULT_MAX_BYTES_IN_FLIGHT, metadata={"doc": (
        'Bytes one connection may have inside the server unanswered: complete requests waiting for their '
        'turn plus the frame being received. Beyond it the server stops reading from it (TCP flow control '
        'then slows the sender). Also caps the largest frame accepted.'
    )})
    max_frame_size: int = field(default=0, metadata={"doc": (
        'The largest frame body accepted, checked on the length prefix before the body is read; 0: the '
        "framing's own maximum. The host sets it from its dialect's largest message."
    ), "toml": None})

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_bytes_in_flight", "max_frame_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise LimitsError(f"{name}: expected a whole number >= 0, got {value!r}")
        for name in ("idle_timeout", "partial_frame_timeout", "max_frames_per_second"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise LimitsError(f"{name}: expected a number of seconds >= 0, got {value!r}")
        for name in ("idle_timeout", "partial_frame_timeout"):
            if getattr(self, name) > MAX_TIMEOUT_SECONDS:
                raise LimitsError(f"{name}: at most {MAX_TIMEOUT_SECONDS} seconds (0: no timeout), "
                                  f"got {getattr(self, name)!r}")
        if 0 < self.max_bytes_in_flight < MIN_BYTES_IN_FLIGHT:
            raise LimitsError(f"max_bytes_in_flight: expected 0 or at least {MIN_BYTES_IN_FLIGHT}, "
                              f"got {self.max_bytes_in_flight}")

    def frame_limit(self, framing_maximum: int) -> int:
        """The largest frame body to accept with a framing whose own maximum is ``framing_maximum``."""
        limit = framing_maximum
        if self.max_frame_size:
            limit = min(limit, self.max_frame_size)
        if self.max_bytes_in_flight:
            limit = min(limit, self.max_bytes_in_flight - FRAME_HEADER_ALLOWANCE)
        return limit


MIN_BYTES_IN_FLIGHT = 1024
FRAME_HEADER_ALLOWANCE = 8
"""Room left in ``max_bytes_in_flight`` for a frame's own header and trailer (length prefix, STX, ETX, LRC)."""

UNLIMITED = ServerLimits(max_connections=0, idle_timeout=0, partial_frame_timeout=0, max_frames_per_second=0,
                         max_bytes_in_flight=0)
"""No limit at all but the framing's own maximum: how servers behaved before limits existed."""
