"""The device UI against the real host emulator on 127.0.0.1, in the test's event loop.

``make_app`` builds a :class:`PossimApp` around a real terminal engine (data in
``tmp_path/terminal``, fast password hashing and timeouts); ``start_host`` starts a
:class:`HostServer` on port 0 with optional fault rules. Helpers drive the app the
way a user does: key presses (:func:`type_keys`) and clicks, then read the screen.
"""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual import events
from textual.pilot import Pilot

from pos_terminal.state.config import load_config
from pos_terminal.device import DeviceModel
from pos_terminal.common.clock import Clock
from pos_terminal.engine.terminal import TerminalEngine
from simulator.host.config import HostConfig
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer
from simulator.tui import PossimApp
from simulator.tui.widgets import KeyHint, Lcd, MessageLog, Printer, StatusBar

SUPERVISOR = "0000"
PIN = "1234"
FIXED_NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
DEAD_HOST = "tcp://127.0.0.1:9"
SIZE = (130, 46)
"""The terminal size of every test (and of the snapshots)."""

StartHost = Callable[..., Awaitable[HostServer]]
MakeApp = Callable[..., PossimApp]


@pytest.fixture
async def start_host(tmp_path: Path) -> AsyncIterator[StartHost]:
    """Start the host emulator on a free port of 127.0.0.1, with ``rules`` ([[rule]] tables as dicts)."""
    servers: list[HostServer] = []

    async def start(rules: list[dict[str, Any]] | None = None) -> HostServer:
        server = host_server(tmp_path, rules)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def host_server(tmp_path: Path, rules: list[dict[str, Any]] | None = None,
                listen: str = "tcp://127.0.0.1:0") -> HostServer:
    """A host emulator (not started) keeping its data in ``tmp_path/host``."""
    data_dir = tmp_path / "host"
    data_dir.mkdir(exist_ok=True)
    return HostServer(HostConfig(data_dir=data_dir, dialect="terminal87", listen=listen),
                      rules=parse_rules({"rule": rules or []}))


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[MakeApp]:
    """An app around a device whose engine talks to ``url``; config ``overrides`` for the engine."""
    engines: list[TerminalEngine] = []

    def make(url: str = DEAD_HOST, *, host: HostServer | None = None, engine_clock: Clock | None = None,
             **overrides: Any) -> PossimApp:
        engine = open_engine(tmp_path, url, engine_clock, **overrides)
        engines.append(engine)
        return PossimApp(DeviceModel(engine, clock=lambda: FIXED_NOW), host_server=host, poll_interval=0.05)

    yield make
    for engine in engines:
        engine.close()


def open_engine(tmp_path: Path, url: str, clock: Clock | None = None, **overrides: Any) -> TerminalEngine:
    """The terminal engine on ``tmp_path/terminal`` with fast password hashing.

    Answers that come take milliseconds on 127.0.0.1, but a loaded machine (two xdist workers and
    more) can stall the app's loop for a while: the default waits are generous, so a slow answer is
    never taken for a lost one. Tests that lose answers on purpose set short ``response_timeout``s.
    """
    data_dir = tmp_path / "terminal"
    settings = {"host_url": url, "response_timeout": 5.0, "connect_timeout": 5.0, **overrides}
    config = load_config(data_dir, password_iterations=1000).with_overrides(**settings)
    return TerminalEngine.open(data_dir, config, **({"clock": clock} if clock else {}))


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now (for a host started later, inside the app)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------- driving the app


def key_names(*keys: str) -> list[str]:
    """Textual key names: a string of digits stands for its digits pressed one by one."""
    names: list[str] = []
    for key in keys:
        names.extend(key if key.isdigit() else [key])
    return names


_CHARACTERS = {"enter": "\r", "escape": "\x1b", "backspace": "\x7f", "tab": "\t"}


async def type_keys(pilot: Pilot[None], *keys: str) -> None:
    """Type keys on the keyboard, then wait until the device has handled them all and the screen shows it.

    Each key is the same ``Key`` event the terminal driver posts to the app (``pilot.press`` does
    that too, but waits for the process to go idle after every key, which costs ~80 ms a key).
    """
    post_keys(pilot, *keys)
    await pilot.pause()
    await settle(pilot)


def post_keys(pilot: Pilot[None], *keys: str) -> None:
    """Type keys on the keyboard and return at once (to watch the screen while the device works)."""
    for name in key_names(*keys):
        pilot.app.post_message(events.Key(name, _CHARACTERS.get(name, name if len(name) == 1 else None)))


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every event given to the device is handled, and the screen is redrawn."""
    app = pilot.app
    assert isinstance(app, PossimApp)
    await app.settled()
    await pilot.pause()


async def click(pilot: Pilot[None], *selectors: str) -> None:
    """Click widgets (keypad keys, reader buttons) one after another, then settle."""
    for selector in selectors:
        assert await pilot.click(selector), selector
    await settle(pilot)


async def approved_sale(pilot: Pilot[None], amount: str = "2500") -> None:
    """A chip sale with PIN by the keyboard, left on its result screen."""
    await type_keys(pilot, "f1", amount, "enter", "i", PIN, "enter")
    assert lcd(pilot.app)[1] == "APPROVED", lcd(pilot.app)


# ---------------------------------------------------------------------- reading the screen


def lcd(app: Any) -> list[str]:
    """The LCD lines on screen, without their padding."""
    return [line.rstrip() for line in app.query_one("#lcd", Lcd).text]


def screen_lines(app: Any) -> list[str]:
    """The whole screen as the user sees it now, as plain text lines (what a screenshot shows)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True))  # noqa: SLF001 - as App.export_screenshot
    return console.export_text(styles=False).splitlines()


def on_screen(app: Any, selector: str) -> list[str]:
    """The part of the screen a widget covers (border and all), line by line."""
    region = app.query_one(selector).region
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]


def key_hint(app: Any) -> list[str]:
    """The key hint under the display, line by line."""
    return app.query_one("#key-hint", KeyHint).lines


def status_bar(app: Any) -> str:
    return app.query_one("#status-bar", StatusBar).plain


def printed(app: Any) -> str:
    return app.query_one("#printer", Printer).text


def message_log(app: Any) -> str:
    return app.query_one("#message-log", MessageLog).text
