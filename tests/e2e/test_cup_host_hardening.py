"""cup-pos over TCP: what a peer on the network must not do to a terminal (issue 20, items 4, 5, 8; issue 23:
a settlement without the MAC).

The real terminal engine against the real host on 127.0.0.1; the "peer" is a raw TCP client that
knows a terminal ID and the CUP message layout, not the terminal master key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from iso8583 import Message, decode, encode, get_dialect
from iso8583.channels import connect
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.profiles.cup import requests
from pos_terminal.state.config import TerminalConfig, load_config
from protocols.cup import CardTotals, SettlementTotals
from tests.e2e.cup_fixtures import DEBIT_PIN, SUPERVISOR, CupHost, card

StartHost = Callable[..., Any]
OpenTerminal = Callable[..., TerminalEngine]
DIALECT = get_dialect("cup-pos")
PEER_CONFIG = TerminalConfig(dialect="cup-pos", currency="156")


async def peer_sends(host: CupHost, message: Message) -> Message:
    """What a raw TCP peer gets for ``message``."""
    async with await connect(host.url) as channel:
        await channel.send(encode(message, DIALECT))
        return decode(await channel.receive(5), DIALECT)


async def test_a_sign_on_from_a_peer_without_the_tmk_leaves_the_terminal_working(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    answer = await peer_sends(host, requests.sign_on_request(900, PEER_CONFIG, 1))
    assert answer[39] == "00"  # keys it cannot decipher
    assert (await engine.sale(card(), 2000, pin=DEBIT_PIN)).approved


async def test_an_end_of_upload_from_a_peer_does_not_settle_the_terminals_batch(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    answer = await peer_sends(host, requests.upload_end_request(901, PEER_CONFIG, 1, 0, balanced=False))
    assert answer[39] == "A0"  # no MAC
    journal = host.journal()
    try:
        assert journal.settlements("POSSIM01") == []
    finally:
        journal.close()


async def test_a_settlement_from_a_peer_without_the_mak_journals_nothing(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    totals = SettlementTotals(CardTotals(1000, 1), CardTotals(0, 0))
    answer = await peer_sends(host, requests.settlement_request(902, PEER_CONFIG, 1, totals))
    assert answer[39] == "A0" and 64 not in answer
    journal = host.journal()
    try:
        assert journal.settlements("POSSIM01") == []
    finally:
        journal.close()
    settled = await engine.settle(SUPERVISOR)
    assert settled.approved


async def test_a_second_device_with_the_same_terminal_id_gets_no_phantom_approval(
    cup_host: StartHost, cup_terminal: OpenTerminal, tmp_path: Path
) -> None:
    host = await cup_host()
    first = cup_terminal(host)
    sold = await first.sale(card("unionpay_debit"), 5000, pin=DEBIT_PIN)
    assert sold.approved
    settings = {"host_url": host.url, "dialect": "cup-pos", "response_timeout": 0.5, "connect_timeout": 1.0,
                "cup_ic_download": False}
    folder = tmp_path / "second-device"
    second = TerminalEngine.open(folder, load_config(folder, password_iterations=1000).with_overrides(**settings))
    try:
        other = await second.sale(card("unionpay_credit"), 5000)  # the same voucher number, another card
        assert (other.stan, other.response_code) == (sold.stan, "94")
        journal = host.journal()
        try:
            approved = [t for t in journal.transactions("POSSIM01") if t.response_code == "00"]
            assert len(approved) == 1
        finally:
            journal.close()
    finally:
        second.close()
