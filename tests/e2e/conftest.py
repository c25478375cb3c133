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
from tests.e2e.cup_fixtures import cup_host, cup_host_process, cup_terminal

__all__ = ["cup_host", "cup_host_process", "cup_terminal"]  # the CUP POS fixtures, shared by the e2e tests

SUPERVISOR = "0000"
LOST_ANSWER_TIMEOUT = 0.4
"""Seconds a terminal waits for an answer that the test's host rule drops: the loss is the point,
so the wait is short (answers that do come take milliseconds on 127.0.0.1)."""


@dataclass
class Host:
    """A running host emulator and a way to read its journal."""

    server: HostServer
    url: str
    data_dir: Path

    def journal(self) -> HostJournal:
        return HostJournal(self.data_dir / "host-journal.sqlite3")


DIALECTS = ("terminal87", "iso87ascii")
SCHEMES = (KeyScheme.MKSK, KeyScheme.DUKPT_TDES, KeyScheme.DUKPT_AES)
"""The dialect x key-scheme matrix; the first of each is the representative combination."""


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> str:
    """The dialect of the host and the terminal (parametrized by :func:`pytest_generate_tests`)."""
    return request.param


@pytest.fixture
def scheme(request: pytest.FixtureRequest) -> KeyScheme:
    """The terminal's key scheme (parametrized by :func:`pytest_generate_tests`)."""
    return request.param


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test on the representative terminal87 + mksk only, unless it says which axes matter.

    ``@pytest.mark.matrix("dialect", "scheme")`` runs it on every dialect x key scheme: behaviours
    that depend on the keys (MACs, PIN blocks, DUKPT counters on repeats and reversals) or on the
    encodings (fields the host fills, advices, batch uploads). ``@pytest.mark.matrix("dialect")``
    runs it on every dialect with the representative scheme. Flows that the terminal decides alone
    (policy refusals, queue limits) run once: the matrix would repeat them with identical messages.
    """
    marker = metafunc.definition.get_closest_marker("matrix")
    axes = set(marker.args) if marker else set()
    given = _directly_parametrized(metafunc)
    if "dialect" in metafunc.fixturenames and "dialect" not in given:
        metafunc.parametrize("dialect", DIALECTS if "dialect" in axes else DIALECTS[:1], indirect=True)
    if "scheme" in metafunc.fixturenames and "scheme" not in given:
        metafunc.parametrize("scheme", SCHEMES if "scheme" in axes else SCHEMES[:1], indirect=True,
                             ids=lambda scheme: scheme.value)


def _directly_parametrized(metafunc: pytest.Metafunc) -> set[str]:
    """The argument names a test parametrizes itself (``@pytest.mark.parametrize``)."""
    names: set[str] = set()
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0]
        names |= {name.strip() for name in argnames.split(",")} if isinstance(argnames, str) else set(argnames)
    return names


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
    """A terminal engine on its own data folder, pointed at ``host``.

    The default waits are generous (a loaded machine must not turn a slow answer into a lost one);
    tests whose host loses an answer on purpose pass ``response_timeout=LOST_ANSWER_TIMEOUT``.
    """
    engines: list[TerminalEngine] = []

    def open_(host: Host, **overrides: Any) -> TerminalEngine:
        data_dir = tmp_path / "terminal"
        settings: dict[str, Any] = {"host_url": host.url, "dialect": dialect, "key_scheme": scheme,
                                    "response_timeout": 5.0, "connect_timeout": 5.0, **overrides}
        config = load_config(data_dir, password_iterations=1000).with_overrides(**settings)
        engine = TerminalEngine.open(data_dir, config)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.close()
