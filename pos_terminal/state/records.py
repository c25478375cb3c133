"""The terminal journal's record types: what a transaction, a reversal, a message and an event look like.

These are plain immutable values shared by the journal (which stores them),
the terminal engine (which decides on them) and the UI and CLI (which show
them). They carry no card secrets: a card appears only as its masked PAN
(first 6 and last 4 digits, ``*`` between) and as a keyed fingerprint that lets
the terminal check "same card as the original" without keeping the PAN.

Money is an ``int`` count of minor units; times are timezone-aware UTC
``datetime`` values (the journal stores them as ISO 8601 text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from keys.masking import mask_pan
from protocols.dcc import DccOffer

__all__ = [
    "EventRecord",
    "MessageDirection",
    "MessageRecord",
    "NewTransaction",
    "ReversalRecord",
    "ReversalStatus",
    "TransactionRecord",
    "TxnStatus",
    "TxnType",
    "masked_pan",
]

PAN_MIN_DIGITS = 12
PAN_MAX_DIGITS = 19
_MASKED_PAN = re.compile(r"[0-9]{6}\*+[0-9]{4}|\*+")
"""First 6 + last 4 digits, or (PANs under 13 digits, keys.masking) no digit at all."""
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


class TxnType(StrEnum):
    """The financial transactions the terminal journals."""

    SALE = "sale"
    REFUND = "refund"
    VOID = "void"


class TxnStatus(StrEnum):
    """Where a journaled transaction stands.

    PENDING: journaled, request sent or about to be, no response yet (its
    reversal record, if any, is still pending). APPROVED / DECLINED: the host
    answered. REVERSED: a reversal was acknowledged for it. OFFLINE: reserved
    for store-and-forward.
    """

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    REVERSED = "reversed"
    OFFLINE = "offline"


class ReversalStatus(StrEnum):
    """A reversal is PENDING until the host acknowledges it (ACKED)."""

    PENDING = "pending"
    ACKED = "acked"


@dataclass(frozen=True)
class AdviceRecord:
    """An offline refund's advice, queued for the host (store-and-forward).

    PENDING until the host answers it (ACKED, with the host's response code);
    ``attempts`` > 0 makes the next send a repeat (0221).
    """

    id: int
    transaction_id: int
    attempts: int
    status: ReversalStatus
    created_at: datetime
    last_attempt_at: datetime | None
    response_code: str | None


class MessageDirection(StrEnum):
    """Direction of a journaled message, seen from the terminal."""

    OUT = "out"
    IN = "in"


def masked_pan(pan: str) -> str:
    """Return ``pan`` with all but its first 6 and last 4 digits replaced by ``*``.

    The PAN must be 12 to 19 digits (ISO/IEC 7812 lengths used by payment
    cards); the error message never repeats the PAN.
    """
    if not isinstance(pan, str) or not pan.isascii() or not pan.isdigit():
        raise ValueError("PAN must be a string of digits")
    if not PAN_MIN_DIGITS <= len(pan) <= PAN_MAX_DIGITS:
        raise ValueError(f"PAN must be {PAN_MIN_DIGITS} to {PAN_MAX_DIGITS} digits, got {len(pan)}")
    return mask_pan(pan)


def _is_masked_pan(value: object) -> bool:
    """True when ``value`` looks like the output of :func:`masked_pan` (so it cannot be a full PAN)."""
    return (
        isinstance(value, str)
        and PAN_MIN_DIGITS <= len(value) <= PAN_MAX_DIGITS
        and _MASKED_PAN.fullmatch(value) is not None
    )


def _check_amount(amount: object) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive int of minor units, got {amount!r}")


def _is_digits(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and value.isascii() and value.isdigit()


@dataclass(frozen=True)
class NewTransaction:
    """What the terminal knows about a transaction before it is journaled and sent.

    ``original_id`` is the journal id of the sale a refund refers to (``None``
    for an unmatched refund), or of the sale or refund a void cancels.
    Validated on construction so that nothing malformed, and no full PAN,
    reaches the journal.
    """

    txn_type: TxnType
    amount: int
    currency: str
    masked_pan: str
    card_fingerprint: str
    card_brand: str
    entry_mode: str
    original_id: int | None
    reason_code: str | None
    processing_code: str
    mti: str
    original_rrn: str | None = None
    """An unmatched refund's original RRN as the cashier typed it (a matched one has ``original_id``)."""
    original_date: str | None = None
    """An unmatched refund's original date MMDD as the cashier typed it."""
    dcc: DccOffer | None = None
    """Dynamic currency conversion: the cardholder's currency, amount and rate (a sale's accepted offer; a
    refund's or void's conversion as the terminal expects it, replaced by the host's figures when it answers)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "txn_type", TxnType(self.txn_type))
        _check_amount(self.amount)
        if not _is_digits(self.currency, 3):
            raise ValueError(f"currency must be a 3-digit ISO 4217 numeric code, got {self.currency!r}")
        if not _is_masked_pan(self.masked_pan):
            raise ValueError("masked_pan must be first 6 + last 4 digits with '*' between (use masked_pan())")
        if not isinstance(self.card_fingerprint, str) or not _FINGERPRINT.fullmatch(self.card_fingerprint):
            raise ValueError("card_fingerprint must be 64 lower-case hex digits (use card_fingerprint())")
        for name in ("card_brand", "entry_mode"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if not _is_digits(self.processing_code, 6):
            raise ValueError(f"processing_code must be 6 digits, got {self.processing_code!r}")
        if not _is_digits(self.mti, 4):
            raise ValueError(f"mti must be 4 digits, got {self.mti!r}")
        if self.reason_code is not None and (not isinstance(self.reason_code, str) or not self.reason_code):
            raise ValueError(f"reason_code must be None or a non-empty string, got {self.reason_code!r}")
        if self.original_id is not None and (
            isinstance(self.original_id, bool) or not isinstance(self.original_id, int) or self.original_id <= 0
        ):
            raise ValueError(f"original_id must be None or a positive journal id, got {self.original_id!r}")
        if self.txn_type is TxnType.SALE and self.original_id is not None:
            raise ValueError("a sale has no original transaction")
        if self.txn_type is TxnType.VOID and self.original_id is None:
            raise ValueError("a void needs original_id, the transaction it cancels")

    def for_amount(self, amount: int) -> NewTransaction:
        """The same transaction for ``amount``: equal to the one the constructor makes from the same values,
        with only the amount checked (the rest was checked when ``self`` was made, and a frozen value cannot
        have changed since). A light load terminal's requests differ only in their amount: it checks the
        dozen other fields of each once (:class:`simulator.load.terminal.LightTerminal`)."""
        _check_amount(amount)
        new = object.__new__(NewTransaction)
        new.__dict__.update(self.__dict__, amount=amount)
        return new


@dataclass(frozen=True)
class TransactionRecord:
    """A journaled transaction, as stored.

    ``transmitted_at`` is when the request was built (source of DE 7/12/13);
    ``voided_by`` is the id of the approved void that cancelled it, if any;
    ``host_data`` holds what the host reported beyond the ISO fields (for a
    refund: credit channel, expected credit date).
    """

    id: int
    invoice: int
    stan: int
    batch: int
    txn_type: TxnType
    status: TxnStatus
    amount: int
    currency: str
    masked_pan: str
    card_fingerprint: str
    card_brand: str
    entry_mode: str
    processing_code: str
    mti: str
    original_id: int | None
    reason_code: str | None
    rrn: str | None
    auth_code: str | None
    response_code: str | None
    voided_by: int | None
    transmitted_at: datetime
    created_at: datetime
    updated_at: datetime
    host_data: dict[str, Any] = field(hash=False)
    original_rrn: str | None = None
    """An unmatched refund's original RRN as the cashier typed it (a matched one has ``original_id``)."""
    original_date: str | None = None
    """An unmatched refund's original date MMDD as the cashier typed it."""
    dcc: DccOffer | None = None
    """Dynamic currency conversion (None: the cardholder paid in the transaction's own currency)."""

    @property
    def is_voided(self) -> bool:
        """True when an approved void cancelled this transaction."""
        return self.voided_by is not None

    @classmethod
    def pending(cls, new: NewTransaction, *, id: int, invoice: int, stan: int, batch: int,  # noqa: A002 - the field's name
                at: datetime) -> TransactionRecord:
        """The record of ``new`` just begun: PENDING, sent at ``at``, nothing answered yet (a terminal state that
        keeps its records in memory makes one per request: :class:`~pos_terminal.flows.memory.MemoryState`).

        Equal to the record the generated ``__init__`` makes from the same values, made without it: a record has
        no checks of its own (``new`` was checked when it was made), and setting 27 attributes of a frozen
        dataclass one ``object.__setattr__`` at a time is a measurable part of a load terminal's sale."""
        record = object.__new__(cls)
        record.__dict__.update(
            id=id, invoice=invoice, stan=stan, batch=batch, txn_type=new.txn_type, status=TxnStatus.PENDING,
            amount=new.amount, currency=new.currency, masked_pan=new.masked_pan,
            card_fingerprint=new.card_fingerprint, card_brand=new.card_brand, entry_mode=new.entry_mode,
            processing_code=new.processing_code, mti=new.mti, original_id=new.original_id,
            reason_code=new.reason_code, rrn=None, auth_code=None, response_code=None, voided_by=None,
            transmitted_at=at, created_at=at, updated_at=at, host_data={}, original_rrn=new.original_rrn,
            original_date=new.original_date, dcc=new.dcc,
        )
        return record


@dataclass(frozen=True)
class ReversalRecord:
    """A reversal owed to the host for a transaction whose outcome is unknown (or must be undone).

    ``stan``, ``transmitted_at`` and ``amount`` are the original request's, as
    the reversal message (DE 90 original data elements) needs them.
    """

    id: int
    transaction_id: int
    stan: int
    transmitted_at: datetime
    amount: int
    attempts: int
    status: ReversalStatus
    created_at: datetime
    last_attempt_at: datetime | None
    response_code: str | None


@dataclass(frozen=True)
class MessageRecord:
    """One ISO 8583 message sent or received, with its masked, human-readable dump."""

    id: int
    transaction_id: int | None
    direction: MessageDirection
    mti: str
    stan: int | None
    at: datetime
    dump: str


@dataclass(frozen=True)
class EventRecord:
    """A state change of note for the audit trail (sign-on, key change, supervisor lockout...)."""

    id: int
    kind: str
    detail: dict[str, Any] = field(hash=False)
    at: datetime
