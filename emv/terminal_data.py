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
from functools import cached_property
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
        for what, amount in (("amount authorised (9F02)", self.amount_authorised), ("amount other (9F03)", self.amount_other)):
            if not 0 <= amount <= MAX_AMOUNT:
                raise TerminalDataError(f"{what}: {amount} is outside 0..{MAX_AMOUNT} minor units")
        _check_code(self.currency, "transaction currency code (5F2A)")
        _check_code(self.terminal_country, "terminal country code (9F1A)")
        _check_length(self.unpredictable_number, 4, "unpredictable number (9F37)")
        _check_length(self.tvr, 5, "TVR (95)")
        _check_length(self.terminal_capabilities, 3, "terminal capabilities (9F33)")
        _check_length(self.cvm_results, 3, "CVM results (9F34)")
        if not (self.terminal_type.isdigit() and len(self.terminal_type) == 2):
            raise TerminalDataError("terminal type (9F35): expected 2 digits")
        TransactionType(self.transaction_type)

    def tag_values(self) -> dict[str, bytes]:
        """Tag -> value bytes of every element this terminal data provides (a new dict each call)."""
        return dict(self._tag_values)

    @cached_property
    def _tag_values(self) -> dict[str, bytes]:
        """The values, encoded once (the card's GENERATE AC and field 55 both read them). The fields were
        checked by ``__post_init__``: the amounts fit n 12, the codes are 3 digits, the type 2 digits."""
        day = self.transaction_date
        return {
            "9F02": bytes.fromhex(f"{self.amount_authorised:012d}"),
            "9F03": bytes.fromhex(f"{self.amount_other:012d}"),
            "9F1A": bytes.fromhex(f"0{self.terminal_country}"),
            "95": self.tvr,
            "5F2A": bytes.fromhex(f"0{self.currency}"),
            "9A": bytes.fromhex(f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"),
            "9C": bytes([self.transaction_type]),
            "9F37": self.unpredictable_number,
            "9F33": self.terminal_capabilities,
            "9F34": self.cvm_results,
            "9F35": bytes.fromhex(self.terminal_type),
        }
