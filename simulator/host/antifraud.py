"""The host's anti-fraud checks of a refund: the second line of defence behind the terminal's policy.

Each check returns the response code and the rule's name (journaled as the decline's note, so a
report shows which rule refused it); docs/protocol.md lists the codes:

* currency differs from the original sale's -> 13 (the amount is not an amount of that sale)
* card differs from the original sale's card -> 14
* the original is older than ``max_original_age_days`` business days -> 57
* refunds to this card today (all terminals) reach ``max_refunds_per_card_per_day`` -> 65
* refunds of this terminal today reach ``max_refunds_per_terminal_per_day`` -> 65
* refunds of this terminal today would exceed ``max_refund_amount_per_terminal_per_day`` -> 61
* refunds would exceed the original amount (in the original's currency) -> 13 (checked by the caller)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from protocols.iso87 import ResponseCode
from simulator.host.config import RefundPolicy
from simulator.host.journal import HostJournal
from simulator.host.records import HostTransaction

__all__ = ["Refusal", "check_against_original", "check_velocity"]


@dataclass(frozen=True)
class Refusal:
    """A refund the host refuses: the response code and the rule that refused it."""

    code: str
    rule: str


def check_against_original(
    original: HostTransaction, *, currency: str | None, fingerprint: str | None, policy: RefundPolicy, today: date,
    dcc_currency: str | None = None,
) -> Refusal | None:
    """Currency, DCC indicator (DE 51), card and age of a matched refund's original sale."""
    if currency != original.currency:
        return Refusal(ResponseCode.INVALID_AMOUNT, f"currency {currency} differs from the original's {original.currency}")
    if dcc_currency != original.dcc_currency:
        if original.dcc_currency is None:
            return Refusal(ResponseCode.INVALID_AMOUNT, "the original was not a DCC sale: its refund carries no DE 51")
        return Refusal(ResponseCode.INVALID_AMOUNT,
                       f"the original was paid in {original.dcc_currency} by DCC: its refunds go back in that currency "
                       f"(DE 51 {original.dcc_currency}), not {'the merchant currency' if dcc_currency is None else dcc_currency}")
    if original.card_fingerprint != fingerprint:
        return Refusal(ResponseCode.INVALID_CARD, "card differs from the original sale's card")
    if policy.max_original_age_days:
        age = (today - datetime.fromisoformat(original.time).astimezone(UTC).date()).days
        if age > policy.max_original_age_days:
            return Refusal(ResponseCode.NOT_PERMITTED,
                           f"max_original_age_days: the original is {age} days old (limit {policy.max_original_age_days})")
    return None


def check_velocity(
    journal: HostJournal, *, terminal_id: str, fingerprint: str | None, amount: int, policy: RefundPolicy,
    now: datetime,
) -> Refusal | None:
    """Refunds per card and per terminal since the start of today (UTC), this one included."""
    day_start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    if policy.max_refunds_per_card_per_day and fingerprint is not None:
        count, _ = journal.count_refunds_since(day_start, card_fingerprint=fingerprint)
        if count >= policy.max_refunds_per_card_per_day:
            return Refusal(ResponseCode.EXCEEDS_FREQUENCY_LIMIT,
                           f"max_refunds_per_card_per_day: {count} refunds to this card today")
    if policy.max_refunds_per_terminal_per_day or policy.max_refund_amount_per_terminal_per_day:
        count, total = journal.count_refunds_since(day_start, terminal_id=terminal_id)
        if policy.max_refunds_per_terminal_per_day and count >= policy.max_refunds_per_terminal_per_day:
            return Refusal(ResponseCode.EXCEEDS_FREQUENCY_LIMIT,
                           f"max_refunds_per_terminal_per_day: {count} refunds of terminal {terminal_id} today")
        limit = policy.max_refund_amount_per_terminal_per_day
        if limit and total + amount > limit:
            return Refusal(ResponseCode.EXCEEDS_AMOUNT_LIMIT,
                           f"max_refund_amount_per_terminal_per_day: {total} + {amount} exceeds {limit}")
    return None
