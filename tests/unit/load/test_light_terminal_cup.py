"""The light load terminal speaking ``cup-pos``, sans I/O, against the real ``cup-pos`` host logic.

The same profile as the terminal engine (pos_terminal.profiles.cup.profile): sign-on keys in DE 62, the
CUP MAC, refunds as 0220 that are repeated (never reversed) when their answer is lost, voids
reversed with a 0400.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iso8583.codec import decode
from protocols.cup import Field60, Field61
from protocols.defaults import MERCHANT_ID
from simulator.host.config import HostConfig, TerminalEntry
from simulator.host.journal import Direction, HostJournal
from simulator.host.logic import HostLogic
from simulator.load.tally import Result
from simulator.load.terminal import LightTerminal, Lost, Outgoing
from tests.unit.load.test_light_terminal import answered_by, run

TID = "LOAD0001"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostLogic]:
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos",
                                 terminals={TID: TerminalEntry(TID, MERCHANT_ID)}))
    yield logic
    logic.close()


def credits(host: HostLogic) -> list[int]:
    journal = HostJournal(host.config.journal_path)
    try:
        return [e.amount for e in journal.ledger(TID) if e.direction is Direction.CREDIT and e.counter_of is None]
    finally:
        journal.close()


def test_a_cup_light_terminal_signs_on_sells_refunds_and_voids(host: HostLogic) -> None:
    terminal = LightTerminal(TID, dialect="cup-pos")
    answer = answered_by(host)
    sent: list[Outgoing] = []
    assert run(terminal.sign_on(), answer, sent).result is Result.APPROVED
    sale = run(terminal.sale(5000), answer, sent).sale
    assert sale is not None
    assert run(terminal.refund(sale, 1000), answer, sent).result is Result.APPROVED
    other = run(terminal.sale(700), answer, sent).sale
    assert run(terminal.void(other), answer, sent).result is Result.APPROVED
    assert [o.label for o in sent] == ["0800/003", "0200/000000", "0220/200000", "0200/000000", "0200/200000"]
    refund = decode(sent[2].payload, terminal.dialect)
    assert Field61.decode(refund[61]).original_voucher == f"{sale.stan:06d}" and refund[37] == sale.rrn
    assert Field60.decode(refund[60]).transaction_type == "25" and refund[49] == "156"
    assert credits(host) == [1000]


def test_a_cup_refund_whose_answer_is_lost_is_repeated_not_reversed_and_credited_once(host: HostLogic) -> None:
    terminal = LightTerminal(TID, dialect="cup-pos")
    answer = answered_by(host)
    sale = run(terminal.sale(5000), answer).sale
    lost_once: list[Outgoing] = []

    def lose_first_refund_answer(outgoing: Outgoing) -> bytes | Lost:
        response = answer(outgoing)  # the host processes it (money moves) ...
        if outgoing.label.startswith("0220") and not lost_once:
            lost_once.append(outgoing)
            return Lost("timed out", sent=True)  # ... but its answer never arrives
        return response

    sent: list[Outgoing] = []
    outcome = run(terminal.refund(sale, 2000), lose_first_refund_answer, sent)
    assert outcome.result is Result.APPROVED
    assert [o.label for o in sent] == ["0220/200000", "0220/200000"] and sent[0].payload == sent[1].payload
    assert credits(host) == [2000]
    assert terminal.reversals.sent == 0
