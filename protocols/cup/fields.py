"""The CUP POS sub-fields of DE 60, 61, 53 and 48, as records with an encoder and a decoder.

Each record's ``encode()`` gives the field value the ``cup-pos`` dialect carries (a digit
string; the dialect packs it BCD), and ``decode(value)`` reads one back, with
:class:`~protocols.cup.errors.CupFieldError` naming the sub-field and digit offset of a fault.
Layouts follow the CUP POS terminal field description (中国银联 POS 终端消息域说明) as
docs/dialects.md "cup-pos" sets out, with the choices where descriptions differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from protocols.cup.digits import DigitLayout, Part, number_to_digits
from protocols.cup.errors import CupFieldError

# -- DE 60: transaction type, batch, network management information -------------------------------

_DE60 = DigitLayout(60, (
    Part("60.1", "transaction type code", 2),
    Part("60.2", "batch number", 6),
    Part("60.3", "network management information code", 3),
    Part("60.4", "terminal read capability", 1),
    Part("60.5", "IC card condition code", 1),
    Part("60.6", "partial approval and balance return flag", 1),
), required=2, tail=True)


@dataclass(frozen=True)
class Field60:
    """DE 60 (n..LLLVAR): 60.1 transaction type n2, 60.2 batch n6, 60.3 network management n3,
    60.4 terminal read capability n1, 60.5 IC condition code n1, 60.6 partial approval flag n1.

    Sub-fields after 60.2 are optional but positional: one may only be present when all
    before it are. ``extension`` keeps, as sent, any digits after 60.6 (later editions
    of the specification and some acquirers add sub-fields there).
    """

    transaction_type: str
    batch_number: str
    network_management_code: str | None = None
    terminal_read_capability: str | None = None
    ic_condition_code: str | None = None
    partial_approval: str | None = None
    extension: str = ""

    def encode(self) -> str:
        """The DE 60 digit string."""
        return _DE60.join((self.transaction_type, self.batch_number, self.network_management_code,
                           self.terminal_read_capability, self.ic_condition_code, self.partial_approval),
                          self.extension)

    @classmethod
    def decode(cls, value: str) -> Field60:
        """The sub-fields of the DE 60 digit string ``value``."""
        parts, extension = _DE60.split(value)
        optional: list[str | None] = [*parts[2:], *([None] * (6 - len(parts)))]
        return cls(parts[0], parts[1], *optional, extension=extension)


# -- DE 61: the original transaction -------------------------------------------------------------

_DE61 = DigitLayout(61, (
    Part("61.1", "original batch number", 6),
    Part("61.2", "original POS voucher number", 6),
    Part("61.3", "original transaction date MMDD", 4),
    Part("61.4", "original authorization method", 2),
    Part("61.5", "original authorizing institution", 11),
), required=2)


def _check_mmdd(field: int, label: str, offset: int, value: str) -> None:
    month, day = int(value[:2]), int(value[2:])
    if not 1 <= month <= 12:
        raise CupFieldError(field, label, offset, f"month {value[:2]} is not 01-12")
    if not 1 <= day <= 31:
        raise CupFieldError(field, label, offset + 2, f"day {value[2:]} is not 01-31")


@dataclass(frozen=True)
class Field61:
    """DE 61 (n..029 LLLVAR), original message data: 61.1 original batch n6, 61.2 original
    POS voucher (trace) number n6, 61.3 original date MMDD n4, 61.4 original authorization
    method n2, 61.5 original authorizing institution n11.

    A void sends 61.1 and 61.2; a refund also 61.3 (its original may be from another day).
    """

    original_batch: str
    original_voucher: str
    original_date: str | None = None
    original_authorization_method: str | None = None
    original_authorizing_institution: str | None = None

    def encode(self) -> str:
        """The DE 61 digit string."""
        value = _DE61.join((self.original_batch, self.original_voucher, self.original_date,
                            self.original_authorization_method, self.original_authorizing_institution))
        if self.original_date is not None:
            _check_mmdd(61, "61.3", 12, self.original_date)
        return value

    @classmethod
    def decode(cls, value: str) -> Field61:
        """The sub-fields of the DE 61 digit string ``value``."""
        parts, _ = _DE61.split(value)
        if len(parts) > 2:
            _check_mmdd(61, "61.3", 12, parts[2])
        return cls(*parts)  # type: ignore[arg-type]


# -- DE 53: security related control information -------------------------------------------------


class PinBlockMethod(str, Enum):
    """53.1: how the PIN block is formed (ANSI X9.8)."""

    WITHOUT_PAN = "1"
    """ANSI X9.8 format without the PAN: the PIN field alone."""
    WITH_PAN = "2"
    """ANSI X9.8 format with the PAN: ISO 9564-1 format 0."""


class PinEncryption(str, Enum):
    """53.2: the algorithm that enciphers the PIN block under the PIK."""

    DES = "0"
    """Single DES, single-length PIK."""
    TDES = "6"
    """Two-key TDES, double-length PIK."""


_DE53 = DigitLayout(53, (
    Part("53.1", "PIN block method", 1),
    Part("53.2", "encryption algorithm", 1),
    Part("53.3", "track data encryption flag", 1),
    Part("53.4", "reserved", 13),
), required=4)


@dataclass(frozen=True)
class SecurityControl:
    """DE 53 (n16): 53.1 PIN block method, 53.2 encryption algorithm, 53.3 track data
    encrypted (0/1), 53.4 reserved (13 zeros). ``2600000000000000`` is ISO format 0 under a
    double-length PIK with clear tracks, the value of the public CUP frames."""

    pin_method: PinBlockMethod = PinBlockMethod.WITH_PAN
    encryption: PinEncryption = PinEncryption.TDES
    track_encrypted: bool = False
    reserved: str = "0" * 13

    def encode(self) -> str:
        """The 16 DE 53 digits."""
        return _DE53.join((PinBlockMethod(self.pin_method).value, PinEncryption(self.encryption).value,
                           "1" if self.track_encrypted else "0", self.reserved))

    @classmethod
    def decode(cls, value: str) -> SecurityControl:
        """The sub-fields of the 16 DE 53 digits ``value``."""
        parts, _ = _DE53.split(value)
        method, algorithm, track, reserved = parts
        try:
            pin_method = PinBlockMethod(method)
        except ValueError:
            raise CupFieldError(53, "53.1", 0, f"PIN block method {method} is not 1 or 2") from None
        try:
            encryption = PinEncryption(algorithm)
        except ValueError:
            raise CupFieldError(53, "53.2", 1, f"encryption algorithm {algorithm} is not 0 (DES) or 6 (TDES)") from None
        if track not in ("0", "1"):
            raise CupFieldError(53, "53.3", 2, f"track data encryption flag {track} is not 0 or 1")
        return cls(pin_method, encryption, track == "1", reserved)


# -- DE 48: settlement totals --------------------------------------------------------------------


class ReconciliationResult(str, Enum):
    """The reconciliation result code closing each half of DE 48 (对账应答代码)."""

    NOT_RECONCILED = "0"
    """What the terminal sends: the host has not compared yet."""
    BALANCED = "1"
    """The host's totals agree (对账平)."""
    UNBALANCED = "2"
    """The host's totals differ: the terminal uploads its batch (对账不平)."""
    ERROR = "3"
    """The host could not reconcile (对账出错)."""


_TOTALS_PARTS = (("debit amount", 12), ("debit count", 3), ("credit amount", 12), ("credit count", 3),
                 ("reconciliation result code", 1))
TOTALS_DIGITS = sum(width for _, width in _TOTALS_PARTS)
"""31 digits per card group."""


@dataclass(frozen=True)
class CardTotals:
    """Totals of one card group in DE 48: amounts in minor units (fen), counts of transactions.

    Debits are sales and completions less their voids; credits are refunds (and other
    transactions that give money back to the cardholder).
    """

    debit_amount: int = 0
    debit_count: int = 0
    credit_amount: int = 0
    credit_count: int = 0
    result: ReconciliationResult = ReconciliationResult.NOT_RECONCILED

    def encode(self, group: str, offset: int) -> str:
        """The 31 digits of this group; ``group`` ("domestic", "foreign") and ``offset`` place errors."""
        numbers = (self.debit_amount, self.debit_count, self.credit_amount, self.credit_count)
        digits = []
        for (name, width), number in zip(_TOTALS_PARTS[:-1], numbers, strict=True):
            digits.append(number_to_digits(48, f"48 {group} {name}", offset, number, width))
            offset += width
        return "".join(digits) + ReconciliationResult(self.result).value

    @classmethod
    def decode(cls, value: str, group: str, offset: int) -> CardTotals:
        """The totals in the 31 digits ``value`` found at ``offset`` of DE 48."""
        numbers = []
        start = 0
        for _name, width in _TOTALS_PARTS[:-1]:
            numbers.append(int(value[start:start + width]))
            start += width
        code = value[start]
        try:
            result = ReconciliationResult(code)
        except ValueError:
            raise CupFieldError(48, f"48 {group} reconciliation result code", offset + start,
                                f"{code} is not 0, 1, 2 or 3") from None
        return cls(*numbers, result=result)


@dataclass(frozen=True)
class SettlementTotals:
    """DE 48 of the settlement 0500/0510 (n..322 LLLVAR): domestic card (内卡) totals, then
    foreign card (外卡) totals, 31 digits each: debit amount n12, debit count n3, credit
    amount n12, credit count n3, reconciliation result code n1.

    ``foreign`` None means the 31-digit form some hosts use with domestic totals only.
    """

    domestic: CardTotals
    foreign: CardTotals | None = CardTotals()

    def encode(self) -> str:
        """The DE 48 digit string (62 digits, or 31 without foreign totals)."""
        value = self.domestic.encode("domestic", 0)
        if self.foreign is not None:
            value += self.foreign.encode("foreign", TOTALS_DIGITS)
        return value

    @classmethod
    def decode(cls, value: str) -> SettlementTotals:
        """The totals in the DE 48 digit string ``value`` (62 or 31 digits)."""
        if not isinstance(value, str):
            raise CupFieldError(48, "48", 0, f"expected a digit string, got {type(value).__name__}")
        for index, char in enumerate(value):
            if not ("0" <= char <= "9"):
                raise CupFieldError(48, "48", index, "not a digit")
        if len(value) not in (TOTALS_DIGITS, 2 * TOTALS_DIGITS):
            raise CupFieldError(48, "48", 0, f"{len(value)} digits, expected {2 * TOTALS_DIGITS} "
                                             f"(domestic and foreign totals) or {TOTALS_DIGITS}")
        domestic = CardTotals.decode(value[:TOTALS_DIGITS], "domestic", 0)
        foreign = (CardTotals.decode(value[TOTALS_DIGITS:], "foreign", TOTALS_DIGITS)
                   if len(value) > TOTALS_DIGITS else None)
        return cls(domestic, foreign)
