"""The hostile-input suite: the real host emulator on 127.0.0.1 and peers that misbehave on purpose.

Each test starts the host from a data folder whose ``host.toml`` sets the ``[limits]`` under
test (small values, so that every attack is over in a second or two), runs one attack with raw
sockets or a pseudo-terminal, and checks what a well-behaved terminal sees and what the
attack cost the host: requests that reached the host logic, log lines, connections held.
Everything stays on loopback and is bounded in time and size.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from iso8583 import Message, decode, encode, get_dialect
from iso8583.channels import connect
from pos_terminal.state.config import load_config
from protocols.defaults import MERCHANT_ID, TERMINAL_ID
from pos_terminal.engine.terminal import TerminalEngine
from protocols.iso87 import transmission_datetime
from simulator.host.config import load_host_config
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer

LOOPBACK = "127.0.0.1"
DIALECT = get_dialect("terminal87")


def echo_request(stan: int) -> bytes:
    """An 0800 echo test of the default terminal, encoded (unsigned: the host answers it 00)."""
    message = Message("0800", {7: transmission_datetime(datetime.now(UTC)), 11: f"{stan % 1_000_000:06d}",
                               41: TERMINAL_ID, 42: MERCHANT_ID, 70: "301"})
    return encode(message, DIALECT)


def len2(payload: bytes) -> bytes:
    """``payload`` in 2-byte length framing, as the host's default TCP framing expects."""
    return len(payload).to_bytes(2, "big") + payload


@dataclass
class RunningHost:
    """A host emulator serving on 127.0.0.1, and every request that reached its logic."""

    server: HostServer
    data_dir: Path
    handled: list[str] = field(default_factory=list)
    """The peer of each request handed to the host logic, in the order the logic saw them."""

    @property
    def url(self) -> str:
        assert self.server.url is not None
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def connections(self) -> int:
        """Connections the host is serving right now."""
        return self.server._server.connection_count  # type: ignore[union-attr]

    async def echo(self, stan: int = 999_999, timeout: float = 5.0) -> str:
        """A well-behaved terminal's echo test on a fresh connection: the response code."""
        async with await connect(self.url) as channel:
            await channel.send(echo_request(stan))
            response = decode(await channel.receive(timeout), DIALECT)
        value = response.get(39)
        assert isinstance(value, str)
        return value

    async def raw(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A raw TCP connection to the host, for sending exactly the bytes a test wants."""
        return await asyncio.open_connection(LOOPBACK, self.port)


HostStarter = Callable[..., Awaitable[RunningHost]]
RawConnection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@pytest.fixture
async def start_host(tmp_path: Path) -> AsyncIterator[HostStarter]:
    """Start the host with ``limits`` as the body of host.toml's ``[limits]`` table and ``rules``
    as its rules file (both TOML text)."""
    servers: list[HostServer] = []

    async def start(limits: str = "", listen: str = "tcp://127.0.0.1:0", rules: str = "") -> RunningHost:
        data_dir = tmp_path / "host"
        data_dir.mkdir(exist_ok=True)
        (data_dir / "host.toml").write_text(f"[limits]\n{limits}\n" if limits else "", encoding="utf-8")
        server = HostServer(load_host_config(data_dir), listen=listen, rules=parse_rules(tomllib.loads(rules)))
        running = RunningHost(server, data_dir)
        handle_bytes = server.logic.handle_bytes

        def recording(data: bytes, **kwargs: Any) -> Any:
            running.handled.append(kwargs["peer"])
            return handle_bytes(data, **kwargs)

        server.logic.handle_bytes = recording  # type: ignore[method-assign]
        await server.start()
        servers.append(server)
        return running

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
def open_terminal(tmp_path: Path) -> Iterator[Callable[[RunningHost], TerminalEngine]]:
    """The real terminal engine (master/session keys, terminal87) on its own data folder."""
    engines: list[TerminalEngine] = []

    def open_(host: RunningHost) -> TerminalEngine:
        data_dir = tmp_path / "terminal"
        config = load_config(data_dir, password_iterations=1000).with_overrides(
            host_url=host.url, dialect="terminal87", response_timeout=5.0, connect_timeout=2.0,
        )
        engine = TerminalEngine.open(data_dir, config)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.close()


@dataclass
class LogLines:
    """The log lines written while a test ran (INFO and above are captured)."""

    caplog: pytest.LogCaptureFixture

    def at_least(self, level: int) -> list[str]:
        return [record.getMessage() for record in self.caplog.records if record.levelno >= level]

    @property
    def tracebacks(self) -> int:
        return sum(record.exc_info is not None for record in self.caplog.records)


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> Iterator[LogLines]:
    caplog.set_level(logging.INFO)
    yield LogLines(caplog)


async def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(step)
    return True


async def closed_by_peer(reader: asyncio.StreamReader, timeout: float) -> bool:
    """True if the other end closes the connection (EOF or reset) within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


@contextlib.asynccontextmanager
async def raw_connections(host: RunningHost, count: int) -> AsyncIterator[list[RawConnection]]:
    """``count`` raw connections to ``host``, closed on exit."""
    opened: list[RawConnection] = []
    try:
        for _ in range(count):
            opened.append(await host.raw())
        yield opened
    finally:
        for _, writer in opened:
            writer.close()
        for _, writer in opened:
            with contextlib.suppress(OSError):
                await writer.wait_closed()
