"""The terminal side of EMV online processing: run GENERATE AC and build ISO 8583 field 55.

The terminal asks the card for the cryptogram its decision calls for (EMV 4.4 Book 4
section 6.3.7, terminal action analysis): an AAC for a refund (transaction type '20'),
since a refund is never approved by the card and the card has nothing to authorise, and
an ARQC for sales and other debits, which go online. Field 55 then carries the card's
answer together with the terminal data the issuer needs to recompute the cryptogram, in
the fixed order of :data:`FIELD55_TAGS` so the same transaction always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import replace

from emv import tlv
from emv.card import CardResponse, SimulatedCard
from emv.cryptogram import CryptogramType
from emv.terminal_data import TerminalData, TransactionType

__all__ = ["FIELD55_TAGS", "TerminalData", "TransactionType", "build_field55", "requested_cryptogram"]

FIELD55_TAGS: tuple[str, ...] = (
    "9F26", "9F27", "9F10", "9F37", "9F36", "95", "9A", "9C", "9F02",
    "9F03", "5F2A", "82", "84", "9F1A", "9F33", "9F34", "9F35", "5F34",
)  # fmt: skip
"""The tags of field 55, in the order they are written."""


def requested_cryptogram(transaction_type: TransactionType) -> CryptogramType:
    """AAC for a refund, ARQC for anything else (the terminal goes online)."""
    return CryptogramType.AAC if transaction_type is TransactionType.REFUND else CryptogramType.ARQC


def build_field55(
    card: SimulatedCard, terminal_data: TerminalData, transaction_type: TransactionType | int
) -> bytes:
    """Run the first GENERATE AC on ``card`` and return field 55 for the authorisation request.

    ``transaction_type`` overrides the type in ``terminal_data`` (tag '9C').
    """
    kind = TransactionType(transaction_type)
    data = terminal_data if terminal_data.transaction_type is kind else replace(terminal_data, transaction_type=kind)
    response = card.generate_ac(requested_cryptogram(kind), data)
    return field55_bytes(card, data, response)


def field55_bytes(card: SimulatedCard, data: TerminalData, response: CardResponse) -> bytes:
    """Field 55 from a card answer and the terminal data it was computed over.

    The card's answer gives '9F27', '9F36', '9F26' and '9F10' (its template '77' objects,
    :meth:`CardResponse.tlvs`), the card '82', '84' and '5F34', the terminal data the rest; each
    object is written tag, BER length (Book 3 Annex B2), value, in the order of :data:`FIELD55_TAGS`.
    """
    values = data.tag_values()
    values["9F27"], values["9F36"] = response.cid, response.atc
    values["9F26"], values["9F10"] = response.cryptogram, response.issuer_application_data
    values["82"], values["84"], values["5F34"] = card.aip, card.aid, card.psn_bcd
    parts = []
    for name, headers in _FIELD55_HEADERS:
        value = values[name]
        length = len(value)
        parts.append((headers[length] if length < 0x80 else headers[0][:-1] + tlv.encode_length(length)) + value)
    return b"".join(parts)


_FIELD55_HEADERS: tuple[tuple[str, tuple[bytes, ...]], ...] = tuple(
    (tag, tuple(tlv.encode_tag(tag) + bytes([length]) for length in range(0x80))) for tag in FIELD55_TAGS
)
"""Per tag of :data:`FIELD55_TAGS` (all primitive), its tag bytes followed by each BER short-form length
(Book 3 Annex B2: 0 to 127), made once: field 55 is written for every chip request."""
