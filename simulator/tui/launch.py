"""Start the device UI: against any host (``possim terminal``) or with the embedded host (``possim run``)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

from pos_terminal.state.config import load_config
from pos_terminal.device import DeviceModel
from pos_terminal.engine.terminal import TerminalEngine
from simulator.host.config import load_host_config
from simulator.host.console import HostConsole
from simulator.host.httpaddress import HttpAddress
from simulator.host.server import HostServer
from simulator.tui.app import PossimApp

__all__ = ["EMBEDDED_LISTEN", "embedded_host", "open_device", "quiet_logging", "run_embedded", "run_terminal"]

EMBEDDED_LISTEN = "tcp://127.0.0.1:0"
"""The embedded host listens on a free port of the loopback interface."""


@contextlib.contextmanager
def quiet_logging() -> Iterator[None]:
    """Keep library log lines (e.g. "connection closed") off the screen while the UI draws it.

    Only when nothing configured logging: a root handler set up by the caller is left alone.
    """
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    handler = logging.NullHandler()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def open_device(data_dir: Path, host_url: str | None = None, dialect: str | None = None) -> DeviceModel:
    """The device on the terminal data folder ``data_dir`` (config defaults), talking to ``host_url`` if given,
    in ``dialect`` if given (``--dialect``: instead of terminal.toml's)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(data_dir)
    if host_url:
        config = config.with_overrides(host_url=host_url)
    if dialect:
        config = config.with_overrides(dialect=dialect)
    return DeviceModel(TerminalEngine.open(data_dir, config))


async def run_terminal(data_dir: Path, host_url: str | None, dialect: str | None = None) -> None:
    """Run the UI until the user quits, against the host at ``host_url`` (else the configured one)."""
    model = open_device(data_dir, host_url, dialect)
    try:
        with quiet_logging():
            await PossimApp(model).run_async()
    finally:
        model.engine.close()


def embedded_host(data_dir: Path, dialect: str | None = None) -> HostServer:
    """The embedded host of ``possim run`` (not started): ``DIR/host``, in ``dialect`` when given."""
    host_dir = data_dir / "host"
    host_dir.mkdir(parents=True, exist_ok=True)
    config = load_host_config(host_dir)
    if dialect:
        config = dataclasses.replace(config, dialect=dialect)
    return HostServer(config, listen=EMBEDDED_LISTEN)


async def run_embedded(data_dir: Path, console: tuple[HttpAddress, str | None] | None = None,
                       dialect: str | None = None) -> str:
    """Run the host emulator (``DIR/host``) and the UI (``DIR/terminal``) in this event loop; return the host URL.

    The host listens on a free port of 127.0.0.1 and is stopped when the UI exits. With ``console`` (an
    address and a token or None) the host's HTTP console serves there too (docs/host-api.md); its URL is
    printed before the UI opens and shown under the message log. ``dialect`` (``possim run --dialect``) is
    spoken by both, whatever terminal.toml and host.toml say.
    """
    server = embedded_host(data_dir, dialect)
    url = await server.start()
    app: PossimApp | None = None
    web: HostConsole | None = None
    console_url: str | None = None
    try:
        if console is not None:
            web = HostConsole(server, console[0], token=console[1])
            console_url = await web.start()
            print(f"console on {console_url}", flush=True)
        model = open_device(data_dir / "terminal", url, dialect)
        try:
            app = PossimApp(model, host_server=server, console_url=console_url)
            with quiet_logging():
                await app.run_async()
        finally:
            model.engine.close()
    finally:
        if web is not None:
            await web.stop()
        if app is not None:
            await app.stop_host()
        else:
            await server.stop()
    return url
