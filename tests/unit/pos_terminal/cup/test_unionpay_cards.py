"""The shipped UnionPay test cards the ``cup-pos`` profile is exercised with (emv/data/test_cards.toml).

6216261000000000018 (debit) and 6250947000000014 (credit) are the sandbox cards of the UnionPay
open platform; both pass Luhn and are in the UnionPay 62 range. The 19-digit PAN exercises the
odd-length DE 2 and track 2 of the cup-pos dialect.
"""

from __future__ import annotations

from emv.cards import Brand, EntryMode, get_test_card, load_test_cards
from emv.masking import luhn_valid
from emv.terminal import TerminalData, TransactionType, build_field55
from emv.issuer import verify_cryptogram


def test_unionpay_cards_are_in_the_62_range_and_pass_luhn() -> None:
    unionpay = [card for card in load_test_cards().values() if card.brand is Brand.UNIONPAY]
    assert len(unionpay) >= 3
    assert all(card.pan.startswith("62") and luhn_valid(card.pan) for card in unionpay)


def test_a_19_digit_unionpay_debit_card_is_shipped() -> None:
    card = get_test_card("unionpay_debit")
    assert len(card.pan) == 19 and card.has_chip and EntryMode.SWIPE in card.entry_modes


def test_the_unionpay_cards_use_six_digit_pins_as_chinese_cards_do() -> None:
    assert len(get_test_card("unionpay_debit").pin) == 6 and len(get_test_card("unionpay_credit").pin) == 6


def test_the_unionpay_credit_card_is_contactless_too() -> None:
    assert EntryMode.CONTACTLESS in get_test_card("unionpay_credit").entry_modes


def test_the_unionpay_chip_cards_carry_unionpay_aids() -> None:
    for name in ("unionpay_debit", "unionpay_credit"):
        aid = get_test_card(name).aid
        assert aid is not None and aid.hex().upper().startswith("A000000333")


def test_a_unionpay_debit_refund_cryptogram_verifies_at_the_issuer() -> None:
    card = get_test_card("unionpay_debit")
    field55 = build_field55(card.to_card(), TerminalData(amount_authorised=5000), TransactionType.REFUND)
    assert card.issuer_master_key is not None
    assert verify_cryptogram(field55, card.issuer_master_key, card.pan, card.psn).ok


def test_masked_19_digit_pan_keeps_first_6_and_last_4() -> None:
    assert get_test_card("unionpay_debit").masked_pan == "621626*********0018"
