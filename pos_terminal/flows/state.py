"""What the flows remember between exchanges: one interface, two homes.

:class:`TerminalState` is what the flows (:mod:`pos_terminal.flows`: owed items, financial, network,
settlement) read and change: the clock and STAN counter, the transactions begun, what is owed to the host
(reversals, repeats of what is never reversed, advices) and how each owed item stands. The terminal
engine keeps it in its journal (:class:`pos_terminal.engine.state.JournalState`: durable, journal before
send, design.md section 3); the light load terminal in memory (:class:`pos_terminal.flows.memory.MemoryState`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from iso8583.message import Message
from pos_terminal.profiles.base import HostAnswer, NetworkKind
from pos_terminal.state.records import AdviceRecord, NewTransaction, TransactionRecord


class TerminalState(Protocol):
    """A terminal's counters, transactions and what it owes its host, as the flows use them."""

    # ------------------------------------------------------------------ counters and clock

    def now(self) -> datetime:
        """The terminal's clock (UTC)."""

    def next_stan(self) -> int:
        """The STAN (DE 11) of the next message that is not a recorded transaction's (network, settlement)."""

    def current_batch(self) -> int:
        """The open batch's number."""

    def note_loaded(self, kind: str, detail: dict[str, object]) -> None:
        """Journal data the host delivered and the terminal now holds (cup-pos: IC CA keys, AID parameters)."""

    def note_network(self, kind: NetworkKind, response_code: str, stan: int) -> None:
        """The host answered a network exchange (an audit event for the journal)."""

    # ------------------------------------------------------------------ transactions

    def begin(self, new: NewTransaction, *, reversible: bool) -> TransactionRecord:
        """Record ``new`` as PENDING (with its reversal owed when ``reversible``) before a byte of it leaves;
        raises what refuses it (the journal's money rules)."""

    def original_of(self, record: TransactionRecord) -> TransactionRecord | None:
        """The transaction ``record`` refunds or voids, when known."""

    def complete(self, record: TransactionRecord, answer: HostAnswer, *, approved: bool) -> TransactionRecord:
        """The host answered ``record`` (approved or declined): record the answer; nothing of it is owed any more
        (a repeat of it is answered)."""

    def not_sent(self, record: TransactionRecord, code: str) -> None:
        """``record`` certainly never reached the host (it could not be built or sent): decline it with the
        terminal's own ``code``; nothing of it is owed."""

    # ------------------------------------------------------------------ reversals

    def pending_reversals(self) -> list[TransactionRecord]:
        """The transactions whose reversal is owed, oldest first."""

    def reversal_attempts(self, record: TransactionRecord) -> int | None:
        """How often ``record``'s reversal was sent so far; None when it is no longer owed."""

    def note_reversal_attempt(self, record: TransactionRecord, attempt: int, per_run: int) -> int:
        """About to send ``record``'s reversal (``attempt`` of ``per_run`` in this run): count it, durably,
        before it leaves, so that a resend goes out as a repeat. Returns the sends counted so far."""

    def acknowledge_reversal(self, record: TransactionRecord, response_code: str) -> None:
        """The host cleared ``record``'s reversal with ``response_code``: nothing of it is owed any more."""

    def refuse_reversal(self, record: TransactionRecord, response_code: str) -> None:
        """The host refused ``record``'s reversal for good (``response_code``): nothing is owed and ``record``
        stands, approved, as the host says (docs/protocol.md, "Money rules")."""

    def kept_reversal_reason(self, record: TransactionRecord) -> str | None:
        """The reason ``record``'s reversal was first sent with (every send carries the same), if kept."""

    def keep_reversal_reason(self, record: TransactionRecord, reason: str) -> None:
        """Keep the reason of ``record``'s reversal for its later sends."""

    # ------------------------------------------------------------------ repeats (never reversed)

    def owed_repeats(self) -> list[TransactionRecord]:
        """Requests the protocol never reverses that still wait for the host's answer, oldest first."""

    def owe_repeat(self, record: TransactionRecord, request: Message) -> None:
        """``request`` (of ``record``) may have reached the host unanswered: it is owed, repeated as it is."""

    def owed_request(self, record: TransactionRecord) -> Message | None:
        """The request of ``record`` as first built (card data included), when this run still has it."""

    def note_repeat_answered(self, record: TransactionRecord, answer: HostAnswer) -> None:
        """A repeat flushed before anything new was answered (an audit event for the journal)."""

    # ------------------------------------------------------------------ advices (store-and-forward)

    def pending_advices(self) -> list[AdviceRecord]:
        """Advices of offline-approved refunds still owed to the host, in the order they were queued."""

    def transaction(self, transaction_id: int) -> TransactionRecord:
        """The transaction with this id."""

    def note_advice_attempt(self, advice: AdviceRecord) -> None:
        """About to send ``advice`` (the connection is open): the next send of it is a repeat (0221)."""

    def acknowledge_advice(self, advice: AdviceRecord, answer: HostAnswer) -> None:
        """The host decided ``advice`` (a final code): record its answer; nothing of it is owed any more."""
