"""The shipped test cards (``emv/data/test_cards.toml``) and their display rules.

A :class:`TestCard` is the personalisation record of one card: what a card bureau would
put on the chip and the stripe, plus the entry modes it supports. Chip cards become
:class:`emv.card.SimulatedCard` objects; a magnetic-stripe-only card has no chip data.
The PIN and issuer master key never appear in a repr, and the PAN only masked.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

from emv.card import SimulatedCard
from emv.cryptogram import CryptogramVersion
from emv.errors import CardError, CryptogramError, TestCardError
from emv.masking import luhn_valid, mask_pan

DATA_PACKAGE = "emv.data"
DATA_FILE = "test_cards.toml"


class EntryMode(str, Enum):
    """How a card can be presented to the terminal."""

    CHIP = "chip"
    CONTACTLESS = "contactless"
    SWIPE = "swipe"
    MANUAL = "manual"


class Brand(str, Enum):
    """Card schemes of the shipped cards."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    UNIONPAY = "unionpay"
    JCB = "jcb"


_CHIP_MODES = frozenset({EntryMode.CHIP, EntryMode.CONTACTLESS})


@dataclass(frozen=True, repr=False)
class TestCard:
    """One shipped test card."""

    __test__ = False  # not a pytest test class despite the name

    name: str
    description: str
    brand: Brand
    pan: str
    psn: str
    expiry: str
    service_code: str
    pin: str
    entry_modes: frozenset[EntryMode]
    cvn: CryptogramVersion | None = None
    issuer_master_key: bytes | None = None
    aid: bytes | None = None
    always_fail: bool = False
    country: str = "840"
    """Issuer country, ISO 3166-1 numeric (the chip's Issuer Country Code, tag '5F28')."""
    billing_currency: str = "840"
    """The cardholder's billing currency, ISO 4217 numeric (the chip's Application Currency Code, tag '9F42')."""

    @property
    def chip_country_data(self) -> dict[str, bytes]:
        """Tags '5F28' and '9F42' as the chip's records carry them (n 3, BCD in two bytes, EMV 4.4 Book 3 annex A)."""
        return {"5F28": bytes.fromhex(self.country.zfill(4)), "9F42": bytes.fromhex(self.billing_currency.zfill(4))}

    def __repr__(self) -> str:
        modes = ",".join(sorted(mode.value for mode in self.entry_modes))
        return f"TestCard(name={self.name!r}, brand={self.brand.value}, pan={self.masked_pan!r}, entry_modes={modes})"

    @property
    def masked_pan(self) -> str:
        """First 6 and last 4 digits of the PAN."""
        return mask_pan(self.pan)

    @property
    def has_chip(self) -> bool:
        """True when the card can be inserted or tapped (it has an EMV application)."""
        return bool(self.entry_modes & _CHIP_MODES)

    @property
    def magstripe_only(self) -> bool:
        """True for a card with a stripe and no chip."""
        return not self.has_chip

    def to_card(self) -> SimulatedCard:
        """A fresh simulated chip (ATC 0). Raises :class:`CardError` for a card without a chip."""
        if not self.has_chip or self.cvn is None or self.issuer_master_key is None:
            raise CardError(f"test card {self.name!r} has no chip")
        extra = {"aid": self.aid} if self.aid is not None else {}
        return SimulatedCard(
            pan=self.pan,
            psn=self.psn,
            expiry=self.expiry,
            service_code=self.service_code,
            pin=self.pin,
            issuer_master_key=self.issuer_master_key,
            cvn=self.cvn,
            always_fail=self.always_fail,
            **extra,
        )


def load_test_cards() -> dict[str, TestCard]:
    """Every shipped test card by name, read from the package data file (a new dict each call)."""
    return dict(_shipped_test_cards())


@cache
def _shipped_test_cards() -> dict[str, TestCard]:
    """The package data file, read and checked once per process: the file ships with the code and the cards
    are frozen, while ``possim load`` asks for a card for each of its hundreds of terminals."""
    try:
        text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as error:
        raise TestCardError(f"test card file {DATA_FILE} is missing") from error
    return parse_test_cards(text)


def get_test_card(name: str) -> TestCard:
    """The shipped card called ``name``; :class:`TestCardError` lists the known names otherwise."""
    cards = load_test_cards()
    if name not in cards:
        raise TestCardError(f"unknown test card {name!r}; known: {', '.join(sorted(cards))}")
    return cards[name]


def parse_test_cards(text: str) -> dict[str, TestCard]:
    """Parse test card TOML (the format of ``test_cards.toml``), checking every field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TestCardError(f"test card file is not valid TOML: {error}") from None
    table = document.get("cards")
    if not isinstance(table, dict):
        raise TestCardError("test card file has no [cards] table")
    return {name: _parse_card(name, entry) for name, entry in table.items()}


def _text(name: str, entry: dict[str, Any], key: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise TestCardError(f"test card {name!r}: {key} must be a string")
    return value


def _code(name: str, entry: dict[str, Any], key: str) -> str:
    """An ISO numeric code (country: ISO 3166-1, currency: ISO 4217), 3 digits; 840 (United States, USD) by default."""
    value = _text(name, entry, key, "840")
    if not (len(value) == 3 and value.isascii() and value.isdigit()):
        raise TestCardError(f"test card {name!r}: {key} must be a 3-digit ISO numeric code, got {value!r}")
    return value


def _parse_card(name: str, entry: Any) -> TestCard:
    if not isinstance(entry, dict):
        raise TestCardError(f"test card {name!r}: expected a table")
    pan = _text(name, entry, "pan")
    if not (12 <= len(pan) <= 19 and luhn_valid(pan)):
        raise TestCardError(f"test card {name!r}: PAN {mask_pan(pan)} is not 12..19 digits passing the Luhn check")
    try:
        brand = Brand(_text(name, entry, "brand"))
        modes = frozenset(EntryMode(mode) for mode in entry.get("entry_modes", []))
    except ValueError as error:
        raise TestCardError(f"test card {name!r}: {error}") from None
    if not modes:
        raise TestCardError(f"test card {name!r}: no entry_modes")
    chip = bool(modes & _CHIP_MODES)
    cvn, imk, aid = _chip_fields(name, entry, chip)
    card = TestCard(
        name=name,
        description=_text(name, entry, "description", ""),
        brand=brand,
        pan=pan,
        psn=_text(name, entry, "psn", "00"),
        expiry=_text(name, entry, "expiry"),
        service_code=_text(name, entry, "service_code"),
        pin=_text(name, entry, "pin"),
        entry_modes=modes,
        cvn=cvn,
        issuer_master_key=imk,
        aid=aid,
        always_fail=bool(entry.get("always_fail", False)),
        country=_code(name, entry, "country"),
        billing_currency=_code(name, entry, "billing_currency"),
    )
    if chip:
        try:
            card.to_card()  # validates PSN, expiry, service code, PIN as the card would
        except CardError as error:
            raise TestCardError(f"test card {name!r}: {error}") from None
    return card


def _chip_fields(
    name: str, entry: dict[str, Any], chip: bool
) -> tuple[CryptogramVersion | None, bytes | None, bytes | None]:
    if not chip:
        return None, None, None
    try:
        cvn = CryptogramVersion.from_number(int(entry.get("cvn", 0)))
        imk = bytes.fromhex(_text(name, entry, "issuer_master_key"))
        aid = bytes.fromhex(_text(name, entry, "aid"))
    except (CryptogramError, ValueError) as error:
        raise TestCardError(f"test card {name!r}: bad chip data ({type(error).__name__})") from None
    if len(imk) != 16:
        raise TestCardError(f"test card {name!r}: issuer_master_key is {len(imk)} bytes, expected 16")
    return cvn, imk, aid
