"""Store-and-forward refunds on the host side: what an advice (0220 / 0221) asks, and whether it holds.

An advice is an offline refund the terminal already completed (the goods are back), so the
host cannot decline it: it answers 0230 either way. It credits the cardholder only when the
refund holds against the host's journal: the original (DE 63 OR, and OD when given) is an
approved sale of the same terminal, neither voided nor reversed, and the amount fits its
refundable remainder. Otherwise the 0230 carries the refusing code (25, 12 or 13), no money
moves, and the advice is journaled as declined so that settlement and the report show it.

Advices carry no card data: the refund goes to the original sale's card, and no PIN,
cryptogram or card-fingerprint check applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iso8583.message import Message
from protocols.iso87 import Mti, ProcessingCode, ResponseCode
from protocols.possim87.additional_data import AdditionalTag, additional_data
from simulator.host.cards import CardDirectory, brand_of
from simulator.host.journal import Status, HostTransaction


@dataclass(frozen=True)
class Advice:
    """The parts of a 0220 / 0221 the host checks and journals."""

    processing_code: str | None
    amount: int
    original_rrn: str | None
    original_date: str | None
    offline_code: str | None
    reason: str | None
    currency: str | None = None


def parse_advice(request: Message) -> Advice:
    """Read an advice; ``ValueError`` when DE 4 is missing or not numeric (DE 63 must already decode)."""
    amount = request.get(4)
    if not isinstance(amount, str) or not amount.isdigit():
        raise ValueError("DE 4 (amount) missing or not numeric")
    tags = additional_data(request)
    code = request.get(3)
    return Advice(
        processing_code=code if isinstance(code, str) else None,
        amount=int(amount),
        original_rrn=tags.get(AdditionalTag.ORIGINAL_RRN),
        original_date=tags.get(AdditionalTag.ORIGINAL_DATE),
        offline_code=tags.get(AdditionalTag.OFFLINE_APPROVAL),
        reason=tags.get(AdditionalTag.REASON),
        currency=request.get(49) if isinstance(request.get(49), str) else None,
    )


def locate_original(advice: Advice, find: Callable[[str], HostTransaction | None]) -> HostTransaction | None:
    """The transaction named by DE 63 OR (through ``find``, the terminal's RRN look-up), checked against OD."""
    if advice.original_rrn is None:
        return None
    original = find(advice.original_rrn)
    if original is None or (advice.original_date is not None and original.local_date != advice.original_date):
        return None
    return original


def refusal(advice: Advice, original: HostTransaction | None) -> str | None:
    """The response code refusing the advice for what it is, or None; the amount against what is left of the
    sale is the money rule's (:mod:`simulator.host.transitions`)."""
    if advice.processing_code != ProcessingCode.REFUND:
        return ResponseCode.INVALID_TRANSACTION
    if original is None:
        return ResponseCode.ORIGINAL_NOT_FOUND
    if (original.mti != Mti.FINANCIAL_REQUEST or original.processing_code != ProcessingCode.PURCHASE
            or original.status is not Status.APPROVED):
        return ResponseCode.INVALID_TRANSACTION
    if advice.currency != original.currency:
        return ResponseCode.INVALID_AMOUNT  # not an amount of that sale (docs/protocol.md)
    if original.dcc_currency is not None:
        return ResponseCode.INVALID_AMOUNT  # a DCC sale's refund is converted online, never offline
    return None


def original_card_brand(original: HostTransaction, cards: CardDirectory,
                        fingerprint: Callable[[str], str]) -> str | None:
    """The brand of the original sale's card: the issuer's record when its fingerprint matches, else the BIN's."""
    if original.card_fingerprint is not None:
        for pan in cards.by_pan:
            if fingerprint(pan) == original.card_fingerprint:
                return cards.brand(pan)
    return brand_of(original.masked_pan) if original.masked_pan else None
