"""A device model around a real terminal engine, and (where a test asks) the real host on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emv.cards import EntryMode
from pos_terminal.state.config import load_config
from pos_terminal.device import DeviceModel, Key, KeyPress
from pos_terminal.engine.terminal import TerminalEngine
from simulator.host.config import HostConfig
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer

SUPERVISOR = "0000"
FIXED_NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
DEAD_HOST = "tcp://127.0.0.1:9"


@pytest.fixture
async def host_url(tmp_path: Path) -> AsyncIterator[str]:
    """The host emulator listening on a free port of 127.0.0.1."""
    data_dir = tmp_path / "host"
    data_dir.mkdir()
    server = HostServer(HostConfig(data_dir=data_dir, dialect="terminal87", listen="tcp://127.0.0.1:0"),
                        rules=parse_rules({"rule": []}))
    url = await server.start()
    yield url
    await server.stop()


@pytest.fixture
def make_device(tmp_path: Path) -> Callable[..., DeviceModel]:
    """A device whose engine talks to ``url`` (a dead port by default), with config ``overrides``."""
    engines: list[TerminalEngine] = []

    def make(url: str = DEAD_HOST, **overrides: Any) -> DeviceModel:
        data_dir = tmp_path / "terminal"
        config = load_config(data_dir, password_iterations=1000).with_overrides(
            host_url=url, response_timeout=1.0, connect_timeout=1.0, **overrides)
        engine = TerminalEngine.open(data_dir, config)
        engines.append(engine)
        return DeviceModel(engine, clock=lambda: FIXED_NOW)

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def device(make_device: Callable[..., DeviceModel]) -> DeviceModel:
    """A device whose host is unreachable (for everything decided before going online)."""
    return make_device()


@pytest.fixture
def online_device(make_device: Callable[..., DeviceModel], host_url: str) -> DeviceModel:
    """A device talking to the real host emulator."""
    return make_device(host_url)


async def press(device: DeviceModel, *keys: str) -> None:
    """Press keys; a digit string stands for its digits typed one by one."""
    for key in keys:
        if key.isdigit() and key != "00":
            for digit in key:
                assert await device.handle(KeyPress(Key(digit)))
        else:
            assert await device.handle(KeyPress(Key(key)))


async def present(device: DeviceModel, name: str = "visa_credit", entry: EntryMode = EntryMode.CHIP) -> None:
    assert await device.handle(device.card_event(name, entry))


def shown(device: DeviceModel) -> list[str]:
    """The LCD lines without their padding."""
    return [line.rstrip() for line in device.display]


async def approved_sale(device: DeviceModel, amount: str = "2000", card: str = "visa_credit") -> None:
    """A chip sale with PIN, through the keypad, then back to idle."""
    await press(device, "F1", amount, "ENTER")
    await present(device, card)
    await press(device, "1234", "ENTER")
    assert shown(device)[1] == "APPROVED", shown(device)
    await press(device, "ENTER")


async def enter_refund_by_invoice(device: DeviceModel, invoice: str) -> None:
    """Supervisor password, then the original by invoice: the original is shown."""
    await press(device, "F2", SUPERVISOR, "ENTER", "F2", invoice, "ENTER")

