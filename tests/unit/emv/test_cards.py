"""The shipped test cards (emv/data/test_cards.toml)."""

from __future__ import annotations

import pytest

from emv.cards import Brand, EntryMode, get_test_card, load_test_cards, parse_test_cards
from emv.cryptogram import CryptogramType
from emv.errors import CardError, TestCardError
from emv.issuer import verify_cryptogram
from emv.masking import luhn_valid, mask_pan
from emv.terminal import TerminalData, TransactionType, build_field55


def test_every_shipped_pan_passes_luhn() -> None:
    assert all(luhn_valid(card.pan) for card in load_test_cards().values())


def test_several_brands_are_shipped() -> None:
    brands = {card.brand for card in load_test_cards().values()}
    assert {Brand.VISA, Brand.MASTERCARD, Brand.AMEX, Brand.DISCOVER, Brand.UNIONPAY} <= brands


def test_the_published_test_pans_are_shipped() -> None:
    pans = {card.pan for card in load_test_cards().values()}
    assert {"4761739001010010", "5413330089010434", "374245455400126"} <= pans


def test_a_magstripe_only_card_is_shipped_and_has_no_chip() -> None:
    card = get_test_card("visa_magstripe")
    assert card.magstripe_only and card.entry_modes == {EntryMode.SWIPE, EntryMode.MANUAL}
    with pytest.raises(CardError, match="no chip"):
        card.to_card()


def test_every_entry_mode_is_offered_by_some_card() -> None:
    modes = set().union(*(card.entry_modes for card in load_test_cards().values()))
    assert modes == set(EntryMode)


def test_the_always_failing_card_is_declined_by_the_issuer() -> None:
    shipped = get_test_card("visa_bad_cryptogram")
    field55 = build_field55(shipped.to_card(), TerminalData(amount_authorised=100), TransactionType.PURCHASE)
    assert shipped.issuer_master_key is not None
    assert verify_cryptogram(field55, shipped.issuer_master_key, shipped.pan, shipped.psn).reason == "cryptogram mismatch"


@pytest.mark.parametrize("name", [n for n, c in load_test_cards().items() if c.has_chip and not c.always_fail])
def test_every_good_chip_card_refund_verifies_at_the_issuer(name: str) -> None:
    shipped = get_test_card(name)
    field55 = build_field55(shipped.to_card(), TerminalData(amount_authorised=100), TransactionType.REFUND)
    assert shipped.issuer_master_key is not None
    check = verify_cryptogram(field55, shipped.issuer_master_key, shipped.pan, shipped.psn)
    assert (check.ok, check.cryptogram_type) == (True, CryptogramType.AAC)


def test_masked_display_is_first_6_and_last_4() -> None:
    assert get_test_card("amex").masked_pan == "374245*****0126"


def test_repr_hides_pin_key_and_pan() -> None:
    card = get_test_card("visa_credit")
    text = repr(card)
    assert card.pan not in text and card.pin not in text and "0123456789ABCDEF" not in text.upper()


def test_unknown_card_lists_the_known_names() -> None:
    with pytest.raises(TestCardError, match="visa_credit"):
        get_test_card("no_such_card")


def test_a_pan_failing_luhn_is_refused_masked() -> None:
    text = '[cards.bad]\nbrand = "visa"\npan = "4761739001010011"\nexpiry = "3112"\nservice_code = "201"\npin = "1234"\nentry_modes = ["swipe"]\n'
    with pytest.raises(TestCardError) as caught:
        parse_test_cards(text)
    assert "476173******0011" in str(caught.value) and "4761739001010011" not in str(caught.value)


def test_a_chip_card_without_a_key_is_refused() -> None:
    text = '[cards.bad]\nbrand = "visa"\npan = "4761739001010010"\nexpiry = "3112"\nservice_code = "201"\npin = "1234"\nentry_modes = ["chip"]\ncvn = 18\n'
    with pytest.raises(TestCardError, match="bad"):
        parse_test_cards(text)


def test_mask_pan_of_a_19_digit_pan() -> None:
    assert mask_pan("6200000000000000005") == "620000*********0005"
