"""The host's transaction life: every change checked against "refunds + voids never exceed the sale".

The examples are the reported cases (a late reversal of a void bringing a refund back: 120 on a 100 sale,
or 160 with the sale voided in between); the stateful test throws random orders of sales, refunds, voids
and reversals (repeated, late, of anything) at the rules and checks the money rule after every step, on
a ledger of movements kept apart from the lives the rules set.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from protocols.dcc import refund_billing
from simulator.host import lifecycle
from simulator.host.lifecycle import Breach, Entry, Kind, Life, Plan


@dataclass
class Movement:
    """One ledger row: +amount to the merchant (a sale) or -amount (a refund), or a counter of another row."""

    id: int
    txn_id: int
    amount: int
    counter_of: int | None = None


@dataclass
class MemoryBook:
    """An in-memory host: transactions, their lives, and a ledger of movements and counter-movements."""

    entries: dict[int, Entry] = field(default_factory=dict)
    ledger: list[Movement] = field(default_factory=list)
    countered: dict[int, Movement] = field(default_factory=dict)
    """Row id -> the row that counters it."""

    def entry(self, transaction_id: int) -> Entry | None:
        return self.entries.get(transaction_id)

    def refunds_of(self, sale_id: int) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind is Kind.REFUND and e.original_id == sale_id]

    def add(self, kind: Kind, amount: int, original_id: int | None = None, billing: int | None = None) -> Entry:
        entry = Entry(len(self.entries) + 1, kind, amount, Life.APPROVED, original_id, billing_amount=billing)
        self.entries[entry.id] = entry
        if kind is not Kind.VOID:
            self._move(entry.id, amount if kind is Kind.SALE else -amount)
        return entry

    def reversal_id(self) -> int:
        """A journal id for a reversal request (journaled as a transaction of its own, never in the book)."""
        return 1_000_000 + len(self.ledger)

    def apply(self, plan: Plan, by: int) -> None:
        for txn_id, life in plan.lives:
            self.entries[txn_id] = replace(self.entries[txn_id], life=life)
        for txn_id in plan.undo:
            for row in self.live(txn_id):
                self._move(by, -row.amount, counter_of=row.id)

    def live(self, txn_id: int) -> list[Movement]:
        """The movements of ``txn_id`` in force, as the host journal finds them: each row of the transaction
        starts a chain of counters; it is in force when the chain ends on a row of the starting sign."""
        result = []
        for start in (m for m in self.ledger if m.txn_id == txn_id):
            tail = start
            while (nxt := self.countered.get(tail.id)) is not None:
                tail = nxt
            if (tail.amount > 0) == (start.amount > 0):
                result.append(tail)
        return result

    def net(self, txn_id: int) -> int:
        """What ``txn_id``'s own movement (its first row) amounts to now, in merchant terms."""
        first = next((m for m in self.ledger if m.txn_id == txn_id and m.counter_of is None), None)
        return sum(row.amount for row in self.live(txn_id) if first is not None and self._chain_of(row) == first.id)

    def _chain_of(self, row: Movement) -> int:
        while row.counter_of is not None:
            row = self.ledger[row.counter_of - 1]
        return row.id

    def _move(self, txn_id: int, amount: int, counter_of: int | None = None) -> None:
        row = Movement(len(self.ledger) + 1, txn_id, amount, counter_of)
        self.ledger.append(row)
        if counter_of is not None:
            self.countered[counter_of] = row


def sale_refund_void(book: MemoryBook) -> tuple[Entry, Entry, Entry]:
    """Sale 100.00, refund R1 60.00, void of R1 (the terminal lost its answer and keeps a reversal for it)."""
    sale = book.add(Kind.SALE, 10_000)
    r1 = book.add(Kind.REFUND, 6_000, sale.id)
    void = book.add(Kind.VOID, 6_000, r1.id)
    plan = lifecycle.void(book, r1)
    assert isinstance(plan, Plan)
    book.apply(plan, void.id)
    return sale, r1, void


def test_a_late_reversal_of_a_void_cannot_bring_a_refund_back_past_the_sale() -> None:
    book = MemoryBook()
    sale, _, void = sale_refund_void(book)
    assert lifecycle.refund(book, sale, 6_000) is None
    book.add(Kind.REFUND, 6_000, sale.id)
    assert lifecycle.reverse(book, book.entries[void.id]) is Breach.REINSTATED_OVER_SALE


def test_a_late_reversal_of_a_void_cannot_bring_a_refund_back_on_a_voided_sale() -> None:
    book = MemoryBook()
    sale, _, void = sale_refund_void(book)
    sale_void = book.add(Kind.VOID, 10_000, sale.id)
    plan = lifecycle.void(book, book.entries[sale.id])
    assert isinstance(plan, Plan)
    book.apply(plan, sale_void.id)
    assert lifecycle.reverse(book, book.entries[void.id]) is Breach.REINSTATED_ON_CLOSED_SALE


def test_a_reversal_of_a_void_with_room_left_puts_the_refund_back_in_force() -> None:
    book = MemoryBook()
    sale, r1, void = sale_refund_void(book)
    plan = lifecycle.reverse(book, book.entries[void.id])
    assert isinstance(plan, Plan)
    book.apply(plan, book.reversal_id())
    assert book.entries[r1.id].life is Life.APPROVED
    assert lifecycle.refunded(book, sale.id) == 6_000
    assert book.net(r1.id) == -6_000


def test_a_sale_with_refunds_in_force_is_neither_voided_nor_reversed() -> None:
    book = MemoryBook()
    sale = book.add(Kind.SALE, 10_000)
    book.add(Kind.REFUND, 1, sale.id)
    assert lifecycle.void(book, sale) is Breach.SALE_HAS_REFUNDS
    assert lifecycle.reverse(book, sale) is Breach.SALE_HAS_REFUNDS


def test_a_refund_of_the_whole_remainder_is_allowed_and_one_unit_more_is_not() -> None:
    book = MemoryBook()
    sale = book.add(Kind.SALE, 10_000)
    book.add(Kind.REFUND, 4_000, sale.id)
    assert lifecycle.refund(book, sale, 6_000) is None
    assert lifecycle.refund(book, sale, 6_001) is Breach.OVER_REFUND


def test_a_reversal_of_what_is_no_longer_in_force_moves_nothing() -> None:
    book = MemoryBook()
    sale = book.add(Kind.SALE, 10_000)
    book.apply(lifecycle.reverse(book, sale), book.reversal_id())  # type: ignore[arg-type]
    again = lifecycle.reverse(book, book.entries[sale.id])
    assert isinstance(again, Plan) and again.lives == () and again.undo == ()


def test_a_void_is_not_voided_and_a_voided_refund_not_again() -> None:
    book = MemoryBook()
    _, r1, void = sale_refund_void(book)
    assert lifecycle.void(book, book.entries[void.id]) is Breach.NOT_VOIDABLE
    assert lifecycle.void(book, book.entries[r1.id]) is Breach.NOT_VOIDABLE


_RATES = (Decimal("0.0068885"), Decimal("1"), Decimal("155.5088"), Decimal("160.1234"))
"""Conversion rates USD -> JPY and back, the sale's and "today's" (dcc_refund_rate = current)."""


def test_a_dcc_refund_past_the_sale_in_the_billing_currency_is_refused() -> None:
    book = MemoryBook()
    sale = book.add(Kind.SALE, 2000, billing=1625)
    book.add(Kind.REFUND, 1000, sale.id, billing=1000)
    assert lifecycle.refund(book, sale, 500, billing_amount=626) is Breach.OVER_REFUND_BILLING
    assert lifecycle.refund(book, sale, 500, billing_amount=625) is None


def test_partial_dcc_refunds_end_on_the_exact_remainder_in_both_currencies() -> None:
    book = MemoryBook()
    sale = book.add(Kind.SALE, 2000, billing=1625)
    for amount in (500, 733, 767):
        billing = refund_billing(amount, sale_amount=2000, sale_billing=1625, refunded=lifecycle.refunded(book, sale.id),
                                 refunded_billing=lifecycle.refunded_billing(book, sale.id),
                                 rate=Decimal("0.8124750"), merchant="840", billing="826")
        assert lifecycle.refund(book, sale, amount, billing) is None
        book.add(Kind.REFUND, amount, sale.id, billing)
    assert (lifecycle.refunded(book, sale.id), lifecycle.refunded_billing(book, sale.id)) == (2000, 1625)


class HostLife(RuleBasedStateMachine):
    """Random orders of sales, refunds, voids and reversals (also late and repeated) against the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.book = MemoryBook()

    def _pick(self, data: st.DataObject, kinds: tuple[Kind, ...]) -> Entry | None:
        candidates = [e for e in self.book.entries.values() if e.kind in kinds]
        return data.draw(st.sampled_from(candidates)) if candidates else None

    @rule(amount=st.integers(1, 6), billing=st.none() | st.integers(0, 900))
    def sale(self, amount: int, billing: int | None) -> None:
        """Small amounts: refunds meet the sale's amount often, where the rule bites. ``billing``: a DCC sale's
        amount in the cardholder's currency (yen-sized numbers too)."""
        self.book.add(Kind.SALE, amount, billing=billing)

    @precondition(lambda self: self.book.entries)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        """Mostly of a sale, for up to its amount (so refunds pile up to the limit); sometimes of anything."""
        original = self._pick(data, data.draw(st.sampled_from(((Kind.SALE,), tuple(Kind)))))
        if original is None:
            return
        amount = data.draw(st.integers(1, max(original.amount, 1)), label="amount")
        billing = None
        if original.billing_amount is not None:  # DCC: converted at the sale's rate or today's, remainder last
            rate = data.draw(st.sampled_from(_RATES), label="rate")
            billing = refund_billing(amount, sale_amount=original.amount, sale_billing=original.billing_amount,
                                     refunded=lifecycle.refunded(self.book, original.id),
                                     refunded_billing=lifecycle.refunded_billing(self.book, original.id),
                                     rate=rate, merchant="840", billing="392")
            if data.draw(st.booleans(), label="crafted billing"):  # a crafted request: any billing amount
                billing = data.draw(st.integers(0, 1000), label="billing")
        if lifecycle.refund(self.book, original, amount, billing) is None:
            self.book.add(Kind.REFUND, amount, original.id, billing)

    @precondition(lambda self: self.book.entries)
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        target = self._pick(data, tuple(Kind))
        assert target is not None
        plan = lifecycle.void(self.book, target)
        if isinstance(plan, Plan):
            void = self.book.add(Kind.VOID, target.amount, target.id)
            self.book.apply(plan, void.id)

    @precondition(lambda self: self.book.entries)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        txn = self._pick(data, tuple(Kind))
        assert txn is not None
        plan = lifecycle.reverse(self.book, txn)
        if isinstance(plan, Plan):
            self.book.apply(plan, self.book.reversal_id())

    @invariant()
    def refunds_and_voids_never_exceed_a_sale_on_the_ledger(self) -> None:
        for sale in (e for e in self.book.entries.values() if e.kind is Kind.SALE):
            refunded_on_ledger = -sum(self.book.net(r.id) for r in self.book.refunds_of(sale.id))
            assert 0 <= refunded_on_ledger <= self.book.net(sale.id), (sale, refunded_on_ledger)

    @invariant()
    def dcc_refunds_never_exceed_the_sale_in_the_billing_currency(self) -> None:
        for sale in (e for e in self.book.entries.values() if e.kind is Kind.SALE and e.billing_amount is not None):
            assert sale.billing_amount is not None
            assert lifecycle.refunded_billing(self.book, sale.id) <= sale.billing_amount, sale

    @invariant()
    def the_rule_holds_for_every_sale(self) -> None:
        for sale in (e for e in self.book.entries.values() if e.kind is Kind.SALE):
            assert lifecycle.rule_holds(self.book, sale)

    @invariant()
    def a_transaction_is_in_force_exactly_when_its_movement_is(self) -> None:
        for entry in self.book.entries.values():
            if entry.kind is not Kind.VOID:
                assert (entry.life is Life.APPROVED) == (self.book.net(entry.id) != 0), entry


HostLife.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
TestHostLife = HostLife.TestCase
