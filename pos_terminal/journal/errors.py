"""The journal's one error type, and the money rules it names when it refuses a refund or a void."""

from __future__ import annotations

from enum import StrEnum


class MoneyRule(StrEnum):
    """Which of the journal's money rules refused a refund or a void (:meth:`Journal.check_original`)."""

    ORIGINAL_NOT_APPROVED = "original_not_approved"
    ORIGINAL_VOIDED = "original_voided"
    VOID_PENDING = "void_pending"
    CURRENCY = "currency"
    NOT_REFUNDABLE = "not_refundable"
    OVER_REMAINDER = "over_remainder"
    NOT_VOIDABLE = "not_voidable"
    CLOSED_BATCH = "closed_batch"
    AMOUNT_DIFFERS = "amount_differs"
    SALE_HAS_REFUNDS = "sale_has_refunds"


class JournalError(RuntimeError):
    """The journal cannot do what was asked: unknown row, forbidden state change, unreadable file.

    Messages name the journal file and the row; they never contain card data. ``rule`` names the money
    rule that refused a refund or a void (None for every other error), so that callers decide on it
    rather than on the wording.
    """

    def __init__(self, message: str, rule: MoneyRule | None = None) -> None:
        super().__init__(message)
        self.rule = rule


def journal_reason(error: Exception) -> str:
    """The journal's refusal without its file path prefix (the cashier does not need it)."""
    text = str(error)
    return text.split(": ", 1)[1] if text.startswith("journal ") and ": " in text else text


class AmbiguousLookup(JournalError):
    """More than one transaction matches a look-up: the caller asks for what tells them apart.

    ``where`` is what was looked up (``RRN 000000000002``), ``invoices`` the matching invoice numbers.
    """

    def __init__(self, message: str, where: str, invoices: tuple[int, ...]) -> None:
        super().__init__(message)
        self.where = where
        self.invoices = invoices
