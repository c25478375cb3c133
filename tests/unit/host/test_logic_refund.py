"""Refunds: matched against the host journal, the refundable remainder, the card, the credit model."""

from __future__ import annotations

from pathlib import Path

from protocols.possim87.additional_data import additional_data
from simulator.host import Direction, HostLogic, Status

from .conftest import MiniTerminal, make_host, rrn_of


def test_matched_refund_is_approved_with_its_own_rrn(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    decision = terminal.refund(4000, sale)
    assert decision.response_code == "00"
    assert rrn_of(decision) != sale


def test_approved_refund_credits_the_ledger(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.refund(4000, rrn_of(terminal.sale(10000)))
    assert [(e.direction, e.amount) for e in host.journal.ledger()] == [
        (Direction.DEBIT, 10000), (Direction.CREDIT, 4000)]


def test_refund_of_an_unknown_rrn_is_25(terminal: MiniTerminal) -> None:
    assert terminal.refund(100, "999999999999").response_code == "25"


def test_refund_with_the_wrong_original_date_is_25(terminal: MiniTerminal) -> None:
    assert terminal.refund(100, rrn_of(terminal.sale()), original_date="0101").response_code == "25"


def test_refund_of_another_terminals_sale_is_25(tmp_path: Path) -> None:
    from simulator.host.config import TerminalEntry

    terminals = {tid: TerminalEntry(tid, "POSSIM000000001") for tid in ("POSSIM01", "POSSIM02")}
    host = make_host(tmp_path, terminals=terminals)
    try:
        first, second = MiniTerminal(host), MiniTerminal(host, terminal_id="POSSIM02")
        first.sign_on(), second.sign_on()
        assert second.refund(100, rrn_of(first.sale())).response_code == "25"
    finally:
        host.close()


def test_refund_above_the_original_amount_is_13(terminal: MiniTerminal) -> None:
    assert terminal.refund(10001, rrn_of(terminal.sale(10000))).response_code == "13"


def test_refund_above_the_remainder_after_a_partial_refund_is_13(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    assert terminal.refund(6000, sale).response_code == "00"
    assert terminal.refund(4001, sale).response_code == "13"


def test_refund_of_exactly_the_remainder_is_approved(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.refund(6000, sale)
    assert terminal.refund(4000, sale).response_code == "00"


def test_voided_refund_frees_its_amount_again(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    refund = rrn_of(terminal.refund(10000, sale))
    assert terminal.void(refund, 10000, "220000").response_code == "00"
    assert terminal.refund(10000, sale).response_code == "00"


def test_refund_with_another_card_is_14(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    assert terminal.refund(100, sale, card_name="mastercard_credit").response_code == "14"


def test_refund_of_a_refund_is_12(terminal: MiniTerminal) -> None:
    refund = rrn_of(terminal.refund(100, rrn_of(terminal.sale())))
    assert terminal.refund(50, refund).response_code == "12"


def test_refund_of_a_voided_sale_is_12(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.void(sale)
    assert terminal.refund(100, sale).response_code == "12"


def test_refund_of_a_declined_sale_is_12_or_25(terminal: MiniTerminal) -> None:
    terminal.sale(pin="0000")  # declined: no RRN given
    assert terminal.refund(100, "000000000001").response_code in ("12", "25")


def test_unmatched_refund_is_57_by_default(terminal: MiniTerminal, host: HostLogic) -> None:
    assert terminal.refund(100, None).response_code == "57"
    assert host.journal.ledger() == []


def test_unmatched_refund_is_approved_where_the_terminal_allows_it(tmp_path: Path) -> None:
    from simulator.host.config import TerminalEntry

    host = make_host(tmp_path, terminals={"POSSIM01": TerminalEntry(
        "POSSIM01", "POSSIM000000001", allow_unmatched_refunds=True)})
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        assert mini.refund(100, None).response_code == "00"
    finally:
        host.close()


def test_refund_with_a_valid_aac_is_approved(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000, chip=True))
    assert terminal.refund(500, sale, chip=True).response_code == "00"


def test_refund_with_a_failed_aac_is_82(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000, card_name="visa_bad_cryptogram"))
    assert terminal.refund(500, sale, chip=True, card_name="visa_bad_cryptogram").response_code == "82"


def test_refund_with_a_wrong_pin_is_55(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    assert terminal.refund(500, sale, pin="1111").response_code == "55"


def test_real_time_brand_refund_reports_rt_and_today(terminal: MiniTerminal) -> None:
    decision = terminal.refund(500, rrn_of(terminal.sale(10000)))
    assert additional_data(decision.response) == {"CC": "RT", "CD": "20250314", "CS": "POSTED", "PD": "20250314"}


def test_batch_brand_refund_reports_bt_and_t_plus_2_business_days(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000, card_name="amex"))
    decision = terminal.refund(500, sale, card_name="amex")  # Friday 14 March + 2 business days
    assert additional_data(decision.response) == {"CC": "BT", "CD": "20250318", "CS": "PENDING"}


def test_refund_record_keeps_original_reason_and_credit(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.send(terminal.financial("200000", 500, tags={"OR": sale, "OD": "0314", "RC": "02"}))
    refund = host.journal.transactions()[-1]
    assert (refund.original_rrn, refund.reason, refund.credit_channel, refund.credit_date, refund.status) == (
        sale, "02", "RT", "20250314", Status.APPROVED)


def test_refund_remainder_is_per_original(terminal: MiniTerminal) -> None:
    first, second = rrn_of(terminal.sale(1000)), rrn_of(terminal.sale(1000))
    terminal.refund(1000, first)
    assert terminal.refund(1000, second).response_code == "00"


