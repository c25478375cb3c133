"""Dynamic currency conversion (DCC): the conversion rate's wire format and the one rounding rule.

What terminal and host agree on (docs/protocol.md, "Dynamic currency conversion"):

* **DE 10, conversion rate (cardholder billing)**, n 8 (ISO 8583:1987): the first digit says how many of
  the other seven are decimals, the seven digits are the rate. ``69972522`` is 9.972522, ``41555088`` is
  155.5088. The rate converts *major* units: JPY per one USD, not per one US cent, so the currencies'
  different exponents (ISO 4217: USD 2, JPY 0) never leak into it.
* **DE 6, amount (cardholder billing)**, n 12: minor units of the billing currency (DE 51).
* **DE 51, currency code (cardholder billing)**, n 3: ISO 4217 numeric.

The conversion (:func:`convert`): ``billing = amount / 10**e(txn) * rate * 10**e(billing)``, rounded half up
to a whole minor unit of the billing currency; exact decimal arithmetic, never a float. A JPY amount is
whole yen, so a conversion to yen never yields a fraction of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from protocols.money import MAX_MINOR_UNITS, currency, format_amount

__all__ = ["RATE_DIGITS", "DccError", "DccOffer", "convert", "decode_rate", "encode_rate", "offered_rate",
           "rate_text", "refund_billing"]

RATE_DIGITS = 7
"""Significant digits of a DE 10 rate (n 8 less the decimal-places digit)."""


class DccError(ValueError):
    """A rate or an amount that DE 6 / DE 10 cannot carry, named."""


def encode_rate(rate: Decimal) -> str:
    """``rate`` as DE 10: rounded half up to the 7 digits the field has, as many of them decimals as fit.

    ``Decimal("155.50875")`` -> ``"41555088"`` (155.5088); a rate of 10**7 or more, or not positive, has no
    DE 10 form (:class:`DccError`).
    """
    if not rate.is_finite() or rate <= 0:
        raise DccError(f"conversion rate {rate} is not a positive number")
    integer_digits = len(str(int(rate))) if rate >= 1 else 0
    if integer_digits > RATE_DIGITS:
        raise DccError(f"conversion rate {rate} has more than {RATE_DIGITS} integer digits: DE 10 cannot carry it")
    places = RATE_DIGITS - integer_digits
    digits = int(rate.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if digits >= 10**RATE_DIGITS:  # 9999999.5 and the like round up past the field
        places -= 1
        digits = int(rate.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if places < 0 or digits == 0:
        raise DccError(f"conversion rate {rate} does not fit DE 10 (n 8)")
    return f"{places}{digits:07d}"


def decode_rate(text: str) -> Decimal:
    """DE 10 text to the rate: ``"69972522"`` -> ``Decimal("9.972522")``; a malformed or zero rate: DccError."""
    if not (isinstance(text, str) and len(text) == 8 and text.isascii() and text.isdigit()):
        raise DccError(f"DE 10 conversion rate {text!r}: expected 8 digits")
    places, digits = int(text[0]), int(text[1:])
    if digits == 0:
        raise DccError(f"DE 10 conversion rate {text!r} is zero")
    return Decimal(digits).scaleb(-places)


def rate_text(text: str) -> str:
    """DE 10 as people read it: ``"41555088"`` -> ``"155.5088"`` (every digit the field carries)."""
    places = int(text[0])
    return f"{decode_rate(text):.{places}f}"


def convert(amount: int, from_currency: str, rate: Decimal, to_currency: str) -> int:
    """``amount`` minor units of ``from_currency`` at ``rate`` (major units), in minor units of ``to_currency``,
    rounded half up (module docstring); :class:`DccError` when the result does not fit DE 6 (n 12)."""
    major = Decimal(amount).scaleb(-currency(from_currency).exponent) * rate
    try:
        result = int(major.scaleb(currency(to_currency).exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise DccError(f"{format_amount(amount, from_currency)} at {rate} does not fit DE 6") from None
    if not 0 <= result <= MAX_MINOR_UNITS:
        raise DccError(f"{format_amount(amount, from_currency)} at {rate} is out of DE 6's range")
    return result


def offered_rate(reference: Decimal, markup_percent: Decimal) -> Decimal:
    """The rate offered to the cardholder: the reference rate plus the markup, as DE 10 can carry it."""
    return decode_rate(encode_rate(reference * (1 + markup_percent / 100)))


@dataclass(frozen=True)
class DccOffer:
    """A DCC quote: the sale converted into the card's billing currency, with what the cardholder must be shown.

    ``rate`` is DE 10's text; ``markup_percent`` the markup over ``reference_rate`` (both as decimal text, e.g.
    ``"3.50"``); ``provider`` who quoted it; ``rate_date`` the date the reference rate is of (YYYYMMDD).
    """

    currency: str
    amount: int
    rate: str
    markup_percent: str
    provider: str
    rate_date: str = ""
    reference_rate: str = ""

    @property
    def rate_value(self) -> Decimal:
        return decode_rate(self.rate)

    def to_json(self) -> dict[str, object]:
        """The answer's ``dcc`` object (README, JSON contract): amount in minor units of ``currency``."""
        return {"currency": self.currency, "amount": self.amount, "rate": rate_text(self.rate),
                "markup_percent": self.markup_percent, "provider": self.provider}


def refund_billing(amount: int, *, sale_amount: int, sale_billing: int, refunded: int, refunded_billing: int,
                   rate: Decimal, merchant: str, billing: str) -> int:
    """The billing-currency amount of a refund of ``amount`` (merchant minor units) of a DCC sale.

    The refund that brings the merchant-currency refunds to the sale's amount takes exactly what is left in
    the billing currency; any other is ``amount`` converted at ``rate`` (:func:`convert`), capped at what is
    left, so the refunds never exceed the sale in either currency however they round.
    """
    left = sale_billing - refunded_billing
    if refunded + amount >= sale_amount:
        return max(left, 0)
    return max(min(convert(amount, merchant, rate, billing), left), 0)
