"""The money rule on the possim-87 host: refunds + voids never exceed the sale, whatever order messages come in.

The reported case: sale 100.00, refund R1 60.00, void of R1 answered 00 but lost to the terminal (so its
0400 is kept), refund R2 60.00, then the 0400 of the void arrives: R1 must not come back (120.00 credited
on a 100.00 sale). The variant voids the sale in between (160.00 on 100.00).
"""

from __future__ import annotations

from iso8583 import Message
from simulator.host import HostLogic, Status

from .conftest import MiniTerminal, rrn_of


def _credited(host: HostLogic) -> int:
    """What went back to the card: the sale's debit undone plus the refunds in force (minor units)."""
    return 10_000 - host.journal.net_debit()


def _voided_refund(terminal: MiniTerminal) -> tuple[str, Message]:
    """Sale 100.00, R1 60.00, and the void of R1 (approved by the host); returns the sale's RRN and the void."""
    sale = rrn_of(terminal.sale(10_000))
    r1 = rrn_of(terminal.refund(6_000, sale))
    void = terminal.financial("220000", 6_000, rrn=r1, card_name=None)
    assert terminal.send(void).response_code == "00"
    return sale, void


def test_a_late_reversal_of_a_void_is_refused_when_the_refund_would_exceed_the_sale(
        terminal: MiniTerminal, host: HostLogic) -> None:
    sale, void = _voided_refund(terminal)
    assert terminal.refund(6_000, sale).response_code == "00"
    assert terminal.send(terminal.reversal(void)).response_code == "12"
    assert _credited(host) == 6_000


def test_the_refused_reversal_leaves_the_void_in_place_and_is_journaled_with_the_rule(
        terminal: MiniTerminal, host: HostLogic) -> None:
    sale, void = _voided_refund(terminal)
    terminal.refund(6_000, sale)
    terminal.send(terminal.reversal(void))
    refused = host.journal.transactions()[-1]
    assert (refused.mti, refused.status, refused.note) == ("0400", Status.DECLINED,
                                                            "undoing the void would bring back a refund past the sale")
    assert [t.status for t in host.journal.transactions() if t.mti == "0200" and t.processing_code == "220000"] == [Status.APPROVED]


def test_a_late_reversal_of_a_refund_void_is_refused_when_the_sale_was_voided_since(
        terminal: MiniTerminal, host: HostLogic) -> None:
    sale, void = _voided_refund(terminal)
    assert terminal.void(sale).response_code == "00"
    assert terminal.send(terminal.reversal(void)).response_code == "12"
    assert _credited(host) == 10_000


def test_a_reversal_of_a_void_with_room_left_brings_the_refund_back(terminal: MiniTerminal, host: HostLogic) -> None:
    _, void = _voided_refund(terminal)
    assert terminal.send(terminal.reversal(void)).response_code == "00"
    assert _credited(host) == 6_000


def test_a_reversal_of_a_sale_with_refunds_in_force_is_refused(terminal: MiniTerminal, host: HostLogic) -> None:
    sale_request = terminal.financial("000000", 10_000)
    sale = rrn_of(terminal.send(sale_request))
    terminal.refund(4_000, sale)
    assert terminal.send(terminal.reversal(sale_request)).response_code == "12"
    assert _credited(host) == 4_000


def test_an_advice_past_what_is_left_of_the_sale_is_13(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10_000))
    terminal.refund(6_000, sale)
    assert terminal.send(terminal.advice(6_000, sale)).response_code == "13"
    assert _credited(host) == 6_000
