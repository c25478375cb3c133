"""Display rules for card data: masked PANs (first 6 + last 4) and the Luhn check.

PCI DSS 3.4 allows at most the first six and last four digits of a PAN to be shown; every
dump, error message and repr in :mod:`emv` goes through :func:`mask_pan`.
"""

from __future__ import annotations

MASK_CHAR = "*"


def mask_pan(pan: str) -> str:
    """``pan`` with every digit but the first 6 and last 4 replaced by ``*``.

    PANs of 10 digits or fewer have nothing left to hide under that rule, so they are
    masked entirely except for the last 4 digits, never shown in full.
    """
    if len(pan) <= 10:
        return MASK_CHAR * max(len(pan) - 4, 0) + pan[-4:]
    return pan[:6] + MASK_CHAR * (len(pan) - 10) + pan[-4:]


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
