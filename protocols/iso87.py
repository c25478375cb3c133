"""The terminal-to-host protocol shared by the terminal and the host emulator.

Message types, processing codes, response codes, the DE 63 additional-data
tags and the date/time fields, as ``docs/protocol.md`` describes them. Field
meanings follow ISO 8583:1987; the representation is the dialect's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from emv.cards import EntryMode
from iso8583.message import Message


class Mti(StrEnum):
    """Message type indicators (ISO 8583:1987 section 4.1)."""

    FINANCIAL_REQUEST = "0200"
    FINANCIAL_RESPONSE = "0210"
    ADVICE = "0220"
    ADVICE_REPEAT = "0221"
    ADVICE_RESPONSE = "0230"
    BATCH_UPLOAD = "0320"
    BATCH_UPLOAD_RESPONSE = "0330"
    REVERSAL = "0400"
    REVERSAL_REPEAT = "0401"
    REVERSAL_RESPONSE = "0410"
    SETTLEMENT = "0500"
    SETTLEMENT_RESPONSE = "0510"
    ADMINISTRATIVE = "0600"
    ADMINISTRATIVE_RESPONSE = "0610"
    NETWORK = "0800"
    NETWORK_RESPONSE = "0810"


def response_mti(request_mti: str) -> str:
    """The response class of a request: 0200 -> 0210, 0401 -> 0410 (repeats answer as originals)."""
    known = _RESPONSE_MTIS.get(request_mti)  # the MTIs of this module, worked out once
    return known if known is not None else _response_class(request_mti)


def _response_class(request_mti: str) -> str:
    if len(request_mti) != 4 or not request_mti.isdigit():
        raise ValueError(f"MTI {request_mti!r} is not 4 digits")
    return request_mti[:2] + str(int(request_mti[2]) + 1) + "0"


_RESPONSE_MTIS: dict[str, str] = {mti.value: _response_class(mti.value) for mti in Mti}
"""The response class of every :class:`Mti` (read-only after import)."""


class ProcessingCode(StrEnum):
    """DE 3: transaction type (2 digits), from-account and to-account (2 + 2)."""

    PURCHASE = "000000"
    REFUND = "200000"
    VOID_SALE = "020000"
    VOID_REFUND = "220000"
    SETTLEMENT = "920000"
    SETTLEMENT_AFTER_UPLOAD = "960000"
    STATUS_INQUIRY = "900000"
    """0600: where is this refund's money? (private-use transaction type 90, docs/protocol.md)."""
    DCC_RATE_INQUIRY = "910000"
    """0600: what would this sale be in the card's billing currency? (private-use type 91, docs/protocol.md)."""


class NetworkCode(StrEnum):
    """DE 70 network management information codes."""

    SIGN_ON = "001"
    KEY_CHANGE = "101"
    ECHO = "301"


class ResponseCode(StrEnum):
    """DE 39 codes used by the host emulator (ISO 8583:1987 Annex A, as acquirers use them)."""

    APPROVED = "00"
    INVALID_MERCHANT = "03"
    DO_NOT_HONOUR = "05"
    INVALID_TRANSACTION = "12"
    INVALID_AMOUNT = "13"
    INVALID_CARD = "14"
    ORIGINAL_NOT_FOUND = "25"
    FORMAT_ERROR = "30"
    INCORRECT_PIN = "55"
    NOT_PERMITTED = "57"
    EXCEEDS_AMOUNT_LIMIT = "61"
    SECURITY_VIOLATION = "63"
    EXCEEDS_FREQUENCY_LIMIT = "65"
    CRYPTOGRAM_FAILED = "82"
    DUPLICATE = "94"
    RECONCILIATION_ERROR = "95"
    SYSTEM_MALFUNCTION = "96"


RESPONSE_TEXT: dict[str, str] = {
    "00": "APPROVED",
    "03": "INVALID MERCHANT",
    "05": "DO NOT HONOUR",
    "12": "INVALID TRANSACTION",
    "13": "INVALID AMOUNT",
    "14": "INVALID CARD",
    "25": "ORIGINAL NOT FOUND",
    "30": "FORMAT ERROR",
    "55": "INCORRECT PIN",
    "57": "NOT PERMITTED",
    "61": "EXCEEDS AMOUNT LIMIT",
    "63": "SECURITY VIOLATION",
    "65": "EXCEEDS FREQUENCY LIMIT",
    "82": "CARD CRYPTOGRAM FAILED",
    "94": "DUPLICATE",
    "95": "RECONCILE ERROR",
    "96": "SYSTEM ERROR",
}


def response_text(code: str) -> str:
    """A short display text for a response code (the code itself when unknown)."""
    return RESPONSE_TEXT.get(code, f"DECLINED {code}")


_POS_ENTRY_MODES = {
    EntryMode.CHIP: "051",
    EntryMode.CONTACTLESS: "071",
    EntryMode.SWIPE: "901",
    EntryMode.MANUAL: "011",
}


def pos_entry_mode(entry: EntryMode) -> str:
    """DE 22: PAN entry 05 ICC, 07 contactless ICC, 90 full magnetic stripe, 01 manual; then 1 = PIN capable."""
    return _POS_ENTRY_MODES[EntryMode(entry)]


def transmission_datetime(moment: datetime) -> str:
    """DE 7: MMDDhhmmss in UTC."""
    utc = moment.astimezone(UTC)
    return f"{utc.month:02d}{utc.day:02d}{utc.hour:02d}{utc.minute:02d}{utc.second:02d}"


def local_time(moment: datetime) -> str:
    """DE 12: hhmmss (the terminal's clock is UTC: one time base for journal and messages)."""
    utc = moment.astimezone(UTC)
    return f"{utc.hour:02d}{utc.minute:02d}{utc.second:02d}"


def local_date(moment: datetime) -> str:
    """DE 13: MMDD."""
    utc = moment.astimezone(UTC)
    return f"{utc.month:02d}{utc.day:02d}"


def original_data_elements(mti: str, stan: int, moment: datetime) -> str:
    """DE 90 (n 42): original MTI, STAN, DE 7, and 22 zeros (acquirer and forwarding IDs unused)."""
    return f"{mti}{stan:06d}{transmission_datetime(moment)}" + "0" * 22


def parse_original_data_elements(value: str) -> tuple[str, int, str]:
    """Split DE 90 into the original MTI, STAN and DE 7."""
    if len(value) != 42 or not value.isdigit():
        raise ValueError("DE 90: expected 42 digits")
    return value[:4], int(value[4:10]), value[10:20]


def mac_field(message: Message) -> int:
    """DE 64 when the message has no field above 64, else DE 128 (ISO 8583:1987 section 4.3)."""
    for number in message.fields:
        if number > 64 and number != 128:
            return 128
    return 64


class TotalsKind(StrEnum):
    """What a batch transaction counts as in the settlement totals (docs/protocol.md, Settlement)."""

    DEBIT = "debit"
    """An approved sale."""
    CREDIT = "credit"
    """An approved refund (advices included)."""
    DEBIT_REVERSAL = "debit_reversal"
    """An approved void of a sale."""
    CREDIT_REVERSAL = "credit_reversal"
    """An approved void of a refund."""


_TOTALS_FIELDS: dict[TotalsKind, tuple[int, int]] = {
    TotalsKind.CREDIT: (74, 86),
    TotalsKind.CREDIT_REVERSAL: (75, 87),
    TotalsKind.DEBIT: (76, 88),
    TotalsKind.DEBIT_REVERSAL: (77, 89),
}
"""ISO 8583:1987 reconciliation fields: (number, amount) for each kind."""


@dataclass(frozen=True)
class BatchTotals:
    """Counts and amounts (minor units) of a batch, as DE 74-77 and 86-89 carry them."""

    counts: tuple[tuple[TotalsKind, int, int], ...] = ()

    @classmethod
    def of(cls, entries: Iterable[tuple[TotalsKind, int]]) -> BatchTotals:
        """Totals of ``(kind, amount)`` entries."""
        sums = {kind: [0, 0] for kind in TotalsKind}
        for kind, amount in entries:
            sums[TotalsKind(kind)][0] += 1
            sums[TotalsKind(kind)][1] += amount
        return cls(tuple((kind, count, amount) for kind, (count, amount) in sums.items()))

    def count(self, kind: TotalsKind) -> int:
        return next((count for k, count, _ in self.counts if k is kind), 0)

    def amount(self, kind: TotalsKind) -> int:
        return next((amount for k, _, amount in self.counts if k is kind), 0)

    def to_fields(self) -> dict[int, str]:
        """DE 74-77 (n 10) and 86-89 (n 16)."""
        fields: dict[int, str] = {}
        for kind, (count_field, amount_field) in _TOTALS_FIELDS.items():
            fields[count_field] = f"{self.count(kind):010d}"
            fields[amount_field] = f"{self.amount(kind):016d}"
        return fields

    @classmethod
    def from_message(cls, message: Message) -> BatchTotals:
        """Read DE 74-77 and 86-89; a missing field counts as zero."""
        counts = []
        for kind in TotalsKind:
            count_field, amount_field = _TOTALS_FIELDS[kind]
            count, amount = message.get(count_field, "0"), message.get(amount_field, "0")
            if not (isinstance(count, str) and count.isdigit() and isinstance(amount, str) and amount.isdigit()):
                raise ValueError(f"DE {count_field}/{amount_field}: settlement totals must be digits")
            counts.append((kind, int(count), int(amount)))
        return cls(tuple(counts))

    def to_json(self) -> dict[str, dict[str, int]]:
        return {kind.value: {"count": self.count(kind), "amount": self.amount(kind)} for kind in TotalsKind}
