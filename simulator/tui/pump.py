"""Hands device events to the model one at a time, in the order they happened, off the UI's path.

Key presses and card actions are queued and handled in order by one worker, so a key
typed while the supervisor password is being checked is not lost. While the model is
busy with the host (``model.busy``), an event is handed over at once instead, and the
model ignores it, as a real terminal does during PROCESSING.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pos_terminal.device import DeviceEvent, DeviceModel

__all__ = ["EventPump"]

log = logging.getLogger(__name__)

Handled = Callable[[bool], None]
"""Called after each event with what the model said: True handled, False ignored."""


class EventPump:
    """A queue of device events in front of :meth:`DeviceModel.handle`."""

    def __init__(self, model: DeviceModel) -> None:
        self.model = model
        self._queue: asyncio.Queue[DeviceEvent] = asyncio.Queue()

    def submit(self, event: DeviceEvent) -> None:
        """Queue ``event`` for :meth:`run`."""
        self._queue.put_nowait(event)

    async def run(self, handled: Handled) -> None:
        """Forever: take the next event, let the model handle it, report. Never raises for one event."""
        while True:
            event = await self._queue.get()
            try:
                result = await self.model.handle(event)
            except Exception as error:  # keep the UI alive; never log the event (it may be a PIN digit)
                log.error("the device model failed on an event: %s", type(error).__name__)
                result = False
            finally:
                self._queue.task_done()
            handled(result)

    async def drain(self) -> None:
        """Wait until every queued event has been handled."""
        await self._queue.join()

    @property
    def pending(self) -> int:
        """Events queued and not handled yet."""
        return self._queue.qsize()
