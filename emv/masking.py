"""Display rules for card data: masked PANs (first 6 + last 4) and the Luhn check.

PCI DSS 3.4 allows at most the first six and last four digits of a PAN to be shown; every
dump, error message and repr in :mod:`emv` goes through :func:`mask_pan`.
"""

from __future__ import annotations

from keys.masking import MASK as MASK_CHAR
from keys.masking import mask_pan

__all__ = ["MASK_CHAR", "luhn_valid", "mask_pan"]


def luhn_valid(number: str) -> bool:
    """True when ``number`` is all digits and passes the ISO/IEC 7812-1 Annex B (Luhn) check."""
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
