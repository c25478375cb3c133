"""The EMV tag dictionary: name, format and source of the common data elements.

Names, formats and sources follow EMV 4.4 Book 3 Annex A1 (Data Elements Dictionary);
9F6E and 9F53 are payment-system elements (Visa form factor indicator / Mastercard third
party data, Mastercard transaction category code). Tags 'DFxx' are proprietary to the
payment system or issuer; :func:`lookup` describes any of them generically.

Formats (Book 3 section 4.3): ``n`` BCD digits right-justified with leading zeros, ``cn``
compressed numeric left-justified padded with 'F', ``b`` binary, ``a``/``an``/``ans``
alphanumeric characters (ISO 8859), ``var`` a constructed template.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType


class TagFormat(str, Enum):
    """Data element formats of EMV 4.4 Book 3 section 4.3."""

    N = "n"
    CN = "cn"
    B = "b"
    A = "a"
    AN = "an"
    ANS = "ans"
    TEMPLATE = "var"


class Source(str, Enum):
    """Who provides the data element (Book 3 Annex A1, column "Source")."""

    CARD = "card"
    TERMINAL = "terminal"
    ISSUER = "issuer"


@dataclass(frozen=True)
class TagInfo:
    """What the dictionary knows of one tag. ``sensitive`` elements (PAN, track data,
    cardholder name) are masked in dumps unless the user asks to reveal them."""

    tag: str
    name: str
    format: TagFormat
    source: Source
    sensitive: bool = False


_N, _CN, _B, _AN, _ANS, _T = (
    TagFormat.N,
    TagFormat.CN,
    TagFormat.B,
    TagFormat.AN,
    TagFormat.ANS,
    TagFormat.TEMPLATE,
)
_CARD, _TERM, _ISS = Source.CARD, Source.TERMINAL, Source.ISSUER

_ENTRIES: tuple[TagInfo, ...] = (
    TagInfo("4F", "Application Identifier (AID) - card", _B, _CARD),
    TagInfo("50", "Application Label", _ANS, _CARD),
    TagInfo("56", "Track 1 Data", _ANS, _CARD, sensitive=True),
    TagInfo("57", "Track 2 Equivalent Data", _B, _CARD, sensitive=True),
    TagInfo("5A", "Application Primary Account Number (PAN)", _CN, _CARD, sensitive=True),
    TagInfo("5F20", "Cardholder Name", _ANS, _CARD, sensitive=True),
    TagInfo("5F24", "Application Expiration Date", _N, _CARD),
    TagInfo("5F25", "Application Effective Date", _N, _CARD),
    TagInfo("5F28", "Issuer Country Code", _N, _CARD),
    TagInfo("5F2A", "Transaction Currency Code", _N, _TERM),
    TagInfo("5F2D", "Language Preference", _AN, _CARD),
    TagInfo("5F30", "Service Code", _N, _CARD),
    TagInfo("5F34", "Application PAN Sequence Number", _N, _CARD),
    TagInfo("5F36", "Transaction Currency Exponent", _N, _TERM),
    TagInfo("61", "Application Template", _T, _CARD),
    TagInfo("6F", "File Control Information (FCI) Template", _T, _CARD),
    TagInfo("70", "READ RECORD Response Message Template", _T, _CARD),
    TagInfo("71", "Issuer Script Template 1", _T, _ISS),
    TagInfo("72", "Issuer Script Template 2", _T, _ISS),
    TagInfo("77", "Response Message Template Format 2", _T, _CARD),
    TagInfo("80", "Response Message Template Format 1", _B, _CARD),
    TagInfo("82", "Application Interchange Profile", _B, _CARD),
    TagInfo("84", "Dedicated File (DF) Name", _B, _CARD),
    TagInfo("86", "Issuer Script Command", _B, _ISS),
    TagInfo("89", "Authorisation Code", _ANS, _ISS),
    TagInfo("8A", "Authorisation Response Code", _AN, _ISS),
    TagInfo("8C", "Card Risk Management Data Object List 1 (CDOL1)", _B, _CARD),
    TagInfo("8D", "Card Risk Management Data Object List 2 (CDOL2)", _B, _CARD),
    TagInfo("8E", "Cardholder Verification Method (CVM) List", _B, _CARD),
    TagInfo("8F", "Certification Authority Public Key Index", _B, _CARD),
    TagInfo("91", "Issuer Authentication Data", _B, _ISS),
    TagInfo("95", "Terminal Verification Results", _B, _TERM),
    TagInfo("9A", "Transaction Date", _N, _TERM),
    TagInfo("9B", "Transaction Status Information", _B, _TERM),
    TagInfo("9C", "Transaction Type", _N, _TERM),
    TagInfo("9F01", "Acquirer Identifier", _N, _TERM),
    TagInfo("9F02", "Amount, Authorised (Numeric)", _N, _TERM),
    TagInfo("9F03", "Amount, Other (Numeric)", _N, _TERM),
    TagInfo("9F06", "Application Identifier (AID) - terminal", _B, _TERM),
    TagInfo("9F07", "Application Usage Control", _B, _CARD),
    TagInfo("9F08", "Application Version Number (card)", _B, _CARD),
    TagInfo("9F09", "Application Version Number (terminal)", _B, _TERM),
    TagInfo("9F0D", "Issuer Action Code - Default", _B, _CARD),
    TagInfo("9F0E", "Issuer Action Code - Denial", _B, _CARD),
    TagInfo("9F0F", "Issuer Action Code - Online", _B, _CARD),
    TagInfo("9F10", "Issuer Application Data", _B, _CARD),
    TagInfo("9F12", "Application Preferred Name", _ANS, _CARD),
    TagInfo("9F15", "Merchant Category Code", _N, _TERM),
    TagInfo("9F16", "Merchant Identifier", _ANS, _TERM),
    TagInfo("9F18", "Issuer Script Identifier", _B, _ISS),
    TagInfo("9F1A", "Terminal Country Code", _N, _TERM),
    TagInfo("9F1C", "Terminal Identification", _AN, _TERM),
    TagInfo("9F1E", "Interface Device (IFD) Serial Number", _AN, _TERM),
    TagInfo("9F0B", "Cardholder Name Extended", _ANS, _CARD, sensitive=True),
    TagInfo("9F1F", "Track 1 Discretionary Data", _ANS, _CARD, sensitive=True),
    TagInfo("9F20", "Track 2 Discretionary Data", _CN, _CARD, sensitive=True),
    TagInfo("9F6B", "Track 2 Data", _B, _CARD, sensitive=True),
    TagInfo("9F21", "Transaction Time", _N, _TERM),
    TagInfo("9F26", "Application Cryptogram", _B, _CARD),
    TagInfo("9F27", "Cryptogram Information Data", _B, _CARD),
    TagInfo("9F33", "Terminal Capabilities", _B, _TERM),
    TagInfo("9F34", "Cardholder Verification Method (CVM) Results", _B, _TERM),
    TagInfo("9F35", "Terminal Type", _N, _TERM),
    TagInfo("9F36", "Application Transaction Counter (ATC)", _B, _CARD),
    TagInfo("9F37", "Unpredictable Number", _B, _TERM),
    TagInfo("9F39", "Point-of-Service (POS) Entry Mode", _N, _TERM),
    TagInfo("9F40", "Additional Terminal Capabilities", _B, _TERM),
    TagInfo("9F41", "Transaction Sequence Counter", _N, _TERM),
    TagInfo("9F42", "Application Currency Code", _N, _CARD),
    TagInfo("9F4C", "ICC Dynamic Number", _B, _CARD),
    TagInfo("9F53", "Transaction Category Code", _AN, _TERM),
    TagInfo("9F5B", "Issuer Script Results", _B, _TERM),
    TagInfo("9F66", "Terminal Transaction Qualifiers (TTQ)", _B, _TERM),
    TagInfo("9F6C", "Card Transaction Qualifiers (CTQ)", _B, _CARD),
    TagInfo("9F6E", "Form Factor Indicator / Third Party Data", _B, _CARD),
    TagInfo("A5", "FCI Proprietary Template", _T, _CARD),
    TagInfo("BF0C", "FCI Issuer Discretionary Data", _T, _CARD),
)

TAGS: MappingProxyType[str, TagInfo] = MappingProxyType({entry.tag: entry for entry in _ENTRIES})
"""Read-only dictionary: tag (upper-case hex) -> :class:`TagInfo`."""


def lookup(tag: str) -> TagInfo | None:
    """What the dictionary knows of ``tag``; 'DFxx' proprietary tags get a generic entry."""
    key = tag.upper()
    known = TAGS.get(key)
    if known is not None:
        return known
    if key.startswith("DF"):
        return TagInfo(key, "Proprietary data element", TagFormat.B, Source.CARD)
    return None
