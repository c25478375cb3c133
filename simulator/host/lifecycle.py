"""A transaction's life on the host, in one place: every change of state checked against the money rule.

The rule (docs/protocol.md, "Money rules"): for every sale, **refunds + voids never exceed the sale, and
nothing is refunded on a voided or reversed sale**; for a DCC sale, in **both** currencies: the refunds'
cardholder billing amounts never exceed the sale's billing amount either. A sale is approved, then possibly refunded in part or
in full, voided, or reversed; a refund is approved, then possibly voided or reversed; a void is approved,
then possibly reversed, which puts what it cancelled back in force. Each of those changes is a function
here that either returns a :class:`Plan` (the states to set and the transactions whose movements to
counter) or a :class:`Breach` naming the rule it would break. Nothing else on the host changes a
transaction's state, so a crafted or late message (a reversal of a void that arrives after a second
refund, a void of the sale in between) cannot move money past the sale: it is refused, and the
protocol answers the breach with its own code.

The module is pure and protocol-neutral: it reads transactions through a :class:`Book` (the host
journal, or an in-memory book in tests) and never writes; the caller applies the plan in the same
journal transaction that records the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Kind(StrEnum):
    """What a money-moving transaction is (declined requests and reversals never enter the book as such)."""

    SALE = "sale"
    REFUND = "refund"
    VOID = "void"


class Life(StrEnum):
    """Where a transaction stands: in force, cancelled by a void, or undone by a reversal."""

    APPROVED = "approved"
    VOIDED = "voided"
    REVERSED = "reversed"


class Breach(StrEnum):
    """Why a change is refused: the rule it would break (journaled as the decline's note)."""

    ORIGINAL_NOT_A_SALE = "the original is not a sale"
    ORIGINAL_NOT_APPROVED = "the original is voided or reversed"
    OVER_REFUND = "refunds would exceed the sale"
    OVER_REFUND_BILLING = "refunds would exceed the DCC sale in the cardholder's billing currency"
    SALE_HAS_REFUNDS = "the sale has refunds in force: void or reverse them first"
    NOT_VOIDABLE = "only an approved sale or refund can be voided"
    REINSTATED_OVER_SALE = "undoing the void would bring back a refund past the sale"
    REINSTATED_ON_CLOSED_SALE = "undoing the void would bring back a refund of a voided or reversed sale"


@dataclass(frozen=True)
class Entry:
    """What the rule needs of one transaction."""

    id: int
    kind: Kind
    amount: int
    life: Life
    original_id: int | None = None
    """A refund's sale; a void's sale or refund."""
    billing_amount: int | None = None
    """A DCC sale's or refund's amount in the cardholder's billing currency (None: no conversion)."""


class Book(Protocol):
    """Read access to the transactions of one terminal (the host journal implements it)."""

    def entry(self, transaction_id: int) -> Entry | None:
        """The transaction ``transaction_id``, or None."""

    def refunds_of(self, sale_id: int) -> Sequence[Entry]:
        """Every refund (in any life) naming ``sale_id`` as its original."""


@dataclass(frozen=True)
class Plan:
    """What an allowed change does: new lives, and the transactions whose movements in force are countered."""

    lives: tuple[tuple[int, Life], ...] = ()
    undo: tuple[int, ...] = ()
    note: str | None = None
    """Why nothing moved, when nothing does (a reversal of a transaction already undone)."""


def refunded(book: Book, sale_id: int) -> int:
    """The sum of the sale's refunds in force."""
    return sum(refund.amount for refund in book.refunds_of(sale_id) if refund.life is Life.APPROVED)


def refunded_billing(book: Book, sale_id: int) -> int:
    """The sum of the billing-currency amounts of the sale's refunds in force (DCC)."""
    return sum(refund.billing_amount or 0 for refund in book.refunds_of(sale_id) if refund.life is Life.APPROVED)


def rule_holds(book: Book, sale: Entry) -> bool:
    """The money rule for one sale: refunds in force fit in it (in both currencies for DCC), and none stands on
    a voided or reversed sale."""
    total = refunded(book, sale.id)
    billing_fits = sale.billing_amount is None or refunded_billing(book, sale.id) <= sale.billing_amount
    return total <= sale.amount and billing_fits and (sale.life is Life.APPROVED or total == 0)


def refund(book: Book, sale: Entry, amount: int, billing_amount: int | None = None) -> Breach | None:
    """A matched refund of ``amount`` (``billing_amount`` in the card's currency for DCC) against ``sale``: None
    when it may be approved."""
    if sale.kind is not Kind.SALE:
        return Breach.ORIGINAL_NOT_A_SALE
    if sale.life is not Life.APPROVED:
        return Breach.ORIGINAL_NOT_APPROVED
    if amount > sale.amount - refunded(book, sale.id):
        return Breach.OVER_REFUND
    if sale.billing_amount is not None and (billing_amount or 0) > sale.billing_amount - refunded_billing(book, sale.id):
        return Breach.OVER_REFUND_BILLING
    return None


def void(book: Book, target: Entry) -> Plan | Breach:
    """A void of ``target`` (a sale without refunds in force, or a refund): it becomes VOIDED, its movement undone."""
    if target.kind is Kind.VOID or target.life is not Life.APPROVED:
        return Breach.NOT_VOIDABLE
    if target.kind is Kind.SALE and refunded(book, target.id):
        return Breach.SALE_HAS_REFUNDS
    return Plan(lives=((target.id, Life.VOIDED),), undo=(target.id,))


def reverse(book: Book, txn: Entry) -> Plan | Breach:
    """A reversal of ``txn``: it becomes REVERSED and its movement is undone; a reversed void puts its target back.

    A transaction no longer in force is acknowledged with nothing to do. Refused: a sale with refunds in
    force (they would stand on a reversed sale), and a void whose target cannot come back (a refund whose
    sale has since been voided or reversed, or refunded again up to its amount).
    """
    if txn.life is not Life.APPROVED:
        return Plan(note=f"the {txn.kind.value} is already {txn.life.value}: nothing to undo")
    if txn.kind is Kind.SALE and refunded(book, txn.id):
        return Breach.SALE_HAS_REFUNDS
    lives: list[tuple[int, Life]] = [(txn.id, Life.REVERSED)]
    if txn.kind is Kind.VOID and txn.original_id is not None:
        target = book.entry(txn.original_id)
        if target is not None and target.life is Life.VOIDED:
            breach = _reinstatement(book, target)
            if breach is not None:
                return breach
            lives.append((target.id, Life.APPROVED))
    return Plan(lives=tuple(lives), undo=(txn.id,))


def _reinstatement(book: Book, target: Entry) -> Breach | None:
    """Whether a voided ``target`` may be in force again (its void reversed)."""
    if target.kind is not Kind.REFUND or target.original_id is None:
        return None  # a voided sale had no refunds in force, and none could be added since
    sale = book.entry(target.original_id)
    if sale is None:
        return None  # an unmatched refund: no sale to exceed
    if sale.life is not Life.APPROVED:
        return Breach.REINSTATED_ON_CLOSED_SALE
    if refunded(book, sale.id) + target.amount > sale.amount:
        return Breach.REINSTATED_OVER_SALE
    if sale.billing_amount is not None and \
            refunded_billing(book, sale.id) + (target.billing_amount or 0) > sale.billing_amount:
        return Breach.REINSTATED_OVER_SALE
    return None
