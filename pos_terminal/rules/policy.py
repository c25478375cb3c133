"""The terminal's refund and void policy: every rule checked before anything is journaled or sent.

Each refusal is a :class:`~pos_terminal.engine.core.TerminalRefusal` (exit 1 on the command line) whose
message names the rule (the ``terminal.toml`` key where there is one) and shows money as the
cashier reads it (``USD 10.00``):

* ``max_refund_amount``: the largest single refund;
* ``refund_max_age_days``: the oldest original sale a refund may refer to (older ones need a
  manual adjustment at the acquirer);
* ``max_refunds_per_card_per_day``: refunds to one card in one UTC day (pending and offline ones
  count; declined, reversed and voided ones do not);
* a matched refund's original is an approved, non-voided sale of the same card, and the amount is
  at most what is left to refund;
* a void cancels a sale or refund of the open batch, for its full amount (the journal enforces
  both again inside its commit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pos_terminal.state.config import TerminalConfig
from pos_terminal.common.failures import TerminalRefusal
from pos_terminal.journal.errors import journal_reason
from pos_terminal.journal import Journal, JournalError
from protocols.money import format_amount
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

__all__ = ["check_refund", "check_void_original", "find_refund_original"]


def find_refund_original(
    journal: Journal, config: TerminalConfig, *, invoice: int | None, rrn: str | None, local_date: str | None
) -> TransactionRecord | None:
    """The journaled sale a refund names (by invoice, or RRN and date); None for an allowed unmatched refund."""
    if invoice is not None:
        try:
            original = journal.find_by_invoice(invoice)
        except JournalError as error:
            raise TerminalRefusal(f"invoice {invoice:06d}: {journal_reason(error)}",
                              ("INVOICE IS AMBIGUOUS", "USE THE RRN")) from None
        if original is None:
            raise TerminalRefusal(f"no transaction with invoice {invoice:06d} in the journal",
                                  (f"INVOICE {invoice:06d}", "NOT FOUND"))
        return original
    if rrn:
        try:
            original = journal.find_by_rrn(rrn, local_date)
            undated = journal.find_by_rrn(rrn) if original is None and local_date is not None else None
        except (ValueError, JournalError) as error:
            raise TerminalRefusal(f"original RRN {rrn}: {journal_reason(error)}", ("RRN IS AMBIGUOUS", "GIVE THE DATE")) from None
        if undated is not None:
            raise TerminalRefusal(f"original RRN {rrn} is in the journal, sent on "
                                  f"{undated.transmitted_at:%m%d}, not on {local_date} (--original-date)",
                                  ("WRONG ORIGINAL DATE", f"SALE WAS ON {undated.transmitted_at:%m%d}"))
        if original is None and not config.allow_unmatched_refunds:
            raise TerminalRefusal(f"original RRN {rrn} is not in this terminal's journal (a refund without its "
                                  "original needs allow_unmatched_refunds = true in terminal.toml, and in host.toml "
                                  "for this terminal on the host)", ("ORIGINAL NOT FOUND", "CHECK RRN AND DATE"))
        return original
    if not config.allow_unmatched_refunds:
        raise TerminalRefusal("unmatched refunds are not allowed: give the original RRN or invoice "
                              "(or set allow_unmatched_refunds = true in terminal.toml and host.toml)",
                              ("ORIGINAL NEEDED", "GIVE RRN OR INVOICE"))
    return None


def check_refund(
    journal: Journal, config: TerminalConfig, *, amount: int, card_fingerprint: str,
    matches: Callable[[TransactionRecord], bool], original: TransactionRecord | None, has_pin: bool, now: datetime,
) -> None:
    """Every terminal rule for a refund of ``amount`` to the card ``card_fingerprint`` (see the module docstring)."""
    money = config.currency
    if amount > config.max_refund_amount:
        raise TerminalRefusal(f"refund policy max_refund_amount: {format_amount(amount, money)} is above the "
                              f"terminal's single-refund limit {format_amount(config.max_refund_amount, money)}",
                              ("OVER REFUND LIMIT", f"MAX {format_amount(config.max_refund_amount, money)}"))
    if config.pin_on_refund and not has_pin:
        raise TerminalRefusal("refund policy pin_on_refund: this terminal asks the PIN on refunds and none was entered",
                              ("PIN REQUIRED", "FOR REFUNDS"))
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    done = journal.refunds_to_card_since(card_fingerprint, today)
    if done >= config.max_refunds_per_card_per_day:
        raise TerminalRefusal(f"refund policy max_refunds_per_card_per_day: this card already had {done} refunds "
                              f"today (limit {config.max_refunds_per_card_per_day})",
                              ("TOO MANY REFUNDS", "TO THIS CARD TODAY"))
    if original is None:
        return
    if original.txn_type is not TxnType.SALE or original.status is not TxnStatus.APPROVED or original.is_voided:
        raise TerminalRefusal(f"invoice {original.invoice:06d} is not an approved sale: nothing to refund",
                              (f"INVOICE {original.invoice:06d}", "NOT A REFUNDABLE SALE"))
    age = now - original.transmitted_at
    if age > timedelta(days=config.refund_max_age_days):
        raise TerminalRefusal(f"refund policy refund_max_age_days: the original sale is {age.days} days old "
                              f"(limit {config.refund_max_age_days}); an older sale needs a manual adjustment",
                              (f"SALE TOO OLD: {age.days}D", "CALL THE ACQUIRER"))
    if not matches(original):
        raise TerminalRefusal("card does not match the original sale's card", ("NOT THE SALE'S CARD", "USE THE SAME CARD"))
    remaining = journal.refundable_remaining(original.id)
    if amount > remaining:
        raise TerminalRefusal(f"amount {format_amount(amount, money)} exceeds the refundable remainder "
                              f"{format_amount(remaining, original.currency)} of invoice {original.invoice:06d}",
                              ("OVER THE REMAINDER", f"LEFT {format_amount(remaining, original.currency)}"))


def check_void_original(journal: Journal, invoice: int) -> TransactionRecord:
    """The open batch's approved, non-voided sale or refund with ``invoice`` (void policy: open batch, full amount)."""
    batch = journal.current_batch()
    original = journal.find_by_invoice(invoice, batch=batch)
    if original is None:
        try:
            elsewhere = journal.find_by_invoice(invoice)
        except JournalError:  # several batches have this invoice number: none of them is the open one
            elsewhere = None
        if elsewhere is not None:
            raise TerminalRefusal(f"void policy: invoice {invoice:06d} is in closed batch {elsewhere.batch:06d}; only "
                                  f"the open batch {batch:06d} can be voided (refund it instead)",
                                  ("BATCH CLOSED", "REFUND IT INSTEAD"))
        raise TerminalRefusal(f"invoice {invoice:06d} is not in the open batch", (f"INVOICE {invoice:06d}", "NOT FOUND"))
    if original.txn_type is TxnType.VOID or original.status is not TxnStatus.APPROVED:
        raise TerminalRefusal(f"invoice {invoice:06d} is a {original.status} {original.txn_type}: not voidable",
                              (f"INVOICE {invoice:06d}", "NOT VOIDABLE"))
    if original.is_voided:
        raise TerminalRefusal(f"invoice {invoice:06d} is already voided", (f"INVOICE {invoice:06d}", "ALREADY VOIDED"))
    return original
