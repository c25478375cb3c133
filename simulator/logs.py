"""Logging for people: a formatter that masks cardholder data, and ``possim --log-level``.

Libraries log through :mod:`logging` and already mask what they know to be card data; this
formatter is the last line of defence for what they do not know: any run of 13 to 19 digits
(a PAN, alone or at the start of track 2 data) is masked to its first 6 and last 4 digits, and
whatever follows a track 2 separator is hidden.
"""

from __future__ import annotations

import logging
import re

from keys.masking import mask_all, mask_pan

_TRACK2_OR_PAN = re.compile(r"(?<!\d)(\d{13,19})(?:([=D])(\d{0,30}))?(?!\d)")


def mask_card_data(text: str) -> str:
    """``text`` with PAN-like digit runs masked and track 2 discretionary data hidden."""
    def replace(match: re.Match[str]) -> str:
        pan, separator, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        return mask_pan(pan) + separator + mask_all(rest)

    return _TRACK2_OR_PAN.sub(replace, text)


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
