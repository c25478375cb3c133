"""Money as people read and type it: ISO 4217 currencies and their minor units.

Money inside possim is an integer count of minor units with an ISO 4217 numeric currency code
(``1234`` in ``840`` is USD 12.34; ``1000`` in ``392`` is JPY 1000, the yen having no minor unit).
This module converts between that and text, exactly (``Decimal``, never a float), with each
currency's own exponent from the ISO 4217 table (the ``iso4217`` package carries the
maintenance agency's published list).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, DecimalException
from functools import cache

__all__ = ["AmountError", "Currency", "MAX_MINOR_UNITS", "currency", "currency_by_code", "format_amount",
           "known_currency", "parse_amount"]

MAX_MINOR_UNITS = 999_999_999_999
"""DE 4 is n 12."""
_FALLBACK_EXPONENT = 2


class AmountError(ValueError):
    """An amount that cannot be used: not a number, too many decimals for the currency, out of range."""


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: numeric code, alphabetic code, and minor-unit exponent."""

    numeric: str
    alpha: str
    exponent: int


@cache
def _table() -> dict[str, Currency]:
    import iso4217  # parses its XML table on import: only when money is first shown or read

    table = {}
    for entry in iso4217.Currency:
        exponent = entry.exponent
        if entry.number is None or exponent is None:  # funds codes and metals have no minor unit
            continue
        table[f"{entry.number:03d}"] = Currency(f"{entry.number:03d}", entry.code, exponent)
    return table


def currency_by_code(code: str) -> Currency | None:
    """The currency with ISO 4217 alphabetic (``GBP``) or numeric (``826``) code ``code``; None when unknown."""
    table = _table()
    if code in table:
        return table[code]
    return next((entry for entry in table.values() if entry.alpha == code.upper()), None)


def known_currency(numeric: str) -> bool:
    """True when ``numeric`` is an ISO 4217 numeric code with a minor unit."""
    return numeric in _table()


def currency(numeric: str) -> Currency:
    """The currency with ISO 4217 numeric code ``numeric``; an unknown code shows as its number, 2 decimals."""
    return _table().get(numeric, Currency(numeric, numeric, _FALLBACK_EXPONENT))


def format_amount(amount: int, numeric_currency: str, *, with_code: bool = True) -> str:
    """``1234`` in 840 -> ``"USD 12.34"`` (or ``"12.34"``); ``1000`` in 392 -> ``"JPY 1000"``."""
    info = currency(numeric_currency)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**info.exponent)
    text = f"{sign}{major}" + (f".{minor:0{info.exponent}d}" if info.exponent else "")
    return f"{info.alpha} {text}" if with_code else text


def parse_amount(text: str, numeric_currency: str, *, name: str = "--amount") -> int:
    """Major units as typed (``"12.34"``) to minor units (``1234``) in the currency's exponent, exactly.

    ``name`` is how the error messages call the value (the option that carried it).
    """
    info = currency(numeric_currency)
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise AmountError(f"{name} {text!r} is not a finite number")
        minor = value.scaleb(info.exponent)
    except DecimalException:
        raise AmountError(f"{name} {text!r} is not a usable number") from None
    if minor != minor.to_integral_value():
        unit = "no minor unit" if info.exponent == 0 else f"{info.exponent} decimals"
        raise AmountError(f"{name} {text!r}: {info.alpha} has {unit}")
    if not 0 < minor <= MAX_MINOR_UNITS:
        raise AmountError(f"{name} {text!r} must be positive and at most 12 digits in minor units")
    return int(minor)
