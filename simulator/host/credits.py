"""When a refund's money reaches the cardholder: the host's business date and each credit's life cycle.

A refund the host approves is a credit owed to the cardholder. Its channel decides when it posts
(:class:`~simulator.host.config.CreditModel`): the real-time channel (RT) posts on the business
day of the refund, the batch channel (BT) on T+N business days. The credit is *pending* until the
host's business date reaches its credit date, then *posted*; a credit whose refund is voided or
reversed is *cancelled* (no money arrives). The business date is the UTC calendar date moved
ahead by the journal's offset, which tests and users move with ``possim host advance-date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from simulator.host.records import Status, HostTransaction

__all__ = ["MAX_OFFSET_DAYS", "BusinessDateError", "CreditStatus", "CreditView", "advanced_offset", "business_date",
           "check_offset", "credit_view"]

MAX_OFFSET_DAYS = 3660
"""How far (days) the business date may run ahead of the UTC calendar: ten years and then some. Far enough
for any test of credits (T+60 business days at most) or of refund age limits, near enough that every date
the host derives from it (credit dates, report windows) stays a valid date."""


class BusinessDateError(ValueError):
    """The business date offset is out of range (a journal moved too far by an older possim): exit 2."""


def check_offset(offset_days: int) -> int:
    """``offset_days`` when it is 0..MAX_OFFSET_DAYS, else BusinessDateError saying how to recover."""
    if not 0 <= offset_days <= MAX_OFFSET_DAYS:
        raise BusinessDateError(
            f"the host's business date runs {offset_days} days ahead of the calendar (at most {MAX_OFFSET_DAYS}): "
            "reset it with possim host advance-date --reset --data DIR (with the host stopped)")
    return offset_days


class CreditStatus(StrEnum):
    """Where a refund's money is."""

    PENDING = "pending"
    POSTED = "posted"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class CreditView:
    """A refund's credit as the host sees it on one business date."""

    channel: str
    expected_date: date
    status: CreditStatus
    posted_date: date | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "channel": self.channel,
            "expected_date": self.expected_date.isoformat(),
            "status": self.status.value,
            "posted_date": self.posted_date.isoformat() if self.posted_date else None,
        }


def business_date(now: datetime, offset_days: int) -> date:
    """The host's business date at ``now``: the UTC date plus ``offset_days`` (BusinessDateError out of range)."""
    return now.date() + timedelta(days=check_offset(offset_days))


def advanced_offset(current: int, calendar: date, *, days: int | None = None, to: date | None = None,
                    names: tuple[str, str] = ("days", "date")) -> int:
    """The business date offset after moving it ``days`` ahead or to the date ``to`` (one of them), from
    ``current`` on the UTC ``calendar`` date: forward only, at most :data:`MAX_OFFSET_DAYS` ahead.

    The one rule of ``possim host advance-date`` and of the host's HTTP API; BusinessDateError names the
    option (``names``: how the caller calls ``days`` and ``to``) and never writes anything.
    """
    check_offset(current)
    latest = calendar + timedelta(days=MAX_OFFSET_DAYS)
    days_name, to_name = names
    if to is not None:
        if to > latest:
            raise BusinessDateError(f"{to_name} {to}: the business date may run at most {MAX_OFFSET_DAYS} days ahead "
                                    f"of the calendar (latest {latest})")
        today = calendar + timedelta(days=current)
        if to < today:
            raise BusinessDateError(f"{to_name} {to}: the business date is already {today}; it never goes back")
        return (to - calendar).days
    if days is None or isinstance(days, bool) or days < 1:
        raise BusinessDateError(f"{days_name} {days}: expected 1 or more")
    if current + days > MAX_OFFSET_DAYS:
        raise BusinessDateError(f"{days_name} {days}: the business date may run at most {MAX_OFFSET_DAYS} days ahead "
                                f"of the calendar ({MAX_OFFSET_DAYS - current} more, latest {latest})")
    return current + days


def credit_view(refund: HostTransaction, today: date) -> CreditView | None:
    """The credit of an accepted refund on business date ``today``; None when no credit was owed."""
    if refund.credit_channel is None or refund.credit_date is None:
        return None
    expected = date(int(refund.credit_date[:4]), int(refund.credit_date[4:6]), int(refund.credit_date[6:8]))
    if refund.status in (Status.VOIDED, Status.REVERSED):
        return CreditView(refund.credit_channel, expected, CreditStatus.CANCELLED, None)
    if refund.status is not Status.APPROVED:
        return None
    if today >= expected:
        return CreditView(refund.credit_channel, expected, CreditStatus.POSTED, expected)
    return CreditView(refund.credit_channel, expected, CreditStatus.PENDING, None)
