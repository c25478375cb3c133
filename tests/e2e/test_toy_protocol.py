"""A third network plugs in from outside possim's packages through the two registries alone.

The toy network (tests/e2e/toy_network: its own dialect file, terminal profile and host protocol) runs
on the real host on 127.0.0.1 and the real terminal engine, neither of them changed for it: a sale and a
matched refund go through, the host's money rule refuses a refund past the sale, and a message with a
wrong toy MAC is refused by the toy's verify step in the shared pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emv.cards import EntryMode
from iso8583 import Message, decode, encode, resolve_dialect
from iso8583.channels import connect
from pos_terminal.state.cards import PresentedCard
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.profiles.registry import default_profiles
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from simulator.host.config import HostConfig
from simulator.host.journal import HostJournal
from simulator.host.logic import HostLogic
from simulator.host.protocols.registry import default_host_protocols
from simulator.host.server import HostServer
from protocols.iso87 import transmission_datetime
from tests.e2e.toy_network import DIALECT_FILE, NAME
from tests.e2e.toy_network.contract import with_mac
from tests.e2e.toy_network.host import ToyHost
from tests.e2e.toy_network.terminal import ToyProfile

SUPERVISOR = "0000"


@pytest.fixture
async def toy_host(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """The real host, serving the toy dialect with a registry that knows the toy protocol."""
    data_dir = tmp_path / "host"
    config = HostConfig(data_dir=data_dir, dialect=str(DIALECT_FILE), listen="tcp://127.0.0.1:0")
    logic = HostLogic(config, protocols=default_host_protocols().with_protocol(NAME, ToyHost))
    server = HostServer(config, logic=logic)
    url = await server.start()
    yield url, data_dir
    await server.stop()


@pytest.fixture
def toy_terminal(tmp_path: Path, toy_host: tuple[str, Path]) -> Iterator[TerminalEngine]:
    """The real terminal engine, speaking the toy dialect with a registry that knows the toy profile."""
    data_dir = tmp_path / "terminal"
    config = load_config(data_dir, password_iterations=1000).with_overrides(
        host_url=toy_host[0], dialect=str(DIALECT_FILE), response_timeout=1.0, connect_timeout=1.0)
    engine = TerminalEngine.open(data_dir, config, profiles=default_profiles().with_profile(NAME, ToyProfile))
    yield engine
    engine.close()


def _card() -> PresentedCard:
    return present_test_card("visa_credit", EntryMode.SWIPE)


async def test_a_toy_sale_is_approved_with_the_hosts_rrn(toy_terminal: TerminalEngine) -> None:
    sale = await toy_terminal.sale(_card(), 10_000)
    assert (sale.response_code, sale.approved, len(sale.rrn or "")) == ("00", True, 12)


async def test_a_toy_matched_refund_credits_the_card_once(toy_terminal: TerminalEngine,
                                                            toy_host: tuple[str, Path]) -> None:
    sale = await toy_terminal.sale(_card(), 10_000)
    refund = await toy_terminal.refund(RefundRequest(_card(), 4_000, SUPERVISOR, original_invoice=sale.invoice))
    assert (refund.response_code, refund.approved) == ("00", True)
    journal = HostJournal(toy_host[1] / "host-journal.sqlite3")
    try:
        assert journal.net_debit() == 6_000
    finally:
        journal.close()


async def test_the_hosts_money_rule_refuses_a_toy_refund_past_the_sale(tmp_path: Path, toy_terminal: TerminalEngine,
                                                                        toy_host: tuple[str, Path]) -> None:
    """A second device with the same terminal ID (its journal does not know the sale) refunds it again: the
    terminal cannot check the remainder, the host's money rule (in the toy's dispatch) does: 13."""
    sale = await toy_terminal.sale(_card(), 10_000)
    await toy_terminal.refund(RefundRequest(_card(), 6_000, SUPERVISOR, original_invoice=sale.invoice))
    config = load_config(tmp_path / "second", password_iterations=1000).with_overrides(
        host_url=toy_host[0], dialect=str(DIALECT_FILE), allow_unmatched_refunds=True)
    second = TerminalEngine.open(tmp_path / "second", config,
                                 profiles=default_profiles().with_profile(NAME, ToyProfile))
    try:
        for _ in range(2):  # its STANs start afresh: move past the first device's (a repeat key is terminal + STAN)
            assert (await second.echo()).response_code == "00"
        over = await second.refund(RefundRequest(_card(), 6_000, SUPERVISOR, original_rrn=sale.rrn,
                                                 original_date=datetime.now(UTC).strftime("%m%d")))
    finally:
        second.close()
    assert (over.response_code, over.approved) == ("13", False)
    journal = HostJournal(toy_host[1] / "host-journal.sqlite3")
    try:
        assert journal.transactions()[-1].note == "refunds would exceed the sale"
        assert journal.net_debit() == 4_000
    finally:
        journal.close()


async def test_a_toy_request_with_a_wrong_mac_is_refused_by_the_toys_verify_step(toy_host: tuple[str, Path]) -> None:
    dialect = resolve_dialect(str(DIALECT_FILE))
    request = with_mac(Message("0200", {3: "000000", 4: "000000001000", 7: transmission_datetime(datetime.now(UTC)),
                                        11: "000001", 41: "POSSIM01", 42: "POSSIM000000001", 49: "840"}), dialect)
    tampered = Message(request.mti, {**request.fields, 4: "000000999999"})
    channel = await connect(toy_host[0])
    try:
        await channel.send(encode(tampered, dialect))
        answer = decode(await channel.receive(timeout=2.0), dialect)
    finally:
        await channel.close()
    assert answer.get(39) == "63"
