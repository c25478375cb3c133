"""Shared pieces of the ``cup-pos`` end-to-end tests: a CUP host on 127.0.0.1 and CUP terminals against it."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emv.cards import EntryMode
from pos_terminal.state.cards import PresentedCard, present_test_card
from pos_terminal.state.config import load_config
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.common.observe import ExchangeRecord
from simulator.host.config import HostConfig
from simulator.host.journal import Direction, HostJournal
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer

DIALECT = "cup-pos"
SUPERVISOR = "0000"
DEBIT_CARD, DEBIT_PIN = "unionpay_debit", "111101"


@dataclass
class CupHost:
    """A running ``cup-pos`` host emulator and its journal."""

    server: HostServer
    url: str
    data_dir: Path

    def journal(self) -> HostJournal:
        return HostJournal(self.data_dir / "host-journal.sqlite3")

    def credits(self) -> list[int]:
        """The amounts credited to cardholders (refunds), counter-entries aside."""
        journal = self.journal()
        try:
            return [e.amount for e in journal.ledger() if e.direction is Direction.CREDIT and e.counter_of is None]
        finally:
            journal.close()


@dataclass
class Wire:
    """What the terminal sent and received, in order (the engine's observer)."""

    records: list[ExchangeRecord] = field(default_factory=list)

    def __call__(self, record: ExchangeRecord) -> None:
        self.records.append(record)

    def sent(self) -> list[str]:
        return [r.message.mti for r in self.records if r.direction.value == "out"]

    def received(self) -> list[str]:
        return [r.message.mti for r in self.records if r.direction.value == "in"]

    def clear(self) -> None:
        self.records.clear()


@pytest.fixture
async def cup_host(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start the ``cup-pos`` host with optional [[rule]] tables."""
    servers: list[HostServer] = []

    async def start(rules: list[dict[str, Any]] | None = None, **config: Any) -> CupHost:
        data_dir = tmp_path / "host"
        data_dir.mkdir(exist_ok=True)
        server = HostServer(HostConfig(data_dir=data_dir, dialect=DIALECT, listen="tcp://127.0.0.1:0", **config),
                            rules=parse_rules({"rule": rules or []}))
        url = await server.start()
        servers.append(server)
        return CupHost(server, url, data_dir)

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
def cup_terminal(tmp_path: Path) -> Iterator[Callable[..., TerminalEngine]]:
    """A ``cup-pos`` terminal engine on ``tmp_path/terminal`` (reopened on the same folder when called again);
    it leaves the IC download the host asks for at sign-on aside unless ``cup_ic_download=True``."""
    engines: list[TerminalEngine] = []

    def open_(host: CupHost, **overrides: Any) -> TerminalEngine:
        data_dir = tmp_path / "terminal"
        settings = {"host_url": host.url, "dialect": DIALECT, "response_timeout": 0.5, "connect_timeout": 1.0,
                    "cup_ic_download": False, **overrides}  # the IC download has its own tests (test_cup_ic_download)
        engine = TerminalEngine.open(data_dir, load_config(data_dir, password_iterations=1000).with_overrides(**settings))
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.close()


def card(name: str = DEBIT_CARD, entry: EntryMode = EntryMode.CHIP) -> PresentedCard:
    return present_test_card(name, entry)


def refund_of(rrn: str | None, amount: int, *, name: str = DEBIT_CARD, entry: EntryMode = EntryMode.SWIPE) -> RefundRequest:
    return RefundRequest(card=card(name, entry), amount=amount, supervisor_password=SUPERVISOR, original_rrn=rrn)


@pytest.fixture
def cup_host_process(tmp_path: Path) -> Iterator[str]:
    """``possim host --dialect cup-pos`` on 127.0.0.1, as a user starts it; its URL."""
    host = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path / "host"), "--dialect", "cup-pos"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = (host.stdout.readline() if host.stdout else "").strip()
        assert line.startswith("listening on "), line
        yield line.removeprefix("listening on ")
    finally:
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=10)
