"""cup-pos over TCP: what a peer on the network must not do to a terminal (issue 20, items 4, 5, 8; issue 23:
settlement and batch upload under host.toml ``cup_batch_mac``).

The real terminal engine against the real host on 127.0.0.1; the "peer" is a raw TCP client that
knows a terminal ID and the CUP message layout, not the terminal master key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iso8583 import Message, decode, encode, get_dialect
from iso8583.channels import connect
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.profiles.cup import requests
from pos_terminal.state.config import TerminalConfig, load_config
from protocols.cup import CardTotals, SettlementTotals, apply_mac
from simulator.host.config import CupBatchMac
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


def settlements(host: CupHost) -> list[tuple[str, str]]:
    journal = host.journal()
    try:
        return [(s.basis.value, s.response_code) for s in journal.settlements("POSSIM01")]
    finally:
        journal.close()


@pytest.mark.parametrize(("mode", "code"), [
    (CupBatchMac.ACCEPT, "12"),  # unsigned is allowed, but no settlement of that batch was asked for
    (CupBatchMac.REQUIRE, "A0"),  # no MAC
])
async def test_an_end_of_upload_from_a_peer_does_not_settle_the_terminals_batch(
    cup_host: StartHost, cup_terminal: OpenTerminal, mode: CupBatchMac, code: str
) -> None:
    host = await cup_host(cup_batch_mac=mode)
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    answer = await peer_sends(host, requests.upload_end_request(901, PEER_CONFIG, 1, 0, balanced=False))
    assert (answer[39], 64 in answer) == (code, False)
    assert settlements(host) == []


async def test_under_require_a_settlement_from_a_peer_without_the_mak_journals_nothing(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host(cup_batch_mac=CupBatchMac.REQUIRE)
    engine = cup_terminal(host, cup_batch_mac=True)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    totals = SettlementTotals(CardTotals(1000, 1), CardTotals(0, 0))
    answer = await peer_sends(host, requests.settlement_request(902, PEER_CONFIG, 1, totals))
    assert answer[39] == "A0" and 64 not in answer
    assert settlements(host) == []
    settled = await engine.settle(SUPERVISOR)
    assert settled.approved


async def test_under_require_the_default_unsigned_terminal_cannot_settle(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    """The two settings must agree: "require" refuses the field description's unsigned 0500 (A0)."""
    host = await cup_host(cup_batch_mac=CupBatchMac.REQUIRE)
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    settled = await engine.settle(SUPERVISOR)
    assert (settled.approved, settled.response_code) == (False, "A0")
    assert settlements(host) == []


async def test_under_accept_a_settlement_from_a_peer_with_a_wrong_mac_journals_nothing(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    totals = SettlementTotals(CardTotals(1000, 1), CardTotals(0, 0))
    forged = apply_mac(requests.settlement_request(903, PEER_CONFIG, 1, totals), bytes(range(16)), DIALECT)
    answer = await peer_sends(host, forged)
    assert answer[39] == "A0" and 64 not in answer
    assert settlements(host) == []


async def test_under_accept_a_peer_that_knows_the_terminal_id_can_journal_a_settlement(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    """The trade-off of the spec default (docs/protocol.md): an unsigned 0500 with the batch's true totals is
    journaled as the terminal's; the terminal's own settlement afterwards still reconciles and closes its batch."""
    host = await cup_host()
    engine = cup_terminal(host)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    totals = SettlementTotals(CardTotals(1000, 1), CardTotals(0, 0))
    answer = await peer_sends(host, requests.settlement_request(904, PEER_CONFIG, 1, totals))
    assert answer[39] == "00" and 64 not in answer
    assert settlements(host) == [("journal", "00")]
    settled = await engine.settle(SUPERVISOR)
    assert settled.approved and engine.journal.current_batch() == 2


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
