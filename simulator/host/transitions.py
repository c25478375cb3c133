"""The host's only writer of transaction states: the money rule's decisions applied to the journal and ledger.

:mod:`simulator.host.lifecycle` decides (pure); this module reads the journal for it (:class:`JournalBook`)
and applies what it allows (:meth:`Transitions.apply`: the new states, and the counter-entries that undo
the movements concerned). Every protocol's refund, void, advice and reversal handler goes through
:class:`Transitions`, so "refunds + voids never exceed the sale, nothing is refunded on a voided or
reversed sale" is checked in one place whatever the network (docs/protocol.md, "Money rules").
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.host import lifecycle
from simulator.host.exchange import Exchange
from simulator.host.journal import HostJournal
from simulator.host.ledger import Ledger
from simulator.host.lifecycle import Breach, Entry, Kind, Life, Plan
from simulator.host.records import REFUND_MTIS, Cause, HostTransaction, Status

__all__ = ["JournalBook", "Transitions", "entry_of"]

_KINDS = {"000000": Kind.SALE, "200000": Kind.REFUND, "020000": Kind.VOID, "220000": Kind.VOID}
"""Journaled processing codes (both protocols journal the possim-87 codes) and what they are."""
_LIVES = {Status.APPROVED: Life.APPROVED, Status.VOIDED: Life.VOIDED, Status.REVERSED: Life.REVERSED}
_STATUSES = {life: status for status, life in _LIVES.items()}


def entry_of(txn: HostTransaction | None) -> Entry | None:
    """What the money rule sees of a journaled transaction (None for a declined one, a reversal, a settlement)."""
    if txn is None or txn.id is None or txn.status not in _LIVES or txn.mti not in REFUND_MTIS:
        return None
    kind = _KINDS.get(txn.processing_code or "")
    if kind is None or (kind is Kind.SALE and txn.mti != "0200"):
        return None
    return Entry(txn.id, kind, txn.amount or 0, _LIVES[txn.status], txn.original_id,
                 billing_amount=txn.dcc_amount if txn.dcc_currency is not None else None)


class JournalBook:
    """The host journal as a :class:`~simulator.host.lifecycle.Book`."""

    def __init__(self, journal: HostJournal) -> None:
        self.journal = journal

    def entry(self, transaction_id: int) -> Entry | None:
        return entry_of(self.journal.transaction(transaction_id))

    def refunds_of(self, sale_id: int) -> Sequence[Entry]:
        entries = (entry_of(txn) for txn in self.journal.refunds_of(sale_id))
        return [entry for entry in entries if entry is not None and entry.kind is Kind.REFUND]


class Transitions:
    """Refund, void and reversal decisions for the handlers of every protocol, and their application."""

    def __init__(self, journal: HostJournal, ledger: Ledger) -> None:
        self.journal = journal
        self.ledger = ledger
        self.book = JournalBook(journal)

    def refund(self, original: HostTransaction, amount: int, billing_amount: int | None = None) -> Breach | None:
        """None when a refund of ``amount`` (``billing_amount`` in the card's currency for DCC) against
        ``original`` keeps the rule."""
        entry = entry_of(original)
        if entry is None:
            return Breach.ORIGINAL_NOT_APPROVED if original.status is not Status.APPROVED else Breach.ORIGINAL_NOT_A_SALE
        return lifecycle.refund(self.book, entry, amount, billing_amount)

    def refunded(self, original: HostTransaction) -> tuple[int, int]:
        """What ``original``'s refunds in force add up to: merchant amount, billing amount (0 without DCC)."""
        assert original.id is not None
        return lifecycle.refunded(self.book, original.id), lifecycle.refunded_billing(self.book, original.id)

    def void(self, target: HostTransaction) -> Plan | Breach:
        """What voiding ``target`` does, or why it may not be voided."""
        entry = entry_of(target)
        return lifecycle.void(self.book, entry) if entry is not None else Breach.NOT_VOIDABLE

    def reverse(self, original: HostTransaction) -> Plan | Breach:
        """What reversing ``original`` does (nothing for what is not in force), or why it may not be reversed."""
        entry = entry_of(original)
        if entry is None:
            return Plan(note=f"a {original.status.value} transaction: nothing to undo")
        return lifecycle.reverse(self.book, entry)

    def apply(self, exchange: Exchange, plan: Plan, transaction_id: int, cause: Cause) -> None:
        """Apply ``plan`` for the request journaled as ``transaction_id``: undo the movements, then set the states."""
        for undone in plan.undo:
            self.ledger.undo(exchange, undone, transaction_id, cause)
        for txn_id, life in plan.lives:
            self.journal.set_status(txn_id, _STATUSES[life])
