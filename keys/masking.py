"""Masking of cardholder data for people and logs (PCI DSS requirement 3.4: at most the first 6
and last 4 digits of a PAN are shown).

The one rule every package uses (iso8583 dumps, emv dumps and reprs, the journal, the host,
receipts, logs). Masks keep the length of the value, so a masked dump still shows how long each
field is.
"""

from __future__ import annotations

MASK = "*"
_MIN_MASKED = 3
"""A PAN shorter than 6 + 4 + this is masked entirely: showing 10 of 12 digits would reveal it."""


def mask_all(value: str) -> str:
    """Every character replaced by ``*``."""
    return MASK * len(value)


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits kept, ``*`` between; PANs under 13 digits entirely masked."""
    if len(pan) < 10 + _MIN_MASKED:
        return mask_all(pan)
    return pan[:6] + MASK * (len(pan) - 10) + pan[-4:]
