"""The host's DCC rate table (``[dcc]`` in host.toml), who may be offered DCC, and the quotes it gives.

A rate inquiry (docs/protocol.md, "Dynamic currency conversion") asks: this card, this amount in the
merchant's currency: what would it be in the card's billing currency? The host answers with a quote
from its table: the reference rate of the currency pair plus ``markup_percent``, rounded to DE 10's seven
digits (:func:`protocols.dcc.offered_rate`). A card is *eligible* when the host knows it (its billing
currency and issuer country), its billing currency differs from the sale's, the table has a rate for the
pair, and ``countries`` / ``currencies`` (when set) include the card's.

Reference rates are given per merchant currency, in major units (``[dcc.rates.USD] GBP = "0.7850"``: one
US dollar buys 0.785 pounds). A pair the table does not list is crossed through USD when both legs are
there (EUR to JPY = USD->JPY / USD->EUR). The documented test defaults (:data:`DEFAULT_RATES`) cover every
test card's currency, so a terminal with ``dcc = true`` needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from protocols.dcc import DccError, DccOffer, convert, encode_rate, offered_rate
from protocols.money import currency, currency_by_code

__all__ = ["DEFAULT_RATES", "DccConfig", "DccConfigError", "RefundRate", "parse_dcc", "parse_refund_rate"]

DEFAULT_RATES: dict[str, dict[str, str]] = {
    "USD": {"GBP": "0.7850", "EUR": "0.9250", "JPY": "150.25", "CNY": "7.1200", "CAD": "1.3600"},
}
"""Test reference rates (not market data): USD to the billing currencies of the test cards (GBP, EUR, JPY, CNY)."""
DEFAULT_PROVIDER = "POSSIMFX"
DEFAULT_MARKUP = "3.50"
DEFAULT_RATE_DATE = "2026-12-01"
_PIVOT = "USD"


class DccConfigError(ValueError):
    """``[dcc]`` is malformed; the message names the key."""


class RefundRate(StrEnum):
    """The rate a DCC sale's refund is converted at."""

    ORIGINAL = "original"
    """The sale's rate: the cardholder gets back, in the billing currency, what was paid for that part."""
    CURRENT = "current"
    """Today's offered rate: the cardholder bears the rate's movement, the merchant none."""


@dataclass(frozen=True)
class DccConfig:
    """The ``[dcc]`` table of host.toml (docs/host-rules.md)."""

    enabled: bool = field(default=True, metadata={"doc": "Answer rate inquiries with offers (false: every card "
                                                          "is ineligible, 57)."})
    provider: str = field(default=DEFAULT_PROVIDER, metadata={
        "doc": "The DCC provider ID shown on the offer and the receipt (1..11 characters)."})
    markup_percent: str = field(default=DEFAULT_MARKUP, metadata={
        "doc": "Markup over the reference rate, percent as a string (\"3.50\"), 0..25."})
    rate_date: str = field(default=DEFAULT_RATE_DATE, metadata={"doc": "The date the reference rates are of."})
    rates: dict[str, dict[str, str]] = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_RATES.items()},
                                             metadata={"doc": "Reference rates, [dcc.rates.USD] GBP = \"0.7850\": "
                                                              "one unit of the merchant currency in the billing "
                                                              "currency, major units, as strings."})
    countries: tuple[str, ...] = field(default=(), metadata={
        "doc": "Issuer countries (ISO 3166-1 numeric) whose cards may be offered DCC; empty: all."})
    currencies: tuple[str, ...] = field(default=(), metadata={
        "doc": "Billing currencies (ISO 4217 alpha or numeric) that may be offered; empty: all with a rate."})

    def reference_rate(self, merchant: str, billing: str) -> Decimal | None:
        """The reference rate from ``merchant`` to ``billing`` (numeric codes), direct or crossed through USD."""
        source, target = currency(merchant).alpha, currency(billing).alpha
        direct = self.rates.get(source, {}).get(target)
        if direct is not None:
            return Decimal(direct)
        inverse = self.rates.get(target, {}).get(source)
        if inverse is not None:
            return 1 / Decimal(inverse)
        pivot = self.rates.get(_PIVOT, {})
        if source == _PIVOT or target == _PIVOT:
            return None
        if source in pivot and target in pivot:
            return Decimal(pivot[target]) / Decimal(pivot[source])
        return None

    def eligible(self, card_country: str, billing: str, merchant: str) -> str | None:
        """None when a card of ``card_country`` billed in ``billing`` may be offered DCC on a ``merchant``-currency
        sale; else why not (journaled as the inquiry's note)."""
        if not self.enabled:
            return "DCC is disabled on this host ([dcc] enabled = false)"
        if billing == merchant:
            return "the card is billed in the sale's currency"
        if self.countries and card_country not in self.countries:
            return f"cards of country {card_country} are not offered DCC"
        if self.currencies and billing not in self.currencies and currency(billing).alpha not in self.currencies:
            return f"billing currency {currency(billing).alpha} is not offered"
        if self.reference_rate(merchant, billing) is None:
            return f"no rate from {currency(merchant).alpha} to {currency(billing).alpha}"
        return None

    def exchange_difference(self, amount: int, merchant: str, billing_amount: int, billing: str) -> int | None:
        """What a DCC refund costs the merchant at today's rate, in merchant minor units: the merchant currency
        it takes to buy the refund's ``billing_amount`` at today's reference rate, less the refund's ``amount``
        (positive: the merchant pays more than the refund's face value). None without a rate today."""
        reference = self.reference_rate(billing, merchant)
        if reference is None:
            return None
        return convert(billing_amount, billing, reference, merchant) - amount

    def quote(self, amount: int, merchant: str, billing: str) -> DccOffer:
        """The offer for ``amount`` minor units of ``merchant``; the pair must have a rate (:meth:`eligible`)."""
        reference = self.reference_rate(merchant, billing)
        if reference is None:
            raise DccError(f"no rate from {currency(merchant).alpha} to {currency(billing).alpha}")
        rate = offered_rate(reference, Decimal(self.markup_percent))
        return DccOffer(currency=billing, amount=convert(amount, merchant, rate, billing), rate=encode_rate(rate),
                        markup_percent=self.markup_percent, provider=self.provider,
                        rate_date=self.rate_date.replace("-", ""), reference_rate=encode_rate(reference))


def _decimal_text(value: object, where: str, *, maximum: Decimal | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DccConfigError(f"{where}: expected a decimal number as a string (\"0.7850\"), not a float")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DccConfigError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or (maximum is not None and number > maximum):
        raise DccConfigError(f"{where}: {value!r} is out of range")
    return str(value)


def _currency_alpha(code: str, where: str) -> str:
    """An ISO 4217 code given alpha (``GBP``) or numeric (``826``), as its alpha code."""
    found = currency_by_code(code)
    if found is None:
        raise DccConfigError(f"{where}: {code!r} is not an ISO 4217 currency")
    return found.alpha


def parse_refund_rate(value: object) -> RefundRate:
    """The top-level ``dcc_refund_rate``."""
    try:
        return RefundRate(value)
    except ValueError:
        raise DccConfigError("dcc_refund_rate: expected \"original\" or \"current\"") from None


def parse_dcc(table: object) -> DccConfig:
    """The ``[dcc]`` table; unknown keys and bad values refused, named."""
    if not isinstance(table, dict):
        raise DccConfigError("dcc: expected a table")
    known = set(DccConfig.__dataclass_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        raise DccConfigError(f"dcc.{unknown[0]}: unknown key (known: {', '.join(sorted(known))})")
    defaults = DccConfig()
    enabled = table.get("enabled", defaults.enabled)
    if not isinstance(enabled, bool):
        raise DccConfigError("dcc.enabled: expected true or false")
    provider = table.get("provider", defaults.provider)
    if not isinstance(provider, str) or not 1 <= len(provider) <= 11 or not provider.isascii() \
            or not provider.isalnum():
        raise DccConfigError("dcc.provider: expected 1..11 letters or digits")
    markup = _decimal_text(table.get("markup_percent", defaults.markup_percent), "dcc.markup_percent",
                           maximum=Decimal(25))
    rate_date = table.get("rate_date", defaults.rate_date)
    rate_date = rate_date.isoformat() if hasattr(rate_date, "isoformat") else rate_date
    if not isinstance(rate_date, str) or len(rate_date) != 10:
        raise DccConfigError("dcc.rate_date: expected a date YYYY-MM-DD")
    rates = {k: dict(v) for k, v in defaults.rates.items()}
    raw_rates = table.get("rates", {})
    if not isinstance(raw_rates, dict):
        raise DccConfigError("dcc.rates: expected tables [dcc.rates.USD] GBP = \"0.7850\"")
    for source, row in raw_rates.items():
        where = f"dcc.rates.{source}"
        if not isinstance(row, dict):
            raise DccConfigError(f"{where}: expected a table of currency = \"rate\"")
        alpha = _currency_alpha(source, where)
        for target, value in row.items():
            rate = _decimal_text(value, f"{where}.{target}")
            if Decimal(rate) == 0:
                raise DccConfigError(f"{where}.{target}: a rate must be positive")
            rates.setdefault(alpha, {})[_currency_alpha(target, f"{where}.{target}")] = rate
    countries = _codes(table.get("countries", []), "dcc.countries")
    currencies = tuple(_currency_alpha(code, "dcc.currencies") for code in _codes(
        table.get("currencies", []), "dcc.currencies", digits=False))
    config = DccConfig(enabled=enabled, provider=provider, markup_percent=markup, rate_date=rate_date, rates=rates,
                       countries=countries, currencies=currencies)
    for source, row in rates.items():
        for target, value in row.items():
            try:
                offered_rate(Decimal(value), Decimal(markup))
            except DccError as error:
                raise DccConfigError(f"dcc.rates.{source}.{target}: {error}") from None
    return config


def _codes(value: Any, where: str, *, digits: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DccConfigError(f"{where}: expected a list of strings")
    if digits and not all(len(item) == 3 and item.isdigit() for item in value):
        raise DccConfigError(f"{where}: expected 3-digit ISO numeric codes")
    return tuple(value)
