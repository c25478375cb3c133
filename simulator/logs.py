"""Logging for people: a formatter that masks cardholder data, and ``possim --log-level``.

Libraries log through :mod:`logging` and already mask what they know to be card data (message
dumps mask DE 2, 35, 45, 52, 55...); this formatter is the last line of defence for what they do
not know. It masks a digit run only where it can be a PAN, so the identifiers people debug with
stay readable:

* a run of 13 to 19 digits that can be a PAN (ISO/IEC 7812-1: first digit 1-9, Luhn check digit
  right) keeps its first 6 and last 4 digits (PCI DSS 3.4);
* track 2 data (a PAN, then ``=`` or ``D`` and digits) also loses everything after the separator;
* in a message dump, the lines of fields that never hold cardholder data
  (:data:`iso8583.masking.NON_CARDHOLDER_FIELDS`: STAN, RRN, terminal and merchant IDs, amounts,
  dates, bitmaps) are left as they are, raw bytes included.

RRNs (12 digits), STANs and amounts (zero-padded) are never PAN-like; neither are DE 63 items
such as ``OR012000000000014`` (a length prefix starts the run with 0).
"""

from __future__ import annotations

import logging
import re

from emv.masking import luhn_valid
from iso8583.masking import NON_CARDHOLDER_FIELDS
from keys.masking import mask_all, mask_pan

__all__ = ["MaskingFormatter", "can_be_pan", "configure_logging", "mask_card_data"]

_TRACK2_OR_PAN = re.compile(r"(?<!\d)(\d{13,19})(?:(=|D(?=\d))(\d{0,30}))?(?!\d)")
_DUMP_FIELD_LINE = re.compile(r"^\s{2,}(\d{1,3})\s{2}\S")
"""``   42  Card acceptor identification code  ans 15  ...`` (iso8583.dump.render_text)."""
_DUMP_RAW_LINE = re.compile(r"^\s+raw\s{2}")
"""The raw bytes line under a field line."""
_DUMP_HEAD_LINE = re.compile(r"^\s{2}(MTI|bitmap|header)\s")
"""The MTI, bitmap and header lines of a dump: codes, never card data."""


def can_be_pan(digits: str) -> bool:
    """True when ``digits`` (13 to 19 of them) can be a card number: first digit 1-9 and a valid Luhn digit.

    ISO/IEC 7812-1 gives the first digit (major industry identifier) 0 to ISO/TC 68 assignments,
    not to issuers of cards; the last digit is the Luhn check digit (Annex B).
    """
    return 13 <= len(digits) <= 19 and digits[0] != "0" and luhn_valid(digits)


def _mask_runs(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        pan, separator, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if not (can_be_pan(pan) or separator == "="):
            return match.group(0)
        return mask_pan(pan) + separator + mask_all(rest)

    return _TRACK2_OR_PAN.sub(replace, text)


def mask_card_data(text: str) -> str:
    """``text`` with PANs masked and track 2 discretionary data hidden (see the module docstring)."""
    if not any(char.isdigit() for char in text):
        return text
    masked = []
    field: int | None = None
    for line in text.split("\n"):
        head = _DUMP_FIELD_LINE.match(line)
        if head is not None:
            field = int(head.group(1))
        elif _DUMP_RAW_LINE.match(line) is None:
            field = None
        trusted = (field in NON_CARDHOLDER_FIELDS) or _DUMP_HEAD_LINE.match(line) is not None
        masked.append(line if trusted else _mask_runs(line))
    return "\n".join(masked)


class MaskingFormatter(logging.Formatter):
    """A :class:`logging.Formatter` whose output never shows a full PAN or track 2 data."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_card_data(super().format(record))


def configure_logging(level: str) -> None:
    """Log to stderr at ``level`` through the masking formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
