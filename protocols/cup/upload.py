"""DE 48 of the CUP batch upload (0320): lists of sales, and the count that ends the upload.

After a settlement whose totals did not balance, a CUP terminal uploads its batch. Online sales
travel in lists, up to eight to a 0320 (60.3 = 201), DE 48 being the number of entries (n2)
followed by 40 digits per entry: card group n2 (``00`` domestic cards, ``01`` foreign cards, the
two halves of the settlement totals), POS voucher number n6, PAN n20 (right-aligned, zero-filled)
and amount n12. The 0320 ending the upload (60.3 = 202 or 207) carries the number of transactions
uploaded as n4. This is the layout CUP POS terminals send (the 2 + 8 x 40 = 322 digits are why
DE 48 is n..322).

possim's terminal keeps no full PAN in its journal, by design, so its entries carry 20 zeros in
the PAN slot; the host finds each sale by its voucher number and batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from protocols.cup.digits import number_to_digits
from protocols.cup.errors import CupFieldError

ENTRY_DIGITS = 40
MAX_ENTRIES = 8
"""Entries per 0320: 2 + 8 x 40 = 322 digits, the most DE 48 holds."""
_PAN_DIGITS = 20
DOMESTIC_BRANDS = frozenset({"unionpay"})
"""Card brands counted as domestic (内卡) cards; every other brand is a foreign (外卡) card."""


class CardGroup(str, Enum):
    """The card group of an upload entry, and the half of the settlement totals a card counts in."""

    DOMESTIC = "00"
    FOREIGN = "01"


def card_group(brand: str | None) -> CardGroup:
    """Domestic for UnionPay cards, foreign for the others."""
    return CardGroup.DOMESTIC if (brand or "").lower() in DOMESTIC_BRANDS else CardGroup.FOREIGN


@dataclass(frozen=True)
class UploadEntry:
    """One uploaded sale: card group, voucher number (6 digits), PAN (digits, "" when not sent), amount in fen."""

    group: CardGroup
    voucher: str
    amount: int
    pan: str = ""

    def __repr__(self) -> str:
        return f"UploadEntry(group={self.group.value}, voucher={self.voucher}, amount={self.amount})"

    def encode(self, offset: int) -> str:
        """The 40 digits of this entry, which starts at ``offset`` of DE 48 (for errors)."""
        if not (isinstance(self.voucher, str) and len(self.voucher) == 6 and self.voucher.isdigit()):
            raise CupFieldError(48, "48 voucher number", offset + 2, "expected 6 digits")
        if not (isinstance(self.pan, str) and len(self.pan) <= _PAN_DIGITS and (self.pan == "" or self.pan.isdigit())):
            raise CupFieldError(48, "48 PAN", offset + 8, f"expected up to {_PAN_DIGITS} digits")
        return (CardGroup(self.group).value + self.voucher + self.pan.zfill(_PAN_DIGITS)
                + number_to_digits(48, "48 amount", offset + 28, self.amount, 12))


@dataclass(frozen=True)
class UploadList:
    """DE 48 of a 0320 with 60.3 = 201: up to eight sales."""

    entries: tuple[UploadEntry, ...]

    def encode(self) -> str:
        """``NN`` then the entries."""
        if not 1 <= len(self.entries) <= MAX_ENTRIES:
            raise CupFieldError(48, "48 count", 0, f"{len(self.entries)} entries, expected 1 to {MAX_ENTRIES}")
        return f"{len(self.entries):02d}" + "".join(
            entry.encode(2 + index * ENTRY_DIGITS) for index, entry in enumerate(self.entries))

    @classmethod
    def decode(cls, value: object) -> UploadList:
        """The entries of a DE 48 upload list; errors name the entry's offset."""
        if not isinstance(value, str) or len(value) < 2 or not value.isdigit():
            raise CupFieldError(48, "48", 0, "expected the entry count (2 digits) and the entries")
        count = int(value[:2])
        if not 1 <= count <= MAX_ENTRIES:
            raise CupFieldError(48, "48 count", 0, f"{count} entries, expected 1 to {MAX_ENTRIES}")
        if len(value) != 2 + count * ENTRY_DIGITS:
            raise CupFieldError(48, "48", 2, f"{len(value) - 2} digits of entries, {count} entries take "
                                             f"{count * ENTRY_DIGITS}")
        entries = []
        for index in range(count):
            start = 2 + index * ENTRY_DIGITS
            digits = value[start:start + ENTRY_DIGITS]
            try:
                group = CardGroup(digits[:2])
            except ValueError:
                raise CupFieldError(48, "48 card group", start, f"{digits[:2]} is not 00 or 01") from None
            entries.append(UploadEntry(group, digits[2:8], int(digits[28:40]), digits[8:28].lstrip("0")))
        return cls(tuple(entries))


def upload_count(count: int) -> str:
    """DE 48 of the 0320 ending the upload: how many transactions were uploaded (n4)."""
    return number_to_digits(48, "48 uploaded count", 0, count, 4)


def parse_upload_count(value: object) -> int:
    """The count in DE 48 of the 0320 ending the upload."""
    if not (isinstance(value, str) and len(value) == 4 and value.isdigit()):
        raise CupFieldError(48, "48 uploaded count", 0, "expected 4 digits")
    return int(value)
