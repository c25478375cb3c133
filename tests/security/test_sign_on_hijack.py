"""Master/session sign-on cannot be hijacked: only the holder of the terminal master key gets new session
keys issued, a replayed sign-on never issues new ones, and a terminal whose keys were replaced by a second
device with its ID signs on again by itself. Real host and real terminals on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from emv.cards import EntryMode
from iso8583 import Message, decode, encode, get_dialect
from iso8583.channels import connect
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.common.observe import ExchangeRecord
from protocols.iso87 import transmission_datetime
from protocols.possim87.additional_data import additional_data
from pos_terminal.state.records import MessageDirection
from pos_terminal.common.results import Outcome
from protocols.security import sign_on_keys, sign_request
from simulator.host.config import HostConfig
from simulator.host.server import HostServer

DIALECT = get_dialect("terminal87")


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[HostServer]:
    server = HostServer(HostConfig(data_dir=tmp_path / "host", listen="tcp://127.0.0.1:0"))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def terminal(tmp_path: Path, host: HostServer) -> Callable[..., TerminalEngine]:
    engines: list[TerminalEngine] = []

    def open_(name: str = "terminal") -> TerminalEngine:
        config = load_config(tmp_path / name, password_iterations=1000).with_overrides(
            host_url=host.url, response_timeout=2.0)
        engine = TerminalEngine.open(tmp_path / name, config)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.close()


async def send(url: str, frame: bytes) -> Message:
    channel = await connect(url, connect_timeout=5)
    try:
        await channel.send(frame)
        return decode(await channel.receive(timeout=5), DIALECT)
    finally:
        await channel.close()


def sign_on_request(stan: int, when: datetime | None = None) -> Message:
    return Message("0800", {7: transmission_datetime(when or datetime.now(UTC)), 11: f"{stan:06d}",
                            41: TERMINAL_ID, 42: MERCHANT_ID, 70: "001"})


async def sale(engine: TerminalEngine) -> Any:
    return await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 1000, "1234")


async def test_an_unsigned_sign_on_is_refused_and_the_terminal_keeps_working(host: HostServer, terminal) -> None:  # type: ignore[no-untyped-def]
    engine = terminal()
    assert (await engine.sign_on()).approved
    answer = await send(host.url, encode(sign_on_request(900), DIALECT))
    assert answer[39] == "63" and 63 not in answer.fields  # no key blocks for a stranger
    assert (await sale(engine)).approved


async def test_a_sign_on_macd_with_another_master_key_is_refused(host: HostServer) -> None:
    stranger = sign_request(sign_on_request(901), DIALECT, sign_on_keys(bytes(range(16))))
    assert (await send(host.url, encode(stranger, DIALECT)))[39] == "63"


async def test_a_sign_on_from_the_key_holder_gets_keys(host: HostServer) -> None:
    signed = sign_request(sign_on_request(902), DIALECT, sign_on_keys(TEST_KEYS.terminal_master_key))
    answer = await send(host.url, encode(signed, DIALECT))
    assert answer[39] == "00" and {"PK", "MK"} <= set(additional_data(answer))


async def test_a_replayed_sign_on_gets_the_same_keys_and_the_terminal_keeps_working(host: HostServer,
                                                                                    terminal) -> None:  # type: ignore[no-untyped-def]
    engine = terminal()
    seen: list[ExchangeRecord] = []
    engine.observer = seen.append
    first = await engine.sign_on()
    assert first.approved
    request = next(r for r in seen if r.direction is MessageDirection.OUT and r.message.mti == "0800")
    answer = next(r for r in seen if r.direction is MessageDirection.IN and r.message.mti == "0810")
    replayed = await send(host.url, request.raw)
    assert replayed[39] == "00" and additional_data(replayed)["MK"] == additional_data(answer.message)["MK"]
    assert (await sale(engine)).approved


async def test_an_old_sign_on_replayed_later_is_refused(host: HostServer) -> None:
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    old = sign_request(sign_on_request(903, hour_ago), DIALECT, sign_on_keys(TEST_KEYS.terminal_master_key))
    assert (await send(host.url, encode(old, DIALECT)))[39] == "63"


async def test_a_second_device_with_the_same_id_makes_the_first_sign_on_again_by_itself(terminal) -> None:  # type: ignore[no-untyped-def]
    first, second = terminal("first"), terminal("second")
    assert (await sale(first)).approved
    second.journal.next_stan()  # a sign-on of its own (another STAN), not a copy of the first one's
    assert (await second.sign_on()).approved  # the host now holds the second device's session keys
    failed = await sale(first)
    assert failed.outcome is Outcome.COMMUNICATION_FAILED
    assert "has another device signed on as POSSIM01?" in (failed.error or "")
    again = await sale(first)  # signs on first, sends the owed reversal, then the sale
    assert again.approved
    assert first.journal.pending_reversals() == []
