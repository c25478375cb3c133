"""One log line per class of event per interval, however often the event happens.

A server under attack sees the same event thousands of times a second (a refused connection,
an empty frame, a failed accept). Logging each one buries the log and costs the server more
than the attack itself. :class:`EventLog` logs the first event of a class, counts the ones
that follow within ``interval`` seconds, and puts that count on the next line it logs for the
class (or on a closing line from :meth:`EventLog.flush`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_INTERVAL = 10.0


@dataclass
class _Class:
    last_logged: float
    suppressed: int = 0


class EventLog:
    """Rate-limited logging per event class (see the module docstring). One per server."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._classes: dict[str, _Class] = {}
        self.counts: dict[str, int] = {}
        """How many events of each class happened, logged or not (for tests and reports)."""

    def admit(self, kind: str) -> int | None:
        """Count one event of class ``kind``: None if the class was admitted less than ``interval``
        seconds ago, else the number of its events not admitted since (the caller records this one)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        now = self._clock()
        state = self._classes.get(kind)
        if state is not None and now - state.last_logged < self._interval:
            state.suppressed += 1
            return None
        self._classes[kind] = _Class(last_logged=now)
        return state.suppressed if state is not None else 0

    def report(self, kind: str, message: str, *args: object, level: int = logging.WARNING) -> bool:
        """Count one event of class ``kind``; log ``message % args`` unless the class logged recently.

        Returns True when a line was written.
        """
        suppressed = self.admit(kind)
        if suppressed is None:
            return False
        if suppressed:
            message += " (and %d more %s event(s) not logged in between)"
            args = (*args, suppressed, kind)
        self._logger.log(level, message, *args)
        return True

    def flush(self) -> None:
        """Log the counts of events not logged yet (e.g. when the server stops)."""
        for kind, state in self._classes.items():
            if state.suppressed:
                self._logger.warning("%d more %s event(s) not logged", state.suppressed, kind)
                state.suppressed = 0
