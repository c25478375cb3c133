"""cup-pos: the IC CA public key and parameter download at sign-on, the real terminal against the real host.

The host's 0810 asks for the download in its message header (processing request 4: CA public keys; the
answer to the end of that download then asks for 5: the AID parameters) while the terminal has not finished
downloading the host's current set. The terminal queries the list (0820, 60.3 372 / 382), downloads each
entry (0800, 370 / 380), ends the download (0800, 371 / 381), journals what it loaded and shows it in
``possim config show``. Each CA key's SHA-1 checksum is checked when it is loaded (EMV 4.3 Book 2, 11.2.2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emv.capk import load_test_ca_keys
from emv.cards import load_test_cards
from iso8583.cup_header import CupHeader
from pos_terminal.engine.terminal import TerminalEngine
from protocols.cup import Field60
from tests.cli_runner import run_possim
from tests.e2e.cup_fixtures import DEBIT_PIN, Wire, card

StartHost = Callable[..., Any]
OpenTerminal = Callable[..., TerminalEngine]
SHIPPED_AIDS = sorted({c.aid.hex().upper() for c in load_test_cards().values() if c.aid is not None})


def codes(wire: Wire) -> list[str]:
    """``MTI/60.3`` of every request sent."""
    return [f"{r.message.mti}/{Field60.decode(r.message[60]).network_management_code or ''}"
            for r in wire.records if r.direction.value == "out"]


def processing_request(wire: Wire, index: int) -> str:
    answers = [r.message for r in wire.records if r.direction.value == "in"]
    return CupHeader.parse(answers[index].header).message.processing_request


async def test_the_first_sign_on_downloads_the_ca_keys_then_the_aid_parameters(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host()
    engine = cup_terminal(host, cup_ic_download=True)
    wire = Wire()
    engine.observer = wire
    assert (await engine.sign_on()).approved
    keys, aids = len(load_test_ca_keys()), len(SHIPPED_AIDS)
    assert codes(wire) == (["0800/003", "0820/372"] + ["0800/370"] * keys + ["0800/371", "0820/382"]
                           + ["0800/380"] * aids + ["0800/381"])
    assert processing_request(wire, 0) == "4"  # the 0810 of the sign-on: update the CA public keys
    assert processing_request(wire, 2 + keys) == "5"  # the answer to 371: now the IC parameters
    events = {e.kind: e.detail["loaded"] for e in engine.journal.events() if e.kind.startswith("cup_ic_")}
    assert [(k["rid"], k["index"], k["checksum"]) for k in events["cup_ic_ca-keys"]] == [
        (k.rid.hex().upper(), f"{k.index:02X}", k.checksum.hex().upper()) for k in load_test_ca_keys()]
    assert [a["aid"] for a in events["cup_ic_parameters"]] == SHIPPED_AIDS


async def test_a_terminal_with_the_hosts_set_is_not_asked_again(cup_host: StartHost,
                                                               cup_terminal: OpenTerminal) -> None:
    host = await cup_host()
    engine = cup_terminal(host, cup_ic_download=True)
    assert (await engine.sign_on()).approved
    assert (await engine.sign_off()).approved
    wire = Wire()
    engine.observer = wire
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    assert codes(wire) == ["0800/003", "0200/"] and processing_request(wire, 0) == "0"


async def test_a_terminal_that_does_not_download_keeps_being_asked(cup_host: StartHost,
                                                                 cup_terminal: OpenTerminal) -> None:
    host = await cup_host()
    engine = cup_terminal(host)  # cup_ic_download = false
    wire = Wire()
    engine.observer = wire
    assert (await engine.sign_on()).approved
    assert codes(wire) == ["0800/003"] and processing_request(wire, 0) == "4"
    assert not [e for e in engine.journal.events() if e.kind.startswith("cup_ic_")]


async def test_a_host_that_does_not_ask_gets_no_download(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host = await cup_host(cup_ic_download=False)
    engine = cup_terminal(host, cup_ic_download=True)
    wire = Wire()
    engine.observer = wire
    assert (await engine.sign_on()).approved
    assert codes(wire) == ["0800/003"] and processing_request(wire, 0) == "0"


@pytest.fixture
async def downloaded(cup_host: StartHost, cup_terminal: OpenTerminal, tmp_path: Path) -> Path:
    host = await cup_host()
    engine = cup_terminal(host, cup_ic_download=True)
    assert (await engine.sign_on()).approved
    engine.close()
    return tmp_path / "terminal"


def test_config_show_lists_the_ca_keys_and_aids_the_terminal_loaded(capsys: pytest.CaptureFixture[str],
                                                                     downloaded: Path) -> None:
    text = run_possim(capsys, "config", "show", "--data", str(downloaded)).stdout
    assert "IC CA public keys loaded from the host (5," in text
    assert "A000000333/08  1152 bits  expires 20241231  checksum EE23B616C95C02652AD18860E48787C079E8E85A" in text
    assert "IC AID parameters loaded from the host" in text and "A000000333010101  version 0020" in text
    shown = json.loads(run_possim(capsys, "config", "show", "--data", str(downloaded), "--json").stdout)
    assert [a["aid"] for a in shown["ic_loaded"]["parameters"]["items"]] == SHIPPED_AIDS
