"""The host's anti-fraud checks, the second line of defence: MAC-valid refunds crafted to bypass the
terminal's own checks, sent over TCP to the real host on 127.0.0.1 (DUKPT TDES with the test BDK, so
every request carries a correct MAC; keyed entry, so no chip cryptogram or PIN is involved)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emv.cards import load_test_cards
from iso8583 import Message, decode, encode, get_dialect
from iso8583.channels import connect
from keys import dukpt_tdes
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from protocols.iso87 import local_date, transmission_datetime
from protocols.possim87.additional_data import encode_additional_data
from protocols.security import dukpt_tdes_keys, sign_request, verify_response
from simulator.host.config import HostConfig, RefundPolicy, TerminalEntry
from simulator.host.server import HostServer

DIALECT = get_dialect("terminal87")
CARDS = load_test_cards()


@dataclass
class CraftedTerminal:
    """Builds signed requests field by field, as a hostile (or buggy) terminal could."""

    url: str
    terminal_id: str = TERMINAL_ID
    counter: int = 0
    stan: int = 0
    sent: list[Message] = field(default_factory=list)

    async def send(self, fields: dict[int, Any], *, when: datetime | None = None) -> Message:
        self.counter += 1
        self.stan += 1
        ksn = dukpt_tdes.ksn_with_counter(TEST_KEYS.tdes_initial_ksn, self.counter)
        keys = dukpt_tdes_keys(dukpt_tdes.derive_keys(TEST_KEYS.tdes_bdk, ksn))
        moment = when or datetime.now(UTC)
        tags = {**fields.pop(63, {}), "KS": ksn.hex().upper()}
        message = Message("0200", {
            7: transmission_datetime(moment), 11: f"{self.stan:06d}", 12: moment.strftime("%H%M%S"),
            13: local_date(moment), 22: "011", 25: "00", 41: self.terminal_id, 42: MERCHANT_ID, 49: "840",
            60: "000001", 62: f"{self.stan:06d}", **fields, 63: encode_additional_data(tags),
        })
        signed = sign_request(message, DIALECT, keys)
        channel = await connect(self.url, connect_timeout=5)
        try:
            await channel.send(encode(signed, DIALECT))
            response = decode(await channel.receive(timeout=5), DIALECT)
        finally:
            await channel.close()
        verify_response(response, DIALECT, keys)
        return response

    async def sale(self, amount: int, card: str = "visa_credit", *, when: datetime | None = None) -> Message:
        test_card = CARDS[card]
        return await self.send({2: test_card.pan, 14: test_card.expiry, 3: "000000", 4: f"{amount:012d}"},
                               when=when)

    async def refund(self, amount: int, sale: Message, card: str = "visa_credit", currency: str = "840",
                     original_date: str | None = None) -> str:
        test_card = CARDS[card]
        tags = {"OR": sale[37], "OD": original_date or local_date(datetime.now(UTC))}
        response = await self.send({2: test_card.pan, 14: test_card.expiry, 3: "200000", 4: f"{amount:012d}",
                                    49: currency, 63: tags})
        return str(response[39])


@pytest.fixture
async def crafted(tmp_path: Path) -> Any:
    servers: list[HostServer] = []

    async def start_(policy: RefundPolicy | None = None) -> tuple[CraftedTerminal, HostServer]:
        config = HostConfig(data_dir=tmp_path / f"host{len(servers)}", listen="tcp://127.0.0.1:0",
                            terminals={TERMINAL_ID: TerminalEntry(TERMINAL_ID, MERCHANT_ID),
                                       "POSSIM02": TerminalEntry("POSSIM02", MERCHANT_ID)},
                            refund_policy=policy or RefundPolicy())
        config.data_dir.mkdir()
        server = HostServer(config)
        servers.append(server)
        return CraftedTerminal(await server.start()), server

    yield start_
    for server in servers:
        await server.stop()


def note_of_last_decline(server: HostServer) -> str | None:
    return server.logic.journal.transactions()[-1].note


async def test_a_refund_in_another_currency_than_the_sale_is_13_and_moves_no_money(crafted: Any) -> None:
    terminal, server = await crafted()
    sale = await terminal.sale(10000)
    assert await terminal.refund(5000, sale, currency="392") == "13"
    assert "currency 392 differs from the original's 840" in note_of_last_decline(server)
    assert server.logic.journal.net_debit() == 10000


async def test_a_refund_to_another_card_than_the_sales_is_14(crafted: Any) -> None:
    terminal, server = await crafted()
    sale = await terminal.sale(10000)
    assert await terminal.refund(5000, sale, card="mastercard_credit") == "14"
    assert server.logic.journal.net_debit() == 10000


async def test_refunds_never_exceed_the_original_in_its_currency(crafted: Any) -> None:
    terminal, server = await crafted()
    sale = await terminal.sale(10000)
    assert await terminal.refund(6000, sale) == "00"
    assert await terminal.refund(4001, sale) == "13"
    assert await terminal.refund(4000, sale) == "00"
    assert server.logic.journal.net_debit() == 0


async def test_refunds_to_one_card_per_day_are_limited_across_terminals(crafted: Any) -> None:
    terminal, server = await crafted(RefundPolicy(max_refunds_per_card_per_day=2))
    other = CraftedTerminal(terminal.url, terminal_id="POSSIM02", counter=1000, stan=500)
    first, second = await terminal.sale(10000), await other.sale(10000)
    assert await terminal.refund(100, first) == "00"
    assert await other.refund(100, second) == "00"
    assert await terminal.refund(100, first) == "65"
    assert "max_refunds_per_card_per_day" in note_of_last_decline(server)


async def test_refunds_per_terminal_per_day_are_limited(crafted: Any) -> None:
    terminal, _ = await crafted(RefundPolicy(max_refunds_per_terminal_per_day=1))
    sale = await terminal.sale(10000)
    assert await terminal.refund(100, sale) == "00"
    assert await terminal.refund(100, sale, card="visa_credit") == "65"


async def test_the_refunded_amount_per_terminal_per_day_is_limited(crafted: Any) -> None:
    terminal, _ = await crafted(RefundPolicy(max_refund_amount_per_terminal_per_day=5000))
    sale = await terminal.sale(10000)
    assert await terminal.refund(4000, sale) == "00"
    assert await terminal.refund(1001, sale) == "61"
    assert await terminal.refund(1000, sale) == "00"


async def test_a_refund_of_an_original_older_than_the_hosts_limit_is_57(crafted: Any) -> None:
    terminal, server = await crafted(RefundPolicy(max_original_age_days=30))
    sale = await terminal.sale(10000)
    server.logic.journal.advance_business_date(40)  # the host's calendar runs 40 days on
    assert await terminal.refund(100, sale) == "57"
    assert "max_original_age_days: the original is 40 days old (limit 30)" in note_of_last_decline(server)
