"""The host journal's record types: messages, transactions, ledger movements, uploads, settlements.

Plain immutable values shared by the journal (which stores them), the host logic (which decides
on them) and the report (which shows them). PANs appear only masked, and as an HMAC fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from protocols.iso87 import BatchTotals


class Status(StrEnum):
    """What became of a transaction."""

    APPROVED = "approved"
    DECLINED = "declined"
    REVERSED = "reversed"
    VOIDED = "voided"


class Direction(StrEnum):
    """A ledger movement from the cardholder's point of view."""

    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def opposite(self) -> Direction:
        return Direction.CREDIT if self is Direction.DEBIT else Direction.DEBIT


class Cause(StrEnum):
    """Why money moved."""

    SALE = "sale"
    REFUND = "refund"
    REVERSAL = "reversal"
    VOID = "void"


@dataclass(frozen=True)
class HostTransaction:
    """One row of ``transactions``; ``id`` is None until inserted."""

    time: str
    terminal_id: str
    stan: str
    transmission_time: str
    mti: str
    response_code: str
    status: Status
    local_date: str | None = None
    processing_code: str | None = None
    amount: int | None = None
    currency: str | None = None
    masked_pan: str | None = None
    card_fingerprint: str | None = None
    rrn: str | None = None
    auth_code: str | None = None
    original_id: int | None = None
    original_rrn: str | None = None
    reason: str | None = None
    credit_channel: str | None = None
    credit_date: str | None = None
    invoice: str | None = None
    batch: str | None = None
    note: str | None = None
    """Why the host declined it, when a rule of its own did (e.g. an anti-fraud rule's name)."""
    cross_border: bool | None = None
    """The card's issuer country is not the terminal's (None: not known, e.g. a journal of an older possim)."""
    dcc_currency: str | None = None
    """Dynamic currency conversion: the cardholder billing currency (DE 51), ISO 4217 numeric."""
    dcc_amount: int | None = None
    """The cardholder billing amount (DE 6), minor units of ``dcc_currency``."""
    dcc_rate: str | None = None
    """The conversion rate as DE 10 carries it (n 8: decimal places, then 7 digits; docs/protocol.md)."""
    dcc_markup: str | None = None
    """The markup over the reference rate, percent (``"3.50"``)."""
    dcc_provider: str | None = None
    """Who quoted the rate (the ``[dcc]`` provider ID)."""
    id: int | None = None

    @property
    def is_dcc(self) -> bool:
        """True when the cardholder paid (or was refunded) in the billing currency by DCC."""
        return self.dcc_currency is not None and self.dcc_amount is not None


@dataclass(frozen=True)
class LedgerEntry:
    """One row of ``ledger``."""

    id: int
    time: str
    transaction_id: int
    terminal_id: str
    direction: Direction
    cause: Cause
    amount: int
    currency: str | None
    counter_of: int | None
    billing_amount: int | None = None
    """A DCC movement's amount in the cardholder's billing currency (the same money, both currencies)."""
    billing_currency: str | None = None


@dataclass(frozen=True)
class UploadRecord:
    """One transaction of a batch upload (0320), as the terminal described it."""

    terminal_id: str
    batch: int
    rrn: str
    processing_code: str
    amount: int
    voided: bool
    time: str
    currency: str | None = None
    stan: str | None = None
    local_date: str | None = None
    local_time: str | None = None
    auth_code: str | None = None
    invoice: str | None = None


class SettlementBasis(StrEnum):
    """What the host compared the terminal's totals with."""

    JOURNAL = "journal"
    """Its own journal (0500 with DE 3 = 920000)."""
    UPLOAD = "upload"
    """The batch upload (0500 with DE 3 = 960000)."""
    RULE = "rule"
    """Nothing: a scripted rule answered."""


@dataclass(frozen=True)
class SettlementRecord:
    """One answered settlement request; ``id`` is None until inserted."""

    time: str
    terminal_id: str
    batch: int | None
    stan: str
    transmission_time: str
    response_code: str
    basis: SettlementBasis
    processing_code: str | None = None
    terminal_totals: BatchTotals | None = None
    host_totals: BatchTotals | None = None
    id: int | None = None

    @property
    def settled(self) -> bool:
        """True when the host agreed (the batch is closed)."""
        return self.response_code == "00"


class JournalMessage(NamedTuple):
    """One message in or out as the journal's ``messages`` table keeps it (its frame is sealed when written)."""

    time: datetime
    peer: str
    direction: str
    terminal_id: str | None = None
    stan: str | None = None
    mti: str | None = None
    frame: bytes | None = None
    note: str | None = None


@dataclass(frozen=True)
class StoredResponse:
    """An answered request's response bytes and the digest of the request it answered."""

    request_digest: str
    response: bytes



REFUND_MTIS = ("0200", "0220")
"""The transaction MTIs a refund (processing code 200000) is journaled under: online, advice."""


@lru_cache(maxsize=64)
def iso_time(moment: datetime) -> str:
    """UTC ISO 8601, the journal's time format. (Memoised: one request writes the same moment in
    four or five rows.)"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")

