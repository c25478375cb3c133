"""The event loop of ``possim load`` (simulator.eventloops): uvloop when installed, asyncio's otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from simulator.eventloops import EventLoopChoice, EventLoopUnavailable, resolve, run_on, running_loop_choice

uvloop = pytest.importorskip("uvloop")


def test_auto_is_uvloop_when_it_is_installed() -> None:
    assert resolve("auto") is EventLoopChoice.UVLOOP


def test_auto_is_asyncio_when_uvloop_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert resolve("auto") is EventLoopChoice.ASYNCIO


def test_uvloop_asked_for_but_not_installed_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(EventLoopUnavailable, match=r"pip install 'possim\[fast\]'"):
        resolve("uvloop")


@pytest.mark.parametrize("choice", [EventLoopChoice.ASYNCIO, EventLoopChoice.UVLOOP])
def test_run_on_runs_the_coroutine_on_the_chosen_loop(choice: EventLoopChoice) -> None:
    async def main() -> EventLoopChoice:
        await asyncio.sleep(0)
        return running_loop_choice()

    assert run_on(choice, main()) is choice
