"""Reprs must never show clear PINs, passwords or full PANs (design.md sections 2 and 5)."""

from __future__ import annotations

from emv.cards import EntryMode, load_test_cards
from emv.tlv import Tlv
from pos_terminal.state.cards import present_test_card
from pos_terminal.engine.terminal import RefundRequest
from simulator.host.cards import CardDirectory

PIN = "97531"
PASSWORD = "86420"


def test_refund_request_repr_hides_pin_and_supervisor_password() -> None:
    card = present_test_card("visa_credit", EntryMode.CHIP)
    request = RefundRequest(card=card, amount=100, supervisor_password=PASSWORD, pin=PIN)
    text = repr(request)
    assert PIN not in text, f"clear PIN in repr: {text}"
    assert PASSWORD not in text, f"clear supervisor password in repr: {text}"


def test_host_card_directory_repr_masks_pans() -> None:
    directory = CardDirectory.from_test_cards()
    text = repr(directory)
    leaked = [card.name for card in load_test_cards().values() if card.pan in text]
    assert not leaked, f"full PANs of {leaked} in CardDirectory repr"


def test_emv_tlv_repr_of_pan_object_masks_pan() -> None:
    # emv/masking.py promises: "every dump, error message and repr in emv goes through mask_pan".
    pan = "4761739001010010"
    item = Tlv.primitive("5A", bytes.fromhex(pan))
    text = repr(item)
    assert repr(bytes.fromhex(pan)) not in text, f"PAN octets in Tlv repr: {text}"
