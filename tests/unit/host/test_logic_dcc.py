"""The possim-87 host's DCC and cross-border handling (docs/protocol.md "Dynamic currency conversion",
"Cross-border refunds"): the rate inquiry, a DCC sale checked against the quote, refunds converted at the
sale's rate (or today's), a crafted refund without DE 51, voids reversing both currencies on the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.possim87.additional_data import additional_data
from protocols.security import sign_request
from simulator.host.dcc import RefundRate, parse_dcc
from tests.unit.host.conftest import PEER, NOW, MiniTerminal, make_host, rrn_of


def _inquiry(terminal: MiniTerminal, card_name: str, amount: int = 2000, currency: str = "840"):  # noqa: ANN202
    message = terminal.financial("910000", amount, card_name=card_name, mti="0600")
    del message.fields[64]  # re-signed below: a rate inquiry has no DE 12/13/25/60/62
    for number in (12, 13, 22, 25, 60, 62):
        message.fields.pop(number, None)
    message.fields[49] = currency
    return terminal.host.handle(sign_request(message, terminal.dialect, terminal.session), now=NOW, peer=PEER)


def _dcc_sale(terminal: MiniTerminal, amount: int = 2000, billing: str = "000000001625", rate: str = "78124750"):  # noqa: ANN202
    return terminal.sale(amount, card_name="visa_gbp", extra={6: billing, 10: rate, 51: "826"})


def test_a_rate_inquiry_for_a_uk_card_offers_pounds_with_the_markup(terminal: MiniTerminal) -> None:
    decision = _inquiry(terminal, "visa_gbp")
    assert decision.response_code == "00"
    response = decision.response
    assert (response[6], response[10], response[51]) == ("000000001625", "78124750", "826")
    assert additional_data(response) == {"DM": "3.50", "DP": "POSSIMFX", "DD": "20261201", "DR": "77850000"}


def test_a_card_billed_in_the_sales_currency_gets_57_and_no_offer(terminal: MiniTerminal) -> None:
    decision = _inquiry(terminal, "visa_credit")
    assert decision.response_code == "57" and 6 not in decision.response


def test_a_dcc_sale_is_journaled_with_both_amounts_and_flagged_cross_border(terminal: MiniTerminal) -> None:
    decision = _dcc_sale(terminal)
    assert decision.response_code == "00" and decision.response[6] == "000000001625"
    assert additional_data(decision.response)["XB"] == "Y"
    sale = terminal.host.services.journal.find_by_rrn(terminal.terminal_id, rrn_of(decision))
    assert sale is not None and (sale.dcc_currency, sale.dcc_amount, sale.cross_border) == ("826", 1625, True)


def test_a_dcc_sale_with_figures_that_are_not_the_quote_is_declined(terminal: MiniTerminal) -> None:
    assert _dcc_sale(terminal, billing="000000001500").response_code == "12"
    assert _dcc_sale(terminal, rate="78000000").response_code == "12"


def test_a_crafted_refund_of_a_dcc_sale_without_de51_is_refused_and_moves_nothing(terminal: MiniTerminal) -> None:
    rrn = rrn_of(_dcc_sale(terminal))
    decision = terminal.refund(500, rrn, card_name="visa_gbp")
    assert decision.response_code == "13"
    refund = terminal.host.services.journal.transactions()[-1]
    assert "paid in 826 by DCC" in (refund.note or "")


def test_refunds_of_a_dcc_sale_end_on_the_exact_billing_remainder(terminal: MiniTerminal) -> None:
    rrn = rrn_of(_dcc_sale(terminal))
    parts = [terminal.refund(amount, rrn, card_name="visa_gbp", extra={51: "826"}) for amount in (500, 733, 767)]
    assert [p.response[6] for p in parts] == ["000000000406", "000000000596", "000000000623"]
    assert all(additional_data(p.response)["CC"] == "XB" for p in parts)


def test_a_void_of_a_dcc_sale_reverses_both_currencies_on_the_ledger(terminal: MiniTerminal) -> None:
    rrn = rrn_of(_dcc_sale(terminal))
    assert terminal.void(rrn, 2000, extra={51: "826"}).response_code == "00"
    ledger = terminal.host.services.journal.ledger()
    assert [(e.direction.value, e.amount, e.billing_amount, e.billing_currency) for e in ledger] == [
        ("debit", 2000, 1625, "826"), ("credit", 2000, 1625, "826")]


@pytest.mark.parametrize(("policy", "billing", "rate"), [(RefundRate.ORIGINAL, "000000000406", "78124750"),
                                                      (RefundRate.CURRENT, "000000000414", "78280000")])
def test_dcc_refund_rate_chooses_the_sales_rate_or_todays(tmp_path: Path, policy: RefundRate, billing: str,
                                                          rate: str) -> None:
    data = tmp_path / "data"
    host = make_host(data)
    terminal = MiniTerminal(host)
    assert terminal.sign_on().response_code == "00"
    rrn = rrn_of(_dcc_sale(terminal))
    host.close()
    todays = parse_dcc({"markup_percent": "0", "rates": {"USD": {"GBP": "0.8280"}}})  # the pound fell
    host = make_host(data, dcc_refund_rate=policy, dcc=todays)
    try:
        terminal.host = host
        decision = terminal.refund(500, rrn, card_name="visa_gbp", extra={51: "826"})
        assert (decision.response[6], decision.response[10]) == (billing, rate)
    finally:
        host.close()


def test_a_domestic_refund_keeps_its_brands_channel(terminal: MiniTerminal) -> None:
    rrn = rrn_of(terminal.sale(1000))
    decision = terminal.refund(500, rrn)
    assert additional_data(decision.response)["CC"] == "RT" and "XB" not in additional_data(decision.response)
