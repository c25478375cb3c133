"""The event loop ``possim host`` and ``possim load`` run on: uvloop when it is installed (``pip install
'possim[fast]'``), else asyncio's own.

Part of a host's or a load terminal's CPU per message is its event loop's: reading the socket, waking the
task, its timers. uvloop (libuv, in C) does that part with less CPU than asyncio's selector loop
(docs/performance.md has the figures), and changes nothing else: the same messages, checks and timing.
``--event-loop`` chooses: ``auto`` (the default: uvloop when importable), ``asyncio`` or ``uvloop``
(refused when it is not installed). ``possim load``'s worker processes run on the loop their parent runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class EventLoopChoice(StrEnum):
    """``--event-loop``: which event loop runs the host or the load terminals."""

    AUTO = "auto"
    ASYNCIO = "asyncio"
    UVLOOP = "uvloop"


class EventLoopUnavailable(RuntimeError):
    """uvloop was asked for and is not installed; the message says how to install it."""


def resolve(choice: EventLoopChoice | str) -> EventLoopChoice:
    """``asyncio`` or ``uvloop``: ``auto`` is uvloop when it can be imported. EventLoopUnavailable for a uvloop
    that is not installed."""
    choice = EventLoopChoice(choice)
    installed = _uvloop_installed()
    if choice is EventLoopChoice.AUTO:
        return EventLoopChoice.UVLOOP if installed else EventLoopChoice.ASYNCIO
    if choice is EventLoopChoice.UVLOOP and not installed:
        raise EventLoopUnavailable("uvloop is not installed (pip install 'possim[fast]')")
    return choice


def _uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401 - only whether it imports
    except ImportError:
        return False
    return True


def loop_factory(choice: EventLoopChoice | str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory of the chosen loop for :class:`asyncio.Runner` (None: asyncio's default)."""
    if resolve(choice) is EventLoopChoice.UVLOOP:
        import uvloop

        return uvloop.new_event_loop
    return None


def run_on(choice: EventLoopChoice | str, main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to its end on a new loop of the chosen kind (as :func:`asyncio.run`)."""
    try:
        factory = loop_factory(choice)
    except BaseException:
        main.close()
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def running_loop_choice() -> EventLoopChoice:
    """The kind of the loop running now (what a worker process should run on too)."""
    module = type(asyncio.get_running_loop()).__module__
    return EventLoopChoice.UVLOOP if module.split(".")[0] == "uvloop" else EventLoopChoice.ASYNCIO
