"""possim-87's private DE 63: additional data as TAG LLL VALUE items (docs/protocol.md).

The terminal puts the original reference, the refund reason and the DUKPT KSN here; the host answers
with keys, the credit channel and dates, and the status of a transaction.
"""

from __future__ import annotations

import re
from enum import StrEnum

from iso8583.message import Message


REFUND_REASONS = {
    "01": "GOODS RETURNED",
    "02": "SERVICE CANCELLED",
    "03": "DAMAGED GOODS",
    "04": "PRICE ADJUSTMENT",
    "05": "DUPLICATE CHARGE",
    "99": "OTHER",
}
"""Refund reason codes (DE 63 RC) with the names receipts and the display show; any two digits are accepted and sent (DE 63 RC)."""


class AdditionalTag(StrEnum):
    """Tags of the DE 63 additional data (docs/protocol.md)."""

    ORIGINAL_RRN = "OR"
    ORIGINAL_DATE = "OD"
    REASON = "RC"
    KSN = "KS"
    PIN_KEY_BLOCK = "PK"
    PIN_KEY_KCV = "PV"
    MAC_KEY_BLOCK = "MK"
    MAC_KEY_KCV = "MV"
    CREDIT_CHANNEL = "CC"
    CREDIT_DATE = "CD"
    CREDIT_STATUS = "CS"
    POSTED_DATE = "PD"
    TRANSACTION_STATUS = "TS"
    OFFLINE_APPROVAL = "OF"
    VOIDED = "VO"
    CROSS_BORDER = "XB"
    """Sale / refund / 0610 answers: ``Y`` when the card's issuer country is not the terminal's (absent: domestic)."""
    DCC_MARKUP = "DM"
    """Rate inquiry answer, DCC answers: the markup over the reference rate, percent (``3.50``)."""
    DCC_PROVIDER = "DP"
    """Rate inquiry answer, DCC answers: the DCC provider's ID."""
    DCC_RATE_DATE = "DD"
    """Rate inquiry answer: the date of the reference rate, YYYYMMDD."""
    DCC_REFERENCE_RATE = "DR"
    """Rate inquiry answer: the reference rate before the markup, in DE 10's format."""


class AdditionalDataError(ValueError):
    """DE 63 is not a well-formed sequence of TAG LLL VALUE."""


_TAG = re.compile(r"[A-Z0-9]{2}")


def encode_additional_data(items: dict[str, str]) -> str:
    """DE 63 text: each tag (2 characters), its value's length (3 digits), the value."""
    parts = []
    for tag, value in items.items():
        if not _TAG.fullmatch(tag):
            raise AdditionalDataError(f"DE 63 tag {tag!r} is not 2 upper-case letters or digits")
        if len(value) > 999:
            raise AdditionalDataError(f"DE 63 tag {tag}: value of {len(value)} characters, max 999")
        parts.append(f"{tag}{len(value):03d}{value}")
    return "".join(parts)


def decode_additional_data(text: str) -> dict[str, str]:
    """Parse DE 63; errors name the offset."""
    items: dict[str, str] = {}
    offset = 0
    while offset < len(text):
        header = text[offset:offset + 5]
        if len(header) < 5 or not _TAG.fullmatch(header[:2]) or not header[2:].isdigit():
            raise AdditionalDataError(f"DE 63: offset {offset}: expected a 2-character tag and 3 length digits")
        length = int(header[2:])
        value = text[offset + 5:offset + 5 + length]
        if len(value) != length:
            raise AdditionalDataError(f"DE 63: offset {offset}: tag {header[:2]} says {length} characters, "
                                      f"{len(value)} remain")
        items[header[:2]] = value
        offset += 5 + length
    return items


def additional_data(message: Message) -> dict[str, str]:
    """The DE 63 items of ``message`` (empty when absent)."""
    value = message.get(63)
    return decode_additional_data(value) if isinstance(value, str) else {}
