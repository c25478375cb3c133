"""End-to-end fixtures: the real host emulator on 127.0.0.1 and the real terminal engine against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pos_terminal.state.config import load_config
from pos_terminal.engine.terminal import TerminalEngine
from protocols.security import KeyScheme
from simulator.host.config import HostConfig
from simulator.host.journal import HostJournal
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer
from tests.e2e.cup_fixtures import cup_host, cup_terminal

__all__ = ["cup_host", "cup_terminal"]  # the CUP POS fixtures, shared by the e2e tests

SUPERVISOR = "0000"


@dataclass
class Host:
    """A running host emulator and a way to read its journal."""

    server: HostServer
    url: str
    data_dir: Path

    def journal(self) -> HostJournal:
        return HostJournal(self.data_dir / "host-journal.sqlite3")


@pytest.fixture(params=["terminal87", "iso87ascii"])
def dialect(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=[KeyScheme.MKSK, KeyScheme.DUKPT_TDES, KeyScheme.DUKPT_AES], ids=lambda s: s.value)
def scheme(request: pytest.FixtureRequest) -> KeyScheme:
    return request.param


@pytest.fixture
async def start_host(tmp_path: Path, dialect: str) -> AsyncIterator[Callable[..., Any]]:
    """Start the host with optional rules (a list of [[rule]] tables as dicts)."""
    servers: list[HostServer] = []

    async def start(rules: list[dict[str, Any]] | None = None) -> Host:
        data_dir = tmp_path / "host"
        data_dir.mkdir(exist_ok=True)
        config = HostConfig(data_dir=data_dir, dialect=dialect, listen="tcp://127.0.0.1:0")
        server = HostServer(config, rules=parse_rules({"rule": rules or []}))
        url = await server.start()
        servers.append(server)
        return Host(server, url, data_dir)

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
def open_terminal(tmp_path: Path, dialect: str, scheme: KeyScheme) -> Callable[..., TerminalEngine]:
    """A terminal engine on its own data folder, pointed at ``host``; fast timeouts for tests."""
    engines: list[TerminalEngine] = []

    def open_(host: Host, **overrides: Any) -> TerminalEngine:
        data_dir = tmp_path / "terminal"
        config = load_config(data_dir, password_iterations=1000).with_overrides(
            host_url=host.url, dialect=dialect, key_scheme=scheme, response_timeout=1.0, connect_timeout=1.0,
            **overrides,
        )
        engine = TerminalEngine.open(data_dir, config)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.close()
