"""Advices (0220 / 0221): offline refunds credited once, or answered 0230 with a refusal and no money."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from protocols.possim87.additional_data import additional_data
from simulator.host import Cause, Direction, HostLogic, Status

from .conftest import NOW, MiniTerminal, make_host, rrn_of


def _credits(host: HostLogic) -> list[int]:
    return [e.amount for e in host.journal.ledger() if e.direction is Direction.CREDIT and e.cause is Cause.REFUND]


def test_advice_of_an_approved_sale_is_answered_0230_00_with_a_new_rrn(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    decision = terminal.send(terminal.advice(3000, sale))
    assert (decision.response.mti, decision.response_code) == ("0230", "00")
    assert rrn_of(decision) not in ("", sale)


def test_applied_advice_credits_the_ledger_once(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.advice(3000, rrn_of(terminal.sale(10000))))
    assert _credits(host) == [3000]


def test_advice_response_carries_credit_channel_date_and_offline_code(terminal: MiniTerminal) -> None:
    decision = terminal.send(terminal.advice(3000, rrn_of(terminal.sale(10000)), offline_code="Y1A2B3"))
    assert additional_data(decision.response) == {"CC": "RT", "CD": "20250314"}
    assert decision.response.get(38) == "Y1A2B3"


def test_advice_takes_the_credit_channel_of_the_original_card(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000, card_name="amex"))
    decision = terminal.send(terminal.advice(500, sale))  # Friday 14 March + 2 business days
    assert additional_data(decision.response) == {"CC": "BT", "CD": "20250318"}


def test_advice_response_mac_verifies(terminal: MiniTerminal) -> None:
    decision = terminal.send(terminal.advice(500, rrn_of(terminal.sale(10000))))
    terminal.verify(decision)


def test_advice_is_journaled_with_the_original_card(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.send(terminal.advice(500, sale, mti="0221"))
    original, advice = host.journal.transactions()[-2:]
    assert (advice.mti, advice.status, advice.original_id, advice.original_rrn) == (
        "0220", Status.APPROVED, original.id, sale)
    assert (advice.masked_pan, advice.card_fingerprint) == (original.masked_pan, original.card_fingerprint)


def test_repeat_of_an_applied_advice_gets_the_stored_0230_and_no_second_credit(
        terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    first = terminal.send(terminal.advice(3000, sale))
    repeat = terminal.send(terminal.advice(3000, sale, mti="0221", stan=terminal.stan))
    assert repeat.retransmission and repeat.response_bytes == first.response_bytes
    assert _credits(host) == [3000]


def test_retransmitted_0220_is_not_credited_twice(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    advice = terminal.advice(3000, sale)
    terminal.send(advice)
    assert terminal.send(advice).retransmission
    assert _credits(host) == [3000]


def test_repeat_whose_original_advice_never_arrived_is_credited(terminal: MiniTerminal, host: HostLogic) -> None:
    decision = terminal.send(terminal.advice(3000, rrn_of(terminal.sale(10000)), mti="0221"))
    assert decision.response_code == "00" and _credits(host) == [3000]


def test_repeat_with_another_de7_is_not_credited_twice(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    first = terminal.send(terminal.advice(3000, sale))
    stan = terminal.stan
    again = terminal.send(terminal.advice(3000, sale, mti="0221", stan=stan, when=NOW + timedelta(minutes=5)))
    assert (again.response_code, rrn_of(again)) == ("00", rrn_of(first))
    assert _credits(host) == [3000]


def test_dukpt_repeat_with_a_new_ksn_is_recognised(tmp_path: Path) -> None:
    host = make_host(tmp_path / "data")
    try:
        mini = MiniTerminal(host, scheme="dukpt-tdes")
        sale = rrn_of(mini.sale(10000))
        mini.send(mini.advice(3000, sale))
        assert mini.send(mini.advice(3000, sale, mti="0221", stan=mini.stan)).retransmission
        assert _credits(host) == [3000]
    finally:
        host.close()


def test_advice_without_original_reference_is_0230_25_without_money(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.sale(10000)
    decision = terminal.send(terminal.advice(3000, None, original_date=None))
    assert (decision.response.mti, decision.response_code) == ("0230", "25")
    assert _credits(host) == []


def test_advice_of_an_unknown_rrn_is_25(terminal: MiniTerminal) -> None:
    assert terminal.send(terminal.advice(100, "999999999999")).response_code == "25"


def test_advice_with_the_wrong_original_date_is_25(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    assert terminal.send(terminal.advice(100, sale, original_date="0101")).response_code == "25"


def test_advice_of_another_terminals_sale_is_25(tmp_path: Path) -> None:
    from simulator.host.config import TerminalEntry

    terminals = {tid: TerminalEntry(tid, "POSSIM000000001") for tid in ("POSSIM01", "POSSIM02")}
    host = make_host(tmp_path, terminals=terminals)
    try:
        first, second = MiniTerminal(host), MiniTerminal(host, terminal_id="POSSIM02")
        first.sign_on(), second.sign_on()
        assert second.send(second.advice(100, rrn_of(first.sale()))).response_code == "25"
    finally:
        host.close()


def test_advice_above_the_remainder_is_13_and_journaled_declined(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.refund(8000, sale)
    decision = terminal.send(terminal.advice(2001, sale))
    assert (decision.response.mti, decision.response_code) == ("0230", "13")
    assert host.journal.transactions()[-1].status is Status.DECLINED
    assert _credits(host) == [8000]


def test_advice_of_a_voided_sale_is_12(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.void(sale)
    assert terminal.send(terminal.advice(100, sale)).response_code == "12"
    assert _credits(host) == []


def test_advice_of_a_reversed_sale_is_12(terminal: MiniTerminal, host: HostLogic) -> None:
    request = terminal.financial("000000", 10000)
    sale = rrn_of(terminal.send(request))
    terminal.send(terminal.reversal(request))
    assert terminal.send(terminal.advice(100, sale)).response_code == "12"
    assert _credits(host) == []


def test_advice_naming_a_refund_is_12(terminal: MiniTerminal) -> None:
    refund = rrn_of(terminal.refund(100, rrn_of(terminal.sale())))
    assert terminal.send(terminal.advice(50, refund)).response_code == "12"


def test_advice_with_another_processing_code_is_0230_12(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    decision = terminal.send(terminal.advice(100, sale, processing_code="000000"))
    assert (decision.response.mti, decision.response_code) == ("0230", "12")
    assert [e.direction for e in host.journal.ledger()] == [Direction.DEBIT]


def test_repeat_of_a_refused_advice_gets_the_same_refusal(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.advice(100, "999999999999"))
    repeat = terminal.send(terminal.advice(100, "999999999999", mti="0221", stan=terminal.stan))
    assert repeat.retransmission and repeat.response_code == "25"


def test_advice_with_a_bad_mac_is_0230_63(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    advice = terminal.advice(100, sale)
    tampered = replace(advice, fields={**advice.fields, 4: "000000000200"})
    decision = terminal.send(tampered)
    assert (decision.response.mti, decision.response_code) == ("0230", "63")
    assert _credits(host) == []


def test_advice_without_an_amount_is_a_format_error(terminal: MiniTerminal) -> None:
    from protocols.security import sign_request

    advice = terminal.advice(100, rrn_of(terminal.sale(10000)))
    del advice.fields[4]
    decision = terminal.send(sign_request(advice, terminal.dialect, terminal.session))
    assert (decision.response.mti, decision.response_code) == ("0230", "30")


def test_applied_advice_reduces_the_refundable_remainder(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.send(terminal.advice(6000, sale))
    assert terminal.refund(4001, sale).response_code == "13"


def test_applied_advice_can_be_voided(terminal: MiniTerminal, host: HostLogic) -> None:
    advice = rrn_of(terminal.send(terminal.advice(3000, rrn_of(terminal.sale(10000)))))
    assert terminal.void(advice, 3000, "220000").response_code == "00"
    assert host.journal.net_debit() == 10000
