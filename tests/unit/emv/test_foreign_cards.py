"""Foreign test cards: issuer country and billing currency, on the chip as tags 5F28 and 9F42 (EMV 4.4 Book 3
annex A: n 3 in two bytes), read by the terminal from the chip (pos_terminal.state.cards)."""

from __future__ import annotations

import pytest

from emv.cards import EntryMode, load_test_cards, parse_test_cards
from emv.errors import TestCardError
from pos_terminal.state.cards import present
from protocols.money import currency, known_currency


@pytest.mark.parametrize(("name", "country", "billing"), [
    ("visa_gbp", "826", "826"), ("mastercard_eur", "276", "978"), ("jcb_jpy", "392", "392"),
    ("visa_credit", "840", "840"), ("unionpay", "156", "156"),
])
def test_each_foreign_card_has_its_country_and_billing_currency(name: str, country: str, billing: str) -> None:
    card = load_test_cards()[name]
    assert (card.country, card.billing_currency) == (country, billing)


def test_every_billing_currency_is_an_iso_4217_currency() -> None:
    assert all(known_currency(card.billing_currency) for card in load_test_cards().values())
    assert currency(load_test_cards()["jcb_jpy"].billing_currency).exponent == 0


def test_the_chip_carries_issuer_country_and_application_currency_in_bcd() -> None:
    card = load_test_cards()["visa_gbp"]
    assert card.chip_country_data == {"5F28": bytes.fromhex("0826"), "9F42": bytes.fromhex("0826")}


def test_a_chip_read_takes_country_and_currency_from_the_chip() -> None:
    presented = present(load_test_cards()["mastercard_eur"], EntryMode.CHIP)
    assert (presented.country, presented.billing_currency) == ("276", "978")


def test_a_bad_code_is_refused_naming_the_card_and_the_key() -> None:
    text = """[cards.x]\nbrand = "visa"\npan = "4111111111111111"\nexpiry = "3012"\nservice_code = "101"
pin = "1234"\nentry_modes = ["swipe"]\nbilling_currency = "GBP"\n"""
    with pytest.raises(TestCardError, match="'x': billing_currency"):
        parse_test_cards(text)
