"""The cards the host emulator knows as their issuer: the shipped test cards, by PAN.

The host reads the same ``emv/data/test_cards.toml`` as the simulated cards, so issuer and
card share PINs and issuer master keys. Also: where a request carries its PAN (DE 2 or the
track 2 data in DE 35), the card sequence number, and a brand for PANs that are not test cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emv.cards import TestCard, load_test_cards
from emv.keyderivation import derive_icc_master_key
from keys.masking import mask_pan
from iso8583.message import Message

_TRACK2_SEPARATORS = ("=", "D", "d")
_BRAND_PREFIXES: tuple[tuple[str, str], ...] = (
    ("34", "amex"), ("37", "amex"), ("6011", "discover"), ("65", "discover"), ("62", "unionpay"),
    ("35", "jcb"), ("4", "visa"), ("5", "mastercard"), ("2", "mastercard"),
)


def request_pan(request: Message) -> str | None:
    """The PAN of a request: DE 2, else the part of DE 35 before the separator; None when absent."""
    pan = request.get(2)
    if isinstance(pan, str) and pan.isdigit():
        return pan
    track2 = request.get(35)
    if isinstance(track2, str):
        for separator in _TRACK2_SEPARATORS:
            head, found, _ = track2.partition(separator)
            if found and head.isdigit():
                return head
    return None


def request_psn(request: Message, card: TestCard | None) -> str:
    """The card sequence number as 2 digits: DE 23 (n 3), else the card's, else "00"."""
    value = request.get(23)
    if isinstance(value, str) and value.isdigit():
        return value[-2:].zfill(2)
    return card.psn if card is not None else "00"


def brand_of(pan: str) -> str | None:
    """The card scheme a PAN's prefix suggests (for PANs that are not test cards)."""
    for prefix, brand in _BRAND_PREFIXES:
        if pan.startswith(prefix):
            return brand
    return None


@dataclass(frozen=True)
class CardDirectory:
    """Issuer records by PAN, and the ICC master keys derived from them (kept: the same cards come back)."""

    by_pan: dict[str, TestCard]
    _icc_keys: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False, compare=False)

    def icc_master_key(self, card: TestCard, pan: str, psn: str) -> bytes:
        """The ICC master key of ``card`` (EMV 4.4 Book 2 A1.4.1 option A), derived once per PAN and PSN."""
        key = self._icc_keys.get((pan, psn))
        if key is None:
            assert card.issuer_master_key is not None
            key = derive_icc_master_key(card.issuer_master_key, pan, psn)
            self._icc_keys[(pan, psn)] = key
        return key

    def __repr__(self) -> str:
        return f"CardDirectory({len(self.by_pan)} cards: {', '.join(mask_pan(pan) for pan in self.by_pan)})"

    @classmethod
    def from_test_cards(cls) -> CardDirectory:
        """The shipped test cards."""
        return cls({card.pan: card for card in load_test_cards().values()})

    def get(self, pan: str) -> TestCard | None:
        """The card with ``pan``, None when the host does not issue it."""
        return self.by_pan.get(pan)

    def cross_border(self, pan: str | None, terminal_country: str) -> bool:
        """True when the card was issued in another country than ``terminal_country`` (ISO 3166-1 numeric).

        A PAN the host does not issue has no known country: domestic (the acquirer cannot tell otherwise).
        """
        card = self.by_pan.get(pan or "")
        return card is not None and card.country != terminal_country

    def brand(self, pan: str) -> str | None:
        """The card's brand, or the one its prefix suggests."""
        card = self.by_pan.get(pan)
        return card.brand.value if card is not None else brand_of(pan)
