"""The TPDU a terminal addresses its host with, configured (``tpdu`` in terminal.toml and host.toml).

A terminal behind a NAC addresses the host by NII: ``tpdu = "6000030000"`` sends every request to NII 3;
a host configured as NII 3 serves it and answers with the addresses swapped; a host configured as another
NII answers 30 (format error) and moves nothing. Both files refuse a TPDU that is not 10 hex digits with
ID 60, naming the key (exit 2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from iso8583.cup_header import CupHeader
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.state.config import ConfigError, load_config
from simulator.host import load_host_config
from simulator.host.config import HostConfig, HostConfigError
from simulator.host.server import HostServer
from tests.cli_runner import run_possim
from tests.e2e.cup_fixtures import DEBIT_PIN, Wire, card

StartHost = Callable[..., Any]
OpenTerminal = Callable[..., TerminalEngine]


async def test_a_terminal_configured_for_nii_3_is_served_by_a_host_that_is_nii_3(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host(tpdu="6000030000")
    engine = cup_terminal(host, tpdu="6000030007")
    wire = Wire()
    engine.observer = wire
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    sent, answered = (CupHeader.parse(wire.records[n].message.header).tpdu for n in (0, 1))
    assert (sent.destination, sent.source) == (0x0003, 0x0007)
    assert (answered.destination, answered.source) == (0x0007, 0x0003)


async def test_a_host_of_another_nii_answers_30_and_moves_nothing(cup_host: StartHost,
                                                                cup_terminal: OpenTerminal) -> None:
    host = await cup_host(tpdu="6000030000")
    engine = cup_terminal(host)  # the default TPDU: NII 1
    result = await engine.sign_on()
    assert result.response_code == "30" and not result.approved
    journal = host.journal()
    try:
        assert journal.sessions("POSSIM01") == []
    finally:
        journal.close()


async def test_the_possim_87_tpdu_dialect_uses_the_configured_tpdu_too(start_tpdu_host: StartHost,
                                                                      tmp_path: Path) -> None:
    url = await start_tpdu_host()
    folder = tmp_path / "t87"
    config = load_config(folder, password_iterations=1000).with_overrides(
        host_url=url, dialect="terminal87-tpdu", tpdu="6000050000", response_timeout=2.0)
    engine = TerminalEngine.open(folder, config)
    try:
        wire = Wire()
        engine.observer = wire
        assert (await engine.sign_on()).approved
        assert wire.records[0].message.header.hex().upper() == "6000050000"
        assert wire.records[1].message.header.hex().upper() == "6000000005"
    finally:
        engine.close()


@pytest.fixture
async def start_tpdu_host(tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A possim-87 host on ``terminal87-tpdu`` that is NII 5 (host.toml ``tpdu``)."""
    servers: list[HostServer] = []

    async def start() -> str:
        (tmp_path / "h87").mkdir(exist_ok=True)
        server = HostServer(HostConfig(data_dir=tmp_path / "h87", dialect="terminal87-tpdu", tpdu="6000050000",
                                       listen="tcp://127.0.0.1:0"))
        servers.append(server)
        return await server.start()

    yield start
    for server in servers:
        await server.stop()


@pytest.mark.parametrize("value", ["600001000", "6100010000", "60000100GG", 6000010000])
def test_terminal_toml_refuses_a_bad_tpdu_naming_the_key(tmp_path: Path, value: object) -> None:
    text = f"tpdu = {value!r}\n".replace("'", '"') if isinstance(value, str) else f"tpdu = {value}\n"
    (tmp_path / "terminal.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"terminal.toml: tpdu: "):
        load_config(tmp_path, password_iterations=1000)


@pytest.mark.parametrize("value", ['"600001000"', '"7000010000"', "1"])
def test_host_toml_refuses_a_bad_tpdu_naming_the_key(tmp_path: Path, value: str) -> None:
    (tmp_path / "host.toml").write_text(f"tpdu = {value}\n", encoding="utf-8")
    with pytest.raises(HostConfigError, match=r"host.toml: tpdu: "):
        load_host_config(tmp_path)


def test_a_bad_tpdu_is_exit_2_with_one_line_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text('tpdu = "6100010000"\n', encoding="utf-8")
    result = run_possim(capsys, "config", "show", "--data", str(tmp_path))
    assert result.returncode == 2 and "tpdu: TPDU ID 61: only 60 (transaction) is served" in result.stderr
    (tmp_path / "host.toml").write_text('tdpu = "6000010000"\n', encoding="utf-8")
    result = run_possim(capsys, "config", "show", "--data", str(tmp_path), "--host")
    assert result.returncode == 2 and "tdpu: unknown key" in result.stderr
