"""A reversal the host refuses under the money rule (docs/protocol.md, "Money rules"): the terminal's side.

A possim terminal never causes the refusal by itself; a second device with the same terminal ID can. Here
terminal A voids a refund and the host is slow to answer the void; meanwhile device B refunds the whole
sale (the void put it back in full). A gives up waiting and reverses its void, which would now bring the
first refund back past the sale: the host answers 12 and leaves the void in place.

The refusal is final for the terminal (its profile's ``reversal_refused``): the reversal record is closed,
nothing is repeated, and the void stays approved, as the host says. Before, the terminal treated only 00 and
25 as clearing a reversal and repeated the refused one before every transaction, for ever.
"""

from __future__ import annotations

import asyncio
from pathlib import Path


from emv.cards import EntryMode, load_test_cards
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from pos_terminal.state.records import TxnStatus
from protocols.security import KeyScheme
from simulator.host.config import HostConfig
from simulator.host.records import Status
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer

CARD = "visa_credit"
PIN = load_test_cards()[CARD].pin
SUPERVISOR = "0000"


def open_engine(folder: Path, url: str, **settings: object) -> TerminalEngine:
    config = load_config(folder, password_iterations=1000).with_overrides(
        host_url=url, response_timeout=1.0, connect_timeout=1.0, **settings)
    return TerminalEngine.open(folder, config)


async def test_a_reversal_refused_under_the_money_rule_is_final_and_the_void_stands(tmp_path: Path) -> None:
    rules = parse_rules({"rule": [{"mti": "0200", "processing_code": "220000", "delay": 3.0, "times": 1}]})
    server = HostServer(HostConfig(data_dir=tmp_path / "host", listen="tcp://127.0.0.1:0"), rules=rules)
    url = await server.start()
    terminal = open_engine(tmp_path / "a", url)
    other = open_engine(tmp_path / "b", url, key_scheme=KeyScheme.DUKPT_TDES, allow_unmatched_refunds=True)
    try:
        sale = await terminal.sale(present_test_card(CARD, EntryMode.CHIP), 1000, PIN)
        refund = await terminal.refund(RefundRequest(card=present_test_card(CARD, EntryMode.CHIP), amount=600,
                                                     supervisor_password=SUPERVISOR, original_invoice=sale.invoice))
        assert sale.approved and refund.approved
        voiding = asyncio.create_task(terminal.void(refund.invoice, SUPERVISOR))
        await asyncio.sleep(0.2)  # the host has applied the void and holds its answer back
        sold_on = terminal.journal.get(sale.transaction_id).transmitted_at.strftime("%m%d")
        second = await other.refund(RefundRequest(card=present_test_card(CARD, EntryMode.CHIP), amount=1000,
                                                  supervisor_password=SUPERVISOR, original_rrn=sale.rrn,
                                                  original_date=sold_on))
        assert second.approved  # the void stands on the host, so the whole sale could be refunded again
        void = await voiding  # A timed out and sent its reversal of the void: refused (12)

        journal = server.logic.journal
        host_void = next(txn for txn in journal.transactions() if txn.processing_code == "220000")
        assert host_void.status is Status.APPROVED
        assert [txn.response_code for txn in journal.transactions() if txn.mti in ("0400", "0401")][-1] == "12"
        assert terminal.state.pending_reversals() == []  # the refusal is final: nothing is repeated
        assert terminal.journal.get(void.transaction_id).status is TxnStatus.APPROVED  # as the host says
    finally:
        terminal.close()
        other.close()
        await server.stop()
