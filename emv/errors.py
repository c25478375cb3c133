"""The one exception family of :mod:`emv`.

Every error derives from :class:`EmvError`, itself a :class:`ValueError`, so the command
line turns any of them into exit 2 with one line on stderr. Messages name *what* was wrong
(tag, byte offset, length) and never carry key material, PINs or full PANs: these messages
end up in logs, journals and on screens. PANs are shown as first 6 + last 4 digits.
"""

from __future__ import annotations


class EmvError(ValueError):
    """Base class of every error raised by :mod:`emv`."""


class TlvError(EmvError):
    """BER-TLV data is malformed (EMV 4.4 Book 3 Annex B).

    ``offset`` is the byte offset, from the start of the outermost data, of the object or
    field that could not be read; ``tag`` is the tag being read when it is known.
    """

    def __init__(self, message: str, offset: int, tag: str | None = None) -> None:
        where = f"offset {offset}" if tag is None else f"tag {tag} at offset {offset}"
        super().__init__(f"{where}: {message}")
        self.offset = offset
        self.tag = tag
        self.reason = message


class CryptogramError(EmvError):
    """An application cryptogram or ARPC cannot be computed: bad key length, wrong ARQC,
    ARC or CSU length, unsupported cryptogram version (EMV 4.4 Book 2 section 8)."""


class CardError(EmvError):
    """The simulated card refused a command or holds inconsistent data (bad PAN, expiry,
    PSN, no cryptogram pending for EXTERNAL AUTHENTICATE...)."""


class TerminalDataError(EmvError):
    """Terminal-side transaction data is out of range (amount too large for n12, a
    currency or country code that is not three digits, an unpredictable number that is
    not four bytes...)."""


class TestCardError(EmvError):
    """The shipped test card file is missing, malformed or names an unknown card."""

    __test__ = False  # not a pytest test class despite the name
