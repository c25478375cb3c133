"""What the card reader captured: the card data of one transaction, held in memory only.

A :class:`PresentedCard` carries the full PAN and track data because the request needs
them; it is never journaled (the journal gets :attr:`masked_pan` and a keyed fingerprint)
and its ``repr`` masks the PAN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from emv import tlv
from emv.card import SimulatedCard
from emv.cards import EntryMode, TestCard, get_test_card
from pos_terminal.state.records import masked_pan


class CardReadError(ValueError):
    """The card cannot be read the way the cashier asked (a chip read of a magstripe-only card...)."""


@dataclass(frozen=True)
class PresentedCard:
    """One card, read one way."""

    name: str
    brand: str
    pan: str = field(repr=False)
    expiry: str = field(repr=False)
    psn: str
    service_code: str
    entry: EntryMode
    chip: SimulatedCard | None = field(default=None, repr=False, compare=False)
    country: str = "840"
    """Issuer country, ISO 3166-1 numeric: the chip's tag '5F28', else the card's BIN range."""
    billing_currency: str = "840"
    """Cardholder billing currency, ISO 4217 numeric: the chip's tag '9F42', else the card's BIN range."""

    @cached_property
    def masked_pan(self) -> str:
        """The PAN masked (first 6 and last 4 digits): made once, the card being immutable."""
        return masked_pan(self.pan)

    @cached_property
    def track2(self) -> str:
        """Track 2 (equivalent) data, ISO/IEC 7813: PAN, separator, expiry YYMM, service code, discretionary
        (made once, the card being immutable)."""
        return f"{self.pan}={self.expiry}{self.service_code}00000"

    @property
    def reads_chip(self) -> bool:
        return self.entry in (EntryMode.CHIP, EntryMode.CONTACTLESS)

    def __repr__(self) -> str:
        return f"PresentedCard(name={self.name!r}, pan={self.masked_pan!r}, entry={self.entry.value!r})"


def present_test_card(name: str, entry: EntryMode, atc: int = 0) -> PresentedCard:
    """Read the shipped test card ``name`` by ``entry``; the chip continues from ATC ``atc``."""
    card = get_test_card(name)
    allowed = {mode.value for mode in card.entry_modes}
    if entry.value not in allowed:
        raise CardReadError(f"card {name!r} cannot be read by {entry.value} (it supports {', '.join(sorted(allowed))})")
    return present(card, entry, atc)


def present(card: TestCard, entry: EntryMode, atc: int = 0) -> PresentedCard:
    """A :class:`PresentedCard` from a personalisation record."""
    chip = None
    country, billing_currency = card.country, card.billing_currency
    if entry in (EntryMode.CHIP, EntryMode.CONTACTLESS):
        chip = card.to_card()
        chip.atc = atc
        records = card.chip_country_data  # what READ RECORD gives: n 3 in two BCD bytes
        country, billing_currency = records["5F28"].hex()[1:], records["9F42"].hex()[1:]
    return PresentedCard(
        name=card.name, brand=card.brand.value, pan=card.pan, expiry=card.expiry, psn=card.psn,
        service_code=card.service_code, entry=entry, chip=chip, country=country, billing_currency=billing_currency,
    )


def pass_issuer_authentication(card: PresentedCard | None, icc_data: object) -> None:
    """Pass the issuer's authentication data (tag 91 of the answer's DE 55: ARPC and ARC or CSU) to the chip,
    as an EMV terminal does after an online ARQC (EMV 4.4 Book 3 section 10.9)."""
    if card is None or card.chip is None or not isinstance(icc_data, bytes):
        return
    issuer_data = tlv.decode_flat(icc_data).get("91")
    if issuer_data:
        split = 8 if len(issuer_data) == 10 else 4  # method 1: ARPC 8 + ARC 2; method 2: ARPC 4 + CSU 4
        card.chip.external_authenticate(issuer_data[:split], issuer_data[split:])
