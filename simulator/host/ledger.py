"""The host's ledger moves: one movement of money, or the counter-entries that undo a transaction.

Every protocol's money handlers move money through these two calls, so a debit, a credit and the
undoing of them by a void or a reversal look the same in the journal whatever the network
(the ``ledger`` table of :mod:`simulator.host.journal`): a counter-entry names the entry it
undoes, so an entry is undone at most once (:meth:`simulator.host.journal.HostJournal.live_entries`).
"""

from __future__ import annotations

from simulator.host.exchange import Exchange, field_text
from simulator.host.journal import Cause, Direction, HostJournal

__all__ = ["Ledger"]


class Ledger:
    """Ledger movements of the requests of one host, written in the request's journal transaction."""

    def __init__(self, journal: HostJournal) -> None:
        self.journal = journal

    def move(self, exchange: Exchange, transaction_id: int, direction: Direction, cause: Cause, amount: int,
             billing: tuple[int, str] | None = None) -> None:
        """One movement of ``amount`` (in the request's currency, DE 49) booked to ``transaction_id``; a DCC
        movement also names its ``billing`` amount and currency (the cardholder's side of the same money)."""
        assert exchange.terminal is not None
        self.journal.add_ledger_entry(time=exchange.now, transaction_id=transaction_id,
                                      terminal_id=exchange.terminal.terminal_id, direction=direction, cause=cause,
                                      amount=amount, currency=field_text(exchange.request, 49), billing=billing)

    def undo(self, exchange: Exchange, original_id: int, transaction_id: int, cause: Cause) -> None:
        """Counter every movement of ``original_id`` still in force, booked to ``transaction_id``."""
        assert exchange.terminal is not None
        for entry in self.journal.live_entries(original_id):
            self.journal.add_ledger_entry(
                time=exchange.now, transaction_id=transaction_id, terminal_id=exchange.terminal.terminal_id,
                direction=entry.direction.opposite, cause=cause, amount=entry.amount, currency=entry.currency,
                counter_of=entry.id, billing=(entry.billing_amount, entry.billing_currency)
                if entry.billing_amount is not None and entry.billing_currency is not None else None,
            )
