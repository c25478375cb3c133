"""Terminal-sourced transaction data: what the terminal gives the card in CDOL1 and puts in DE 55.

Each field maps to one EMV tag (EMV 4.4 Book 3 Annex A1, Book 4 section 6.5 and Annex A):
amounts are ``n 12`` (BCD, minor units), country and currency codes ``n 3`` in two bytes,
the date ``n 6`` YYMMDD, the transaction type ``n 2`` (ISO 8583 processing code digits
1-2), the unpredictable number ``b 4``, TVR ``b 5``, terminal capabilities ``b 3``, CVM
results ``b 3`` (Book 4 Annex A4) and the terminal type ``n 2`` (Book 4 Annex A1).
"""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass, field
from enum import IntEnum

from emv.errors import TerminalDataError

MAX_AMOUNT = 999_999_999_999
"""Largest amount an ``n 12`` field holds, in minor units."""


class TransactionType(IntEnum):
    """Tag '9C' values (ISO 8583:1987 processing code, first two digits, in BCD)."""

    PURCHASE = 0x00
    CASH = 0x01
    PURCHASE_WITH_CASHBACK = 0x09
    REFUND = 0x20


def bcd(digits: str, length: int) -> bytes:
    """``digits`` right-justified with leading zeros in ``length`` bytes of BCD (format n)."""
    if not digits.isdigit() or len(digits) > 2 * length:
        raise TerminalDataError(f"{len(digits)} characters do not fit n {2 * length} BCD")
    return bytes.fromhex(digits.zfill(2 * length))


def _check_code(value: str, what: str) -> None:
    if not (value.isdigit() and len(value) == 3):
        raise TerminalDataError(f"{what}: expected 3 digits (ISO numeric code), got {len(value)} characters")


def _check_amount(amount: int, what: str) -> None:
    if not 0 <= amount <= MAX_AMOUNT:
        raise TerminalDataError(f"{what}: {amount} is outside 0..{MAX_AMOUNT} minor units")


def _check_length(value: bytes, length: int, what: str) -> None:
    if len(value) != length:
        raise TerminalDataError(f"{what}: {len(value)} bytes, expected {length}")


@dataclass(frozen=True)
class TerminalData:
    """The terminal's side of one transaction.

    Money is an integer count of minor units; codes are ISO 3166 / ISO 4217 numeric
    strings ("840", "978"). ``unpredictable_number`` is fresh random bytes by default.
    """

    amount_authorised: int
    currency: str = "840"
    terminal_country: str = "840"
    transaction_date: _dt.date = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).date())
    transaction_type: TransactionType = TransactionType.PURCHASE
    amount_other: int = 0
    unpredictable_number: bytes = field(default_factory=lambda: secrets.token_bytes(4))
    tvr: bytes = bytes(5)
    terminal_capabilities: bytes = bytes.fromhex("E0F8C8")
    cvm_results: bytes = bytes.fromhex("1F0302")
    terminal_type: str = "22"

    def __post_init__(self) -> None:
        _check_amount(self.amount_authorised, "amount authorised (9F02)")
        _check_amount(self.amount_other, "amount other (9F03)")
        _check_code(self.currency, "transaction currency code (5F2A)")
        _check_code(self.terminal_country, "terminal country code (9F1A)")
        _check_length(self.unpredictable_number, 4, "unpredictable number (9F37)")
        _check_length(self.tvr, 5, "TVR (95)")
        _check_length(self.terminal_capabilities, 3, "terminal capabilities (9F33)")
        _check_length(self.cvm_results, 3, "CVM results (9F34)")
        if not (self.terminal_type.isdigit() and len(self.terminal_type) == 2):
            raise TerminalDataError("terminal type (9F35): expected 2 digits")
        TransactionType(self.transaction_type)
        object.__setattr__(self, "_values", self._encode())

    def next_transaction(self, amount_authorised: int, transaction_date: _dt.date) -> TerminalData:
        """The same terminal's data for its next transaction: ``amount_authorised`` on ``transaction_date`` with a
        fresh unpredictable number, everything else as in ``self``.

        Equal to what the constructor makes of the same values, but only the amount is checked again (the
        rest was checked when ``self`` was made, and a frozen value cannot have changed since) and only the
        three changed tags are encoded again: a load terminal makes one per sale.
        """
        _check_amount(amount_authorised, "amount authorised (9F02)")
        new = object.__new__(TerminalData)
        unpredictable = secrets.token_bytes(4)
        new.__dict__.update(self.__dict__, amount_authorised=amount_authorised, transaction_date=transaction_date,
                            unpredictable_number=unpredictable)
        values = dict(self._values)
        values["9F02"] = _amount_bcd(amount_authorised)
        values["9A"] = _date_bcd(transaction_date)
        values["9F37"] = unpredictable
        object.__setattr__(new, "_values", values)
        return new

    def tag_values(self) -> dict[str, bytes]:
        """Tag -> value bytes of every element this terminal data provides (a new dict each call)."""
        return dict(self._values)

    def _encode(self) -> dict[str, bytes]:
        """The values, encoded once when made (the card's GENERATE AC and field 55 both read them). The fields
        were checked by ``__post_init__``: the amounts fit n 12, the codes are 3 digits, the type 2 digits."""
        return {
            "9F02": _amount_bcd(self.amount_authorised),
            "9F03": _amount_bcd(self.amount_other),
            "9F1A": bytes.fromhex(f"0{self.terminal_country}"),
            "95": self.tvr,
            "5F2A": bytes.fromhex(f"0{self.currency}"),
            "9A": _date_bcd(self.transaction_date),
            "9C": bytes([self.transaction_type]),
            "9F37": self.unpredictable_number,
            "9F33": self.terminal_capabilities,
            "9F34": self.cvm_results,
            "9F35": bytes.fromhex(self.terminal_type),
        }


def _amount_bcd(amount: int) -> bytes:
    """Tags '9F02' and '9F03', amounts: ``n 12`` in BCD (minor units, checked to fit)."""
    return bytes.fromhex(f"{amount:012d}")


def _date_bcd(day: _dt.date) -> bytes:
    """Tag '9A', transaction date: ``n 6`` YYMMDD in BCD."""
    return bytes.fromhex(f"{day.year % 100:02d}{day.month:02d}{day.day:02d}")
