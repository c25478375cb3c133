"""Voids, reversals and retransmissions: every movement undone exactly once, never twice."""

from __future__ import annotations

from simulator.host import Cause, Direction, HostLogic, Status

from .conftest import NOW, PEER, MiniTerminal, rrn_of


def _statuses(host: HostLogic) -> list[Status]:
    return [t.status for t in host.journal.transactions() if t.mti == "0200"]


# -- voids ------------------------------------------------------------------------------------

def test_void_of_a_sale_is_approved_and_marks_it_voided(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    assert terminal.void(sale).response_code == "00"
    assert host.journal.find_by_rrn("POSSIM01", sale).status is Status.VOIDED


def test_void_writes_the_counter_entry_of_the_sale(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.void(rrn_of(terminal.sale(10000)))
    debit, credit = host.journal.ledger()
    assert (credit.direction, credit.cause, credit.counter_of, credit.amount) == (
        Direction.CREDIT, Cause.VOID, debit.id, 10000)
    assert host.journal.net_debit() == 0


def test_second_void_is_12_without_movement(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.void(sale)
    assert terminal.void(sale).response_code == "12"
    assert len(host.journal.ledger()) == 2


def test_void_of_an_unknown_rrn_is_25(terminal: MiniTerminal) -> None:
    assert terminal.void("123456789012").response_code == "25"


def test_void_sale_code_on_a_refund_is_12(terminal: MiniTerminal) -> None:
    refund = rrn_of(terminal.refund(100, rrn_of(terminal.sale())))
    assert terminal.void(refund, 100, "020000").response_code == "12"


def test_void_of_a_refund_debits_the_cardholder_again(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    refund = rrn_of(terminal.refund(3000, sale))
    assert terminal.void(refund, 3000, "220000").response_code == "00"
    assert host.journal.net_debit() == 10000


def test_void_of_a_sale_with_approved_refunds_is_12(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.refund(3000, sale)
    assert terminal.void(sale).response_code == "12"


def test_void_without_de37_is_a_format_error(terminal: MiniTerminal) -> None:
    request = terminal.financial("020000", 100, card_name=None)
    assert terminal.send(request).response_code == "30"


# -- retransmissions -------------------------------------------------------------------------

def test_retransmission_gets_the_same_bytes_and_no_second_debit(terminal: MiniTerminal, host: HostLogic) -> None:
    request = terminal.financial("000000", 2500)
    first, again = terminal.send(request), terminal.send(request)
    assert again.retransmission and again.response_bytes == first.response_bytes
    assert len(host.journal.ledger()) == 1


def test_retransmitted_refund_is_not_credited_twice(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    request = terminal.financial("200000", 2500, tags={"OR": sale, "OD": "0314"})
    terminal.send(request)
    terminal.send(request)
    assert host.journal.net_debit() == 7500


def test_same_stan_and_time_with_other_content_is_94(terminal: MiniTerminal) -> None:
    terminal.send(terminal.financial("000000", 2500, stan=77))
    assert terminal.send(terminal.financial("000000", 9900, stan=77)).response_code == "94"


def test_retransmission_survives_a_restart(terminal: MiniTerminal, host: HostLogic) -> None:
    from .conftest import make_host

    request = terminal.financial("000000", 2500)
    first = terminal.send(request)
    host.close()
    restarted = make_host(host.config.data_dir)
    try:
        again = restarted.handle(request, now=NOW, peer=PEER)
        assert again.response_bytes == first.response_bytes
        assert len(restarted.journal.ledger()) == 1
    finally:
        restarted.close()


# -- reversals -------------------------------------------------------------------------------

def test_reversal_of_an_approved_sale_undoes_the_debit(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = terminal.financial("000000", 2500)
    terminal.send(sale)
    decision = terminal.send(terminal.reversal(sale))
    assert (decision.response.mti, decision.response_code) == ("0410", "00")
    assert _statuses(host) == [Status.REVERSED]
    assert host.journal.net_debit() == 0


def test_reversal_response_mac_verifies(terminal: MiniTerminal) -> None:
    sale = terminal.financial("000000", 2500)
    terminal.send(sale)
    terminal.verify(terminal.send(terminal.reversal(sale)))


def test_repeat_reversal_is_acknowledged_without_a_second_movement(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = terminal.financial("000000", 2500)
    terminal.send(sale)
    reversal = terminal.reversal(sale)
    first = terminal.send(reversal)
    repeat = terminal.reversal(sale, mti="0401", stan=int(reversal.fields[11]))
    second = terminal.send(repeat)
    assert second.response_code == "00" and second.retransmission
    assert second.response_bytes == first.response_bytes
    assert len(host.journal.ledger()) == 2


def test_second_reversal_with_a_new_stan_moves_no_money(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = terminal.financial("000000", 2500)
    terminal.send(sale)
    terminal.send(terminal.reversal(sale))
    assert terminal.send(terminal.reversal(sale)).response_code == "00"
    assert len(host.journal.ledger()) == 2


def test_reversal_of_an_unknown_request_is_acknowledged(terminal: MiniTerminal, host: HostLogic) -> None:
    never_sent = terminal.financial("000000", 2500)
    assert terminal.send(terminal.reversal(never_sent)).response_code == "00"
    assert host.journal.ledger() == []


def test_reversal_of_a_declined_sale_moves_no_money(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = terminal.financial("000000", 2500, pin="0000")
    terminal.send(sale)
    assert terminal.send(terminal.reversal(sale)).response_code == "00"
    assert host.journal.ledger() == []


def test_reversal_of_a_refund_undoes_the_credit(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    refund = terminal.financial("200000", 4000, tags={"OR": sale, "OD": "0314"})
    terminal.send(refund)
    terminal.send(terminal.reversal(refund))
    assert host.journal.net_debit() == 10000
    assert terminal.refund(10000, sale).response_code == "00"


def test_reversal_of_a_void_restores_the_sale(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    void = terminal.financial("020000", 10000, rrn=sale, card_name=None)
    terminal.send(void)
    terminal.send(terminal.reversal(void))
    assert host.journal.find_by_rrn("POSSIM01", sale).status is Status.APPROVED
    assert host.journal.net_debit() == 10000


def test_sale_voided_again_after_a_reversed_void_is_credited_again(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    void = terminal.financial("020000", 10000, rrn=sale, card_name=None)
    terminal.send(void)
    terminal.send(terminal.reversal(void))
    assert terminal.void(sale).response_code == "00"
    assert host.journal.net_debit() == 0


def test_reversal_without_de90_is_a_format_error(terminal: MiniTerminal) -> None:
    from protocols.security import sign_request

    reversal = terminal.reversal(terminal.financial("000000", 1))
    del reversal.fields[90], reversal.fields[128]
    reversal = sign_request(reversal, terminal.dialect, terminal.session)
    assert terminal.send(reversal).response_code == "30"
