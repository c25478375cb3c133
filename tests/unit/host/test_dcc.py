"""The host's [dcc] table: defaults that cover every test card, eligibility, quotes, refusals of bad tables
(simulator.host.dcc, docs/host-rules.md), and the exchange difference of the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from emv.cards import load_test_cards
from simulator.host.config import HostConfigError, parse_host_config
from simulator.host.dcc import DccConfig, DccConfigError, RefundRate, parse_dcc


@pytest.mark.parametrize("merchant", ["840", "978", "826", "392"])
def test_the_test_defaults_quote_every_test_cards_currency(merchant: str) -> None:
    config = DccConfig()
    for card in load_test_cards().values():
        if card.billing_currency != merchant:
            assert config.eligible(card.country, card.billing_currency, merchant) is None, card.name
            assert config.quote(1000, merchant, card.billing_currency).amount > 0


def test_a_card_billed_in_the_sales_currency_is_not_eligible() -> None:
    assert "billed in the sale's currency" in (DccConfig().eligible("826", "826", "826") or "")


def test_countries_and_currencies_limit_eligibility() -> None:
    config = parse_dcc({"countries": ["826"], "currencies": ["GBP"]})
    assert config.eligible("826", "826", "840") is None
    assert "country 392" in (config.eligible("392", "392", "840") or "")
    assert "EUR is not offered" in (config.eligible("826", "978", "840") or "")


def test_a_disabled_table_offers_nothing() -> None:
    assert "disabled" in (parse_dcc({"enabled": False}).eligible("826", "826", "840") or "")


def test_a_quote_to_yen_is_in_whole_yen_with_the_markup() -> None:
    offer = parse_dcc({"markup_percent": "0"}).quote(1234, "840", "392")
    assert (offer.amount, offer.rate, offer.markup_percent) == (1854, "41502500", "0")  # 12.34 x 150.25 = 1854.085


def test_a_pair_not_listed_is_crossed_through_usd() -> None:
    rate = DccConfig().reference_rate("978", "392")  # USD->JPY 150.25 / USD->EUR 0.9250, exactly
    assert rate is not None and str(rate)[:8] == "162.4324"


@pytest.mark.parametrize(("table", "named"), [
    ({"rates": {"USD": {"GBP": 0.785}}}, "dcc.rates.USD.GBP"),
    ({"rates": {"XXQ": {"GBP": "0.785"}}}, "dcc.rates.XXQ"),
    ({"markup_percent": "40"}, "dcc.markup_percent"),
    ({"provider": "not an id!"}, "dcc.provider"),
    ({"rate": {}}, "dcc.rate"),
    ({"rates": {"USD": {"GBP": "0"}}}, "dcc.rates.USD.GBP"),
])
def test_a_bad_dcc_table_is_refused_naming_the_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(DccConfigError, match=named.replace(".", r"\.")):
        parse_dcc(table)


def test_host_toml_takes_dcc_and_dcc_refund_rate_and_refuses_a_bad_one(tmp_path: Path) -> None:
    config = parse_host_config({"dcc_refund_rate": "current", "dcc": {"provider": "FX1"}}, tmp_path)
    assert (config.dcc_refund_rate, config.dcc.provider) == (RefundRate.CURRENT, "FX1")
    with pytest.raises(HostConfigError, match="dcc_refund_rate"):
        parse_host_config({"dcc_refund_rate": "yesterday"}, tmp_path)


def test_cross_border_days_is_a_key_of_refund_credit_and_xb_is_not_a_brand_channel(tmp_path: Path) -> None:
    assert parse_host_config({"refund_credit": {"cross_border_days": 15}}, tmp_path).credit.cross_border_days == 15
    with pytest.raises(HostConfigError, match="cross_border_days"):
        parse_host_config({"refund_credit": {"cross_border_days": 61}}, tmp_path)
    with pytest.raises(HostConfigError, match="XB is the cross-border channel"):
        parse_host_config({"refund_credit": {"channels": {"visa": "XB"}}}, tmp_path)


def test_a_terminals_country_must_be_three_digits(tmp_path: Path) -> None:
    with pytest.raises(HostConfigError, match=r"terminals\[0\]\.country"):
        parse_host_config({"terminals": [{"country": "US"}]}, tmp_path)


def test_the_exchange_difference_is_what_buying_the_billing_amount_back_costs_today() -> None:
    # GBP 4.06 at the reference 0.7850 GBP per USD: USD 5.17 for a USD 5.00 refund
    assert DccConfig().exchange_difference(500, "840", 406, "826") == 17
