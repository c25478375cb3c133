"""Refund, void and reversal flows: the real terminal against the real host over 127.0.0.1.

Tests whose messages depend on the keys (MACs, reversals, repeats) run for each key scheme
(master/session, DUKPT TDES, DUKPT AES) on two dialects (terminal87 and iso87ascii); those whose
host answers depend on the encoding run on both dialects; the terminal's own refusals run on the
representative terminal87 + mksk (the ``matrix`` marker, tests/e2e/conftest.py).
"""

from __future__ import annotations

import pytest

from collections.abc import Callable
from typing import Any

from emv.cards import EntryMode
from iso8583 import decode, encode, get_dialect
from iso8583.channels import connect
from pos_terminal.state.cards import present_test_card
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.state.records import TxnStatus
from pos_terminal.common.results import Outcome
from simulator.host.journal import Cause, Status

from tests.e2e.conftest import LOST_ANSWER_TIMEOUT, SUPERVISOR, Host
from tests.e2e.proxy import FrameProxy

HostStarter = Callable[..., Any]
TerminalOpener = Callable[..., TerminalEngine]


def card(name: str = "visa_credit", entry: EntryMode = EntryMode.CHIP):
    return present_test_card(name, entry)


async def approved_sale(terminal: TerminalEngine, amount: int = 2000) -> Any:
    result = await terminal.sale(card(), amount, pin="1234")
    assert result.approved, result
    return result


def refund(amount: int, original_rrn: str, **changes: Any) -> RefundRequest:
    return RefundRequest(card=changes.pop("card", card()), amount=amount, supervisor_password=SUPERVISOR,
                         original_rrn=original_rrn, reason="01", **changes)


async def test_two_partial_refunds_then_a_third_over_the_original_is_refused(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host: Host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal, 2000)
    first = await terminal.refund(refund(500, sale.rrn))
    second = await terminal.refund(refund(1000, sale.rrn))
    third = await terminal.refund(refund(501, sale.rrn))
    assert first.approved and second.approved
    assert third.outcome is Outcome.REFUSED and "refundable remainder USD 5.00" in third.error
    credits = [entry for entry in host.journal().ledger() if entry.cause is Cause.REFUND]
    assert sorted(entry.amount for entry in credits) == [500, 1000]


@pytest.mark.matrix("dialect")
async def test_a_refund_reports_when_the_money_reaches_the_cardholder(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal)
    result = await terminal.refund(refund(700, sale.rrn))
    assert result.host_data["credit_channel"] in ("RT", "BT")
    assert len(result.host_data["credit_date"]) == 8


@pytest.mark.matrix("dialect")
async def test_void_of_a_refund_is_approved_and_a_second_void_is_refused(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal)
    refunded = await terminal.refund(refund(500, sale.rrn))
    void = await terminal.void(refunded.invoice, SUPERVISOR)
    again = await terminal.void(refunded.invoice, SUPERVISOR)
    assert void.approved and void.transaction_id == terminal.journal.last_transaction().id
    assert again.outcome is Outcome.REFUSED and "already voided" in again.error
    assert terminal.journal.refundable_remaining(terminal.journal.find_by_rrn(sale.rrn).id) == 2000
    statuses = {record.rrn: record.status for record in host.journal().transactions()}
    assert statuses[refunded.rrn] is Status.VOIDED


async def test_a_wrong_supervisor_password_refuses_the_refund_without_a_message(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal)
    before = len(host.journal().messages())
    result = await terminal.refund(RefundRequest(card=card(), amount=100, supervisor_password="9999",
                                                 original_rrn=sale.rrn))
    assert result.outcome is Outcome.REFUSED and result.error == "wrong supervisor password for refund: 2 tries left"
    assert len(host.journal().messages()) == before


async def test_a_refund_to_another_card_is_refused(start_host: HostStarter, open_terminal: TerminalOpener) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal)
    result = await terminal.refund(refund(100, sale.rrn, card=card("mastercard_credit")))
    assert result.outcome is Outcome.REFUSED and "does not match" in result.error


@pytest.mark.matrix("dialect", "scheme")
async def test_a_response_with_a_bad_mac_is_refused_by_the_terminal_and_reversed(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host([{"mti": "0200", "processing_code": "000000", "corrupt_mac": True, "times": 1}])
    terminal = open_terminal(host)
    result = await terminal.sale(card(), 1500, pin="1234")
    assert result.outcome is Outcome.COMMUNICATION_FAILED and "MAC" in result.error
    assert result.reversal is not None and result.reversal.status == "acked"
    assert terminal.journal.get(terminal.journal.last_transaction().id).status is TxnStatus.REVERSED
    assert host.journal().net_debit() == 0


@pytest.mark.matrix("dialect", "scheme")
async def test_a_dropped_response_produces_a_reversal_that_the_host_applies(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host([{"mti": "0200", "processing_code": "200000", "drop": True, "times": 1}])
    terminal = open_terminal(host, response_timeout=LOST_ANSWER_TIMEOUT)
    sale = await approved_sale(terminal, 3000)
    result = await terminal.refund(refund(1000, sale.rrn))
    assert result.outcome is Outcome.COMMUNICATION_FAILED
    assert result.reversal is not None and result.reversal.status == "acked"
    journal = host.journal()
    refund_row = next(row for row in journal.transactions() if row.mti == "0200" and row.processing_code == "200000")
    assert refund_row.status is Status.REVERSED
    ledger = journal.ledger()
    (credit,) = [entry for entry in ledger if entry.transaction_id == refund_row.id]
    (undo,) = [entry for entry in ledger if entry.counter_of == credit.id]
    assert credit.cause is Cause.REFUND and undo.cause is Cause.REVERSAL and undo.amount == credit.amount
    assert journal.net_debit() == 3000  # the sale stands, the refund was undone


async def start_proxy(host: Host, rewrite: Callable[[bytes], bytes] | None = None) -> FrameProxy:
    proxy = FrameProxy(host.url, rewrite or (lambda frame: frame))
    await proxy.start()
    return proxy


@pytest.mark.matrix("dialect", "scheme")
async def test_a_request_changed_in_flight_is_refused_by_the_host_for_its_mac(
    start_host: HostStarter, open_terminal: TerminalOpener, dialect: str
) -> None:
    host = await start_host()
    signer = open_terminal(host)
    await signer.sign_on()  # master/session keys: sign on directly, so the proxy sees only the sale

    def raise_the_amount(frame: bytes) -> bytes:
        message = decode(frame, get_dialect(dialect))
        if message.mti != "0200":
            return frame
        message.fields[4] = "000000099999"
        return encode(message, get_dialect(dialect))

    proxy = await start_proxy(host, raise_the_amount)
    try:
        signer.config = signer.config.with_overrides(host_url=proxy.url)
        result = await signer.sale(card(), 1000, pin="1234")
    finally:
        await proxy.stop()
    assert result.outcome is Outcome.COMPLETED and result.response_code == "63"
    assert host.journal().net_debit() == 0


@pytest.mark.matrix("dialect", "scheme")
async def test_a_retransmitted_refund_is_answered_from_the_journal_without_a_second_credit(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal, 2000)
    proxy = await start_proxy(host)
    try:
        terminal.config = terminal.config.with_overrides(host_url=proxy.url)
        refunded = await terminal.refund(refund(800, sale.rrn))
    finally:
        await proxy.stop()
    assert refunded.approved
    channel = await connect(host.url)
    try:
        await channel.send(proxy.requests[-1])
        repeated_response = await channel.receive(5.0)
    finally:
        await channel.close()
    assert repeated_response == proxy.responses[-1]
    credits = [entry for entry in host.journal().ledger() if entry.cause is Cause.REFUND]
    assert [entry.amount for entry in credits] == [800]
