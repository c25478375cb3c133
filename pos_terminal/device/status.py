"""The device's side outputs besides the display: beeper and status bar data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Beep", "ConnectionState", "DeviceStatus"]


class Beep(StrEnum):
    """What the beeper sounded; the UI picks a tone (or a flash) per kind."""

    ERROR = "error"
    """Input refused: a wrong key, an amount over the limit, a wrong password."""
    SUCCESS = "success"
    """The host approved the operation."""
    FAILURE = "failure"
    """Declined, refused by the terminal, or no answer from the host."""


class ConnectionState(StrEnum):
    """How the last exchange with the host went."""

    UNKNOWN = "unknown"
    """No exchange yet since the device started."""
    ONLINE = "online"
    """The host answered."""
    FAILED = "failed"
    """Unreachable, timed out, garbled or failed its MAC."""


@dataclass(frozen=True)
class DeviceStatus:
    """The status bar: connection, open batch, and what is owed to the host."""

    connection: ConnectionState
    batch: int
    pending_reversals: int
    pending_advices: int | None
    """None when the journal keeps no advices (store-and-forward not available)."""
