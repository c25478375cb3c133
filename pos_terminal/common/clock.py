"""The terminal's clock: what the engine (and the light load terminal) asks for the time.

One definition, so that a test can hand any of them a fixed or stepping clock; always UTC (the
messages' DE 7 is UTC, DE 12/13 are derived from it, docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware UTC."""


def utc_now() -> datetime:
    """The system clock, UTC (the default :data:`Clock`)."""
    return datetime.now(UTC)
