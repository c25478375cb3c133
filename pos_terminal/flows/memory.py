"""An :class:`~pos_terminal.flows.state.TerminalState` in memory: the light load terminal's, and the flow tests'.

The flows (:mod:`pos_terminal.flows`) are the terminal's own; only where their state lives differs from the
terminal engine's journal: STANs and invoice numbers count in memory (from a random STAN: state is not
kept between runs), a transaction is kept only while something of it is owed (its reversal, its repeat),
and there are no advices (a light terminal never completes a refund offline). One process can hold
hundreds of these (:class:`simulator.load.terminal.LightTerminal`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from iso8583.message import Message
from pos_terminal.common.clock import Clock
from pos_terminal.profiles.base import HostAnswer, NetworkKind
from pos_terminal.state.records import AdviceRecord, NewTransaction, TransactionRecord

MAX_STAN = 999_999


@dataclass
class _Owed:
    """A transaction something of which is owed: its reversal (``reversal_attempts`` not None) or its repeat."""

    record: TransactionRecord
    original: TransactionRecord | None
    reversal_attempts: int | None = None
    request: Message | None = None
    reason: str | None = None


class MemoryState:
    """A light terminal's counters and owed items; acknowledged and answered items are forgotten."""

    def __init__(self, clock: Clock, *, first_stan: int | None = None, batch: int = 1) -> None:
        self._clock = clock
        # STANs start at a random point: state is not kept between runs, and a host matches
        # retransmissions by terminal, STAN and DE 7.
        self._stan = first_stan if first_stan is not None else secrets.randbelow(MAX_STAN)
        self._invoice = 0
        self.batch = batch
        self.acked = 0
        """Reversals the host cleared so far."""
        self.refused = 0
        """Reversals the host refused for good (the original stands)."""
        self._owed: dict[int, _Owed] = {}
        """By transaction id, in the order begun (dicts keep insertion order)."""

    def next_stan(self) -> int:
        """The next STAN (DE 11), 1..999999 then round again."""
        self._stan = self._stan % MAX_STAN + 1
        return self._stan

    def next_invoice(self) -> int:
        self._invoice = self._invoice % MAX_STAN + 1
        return self._invoice

    def now(self) -> datetime:
        return self._clock()

    def current_batch(self) -> int:
        return self.batch

    def note_network(self, kind: NetworkKind, response_code: str, stan: int) -> None:
        """Nothing to note: the load report counts exchanges, not events."""

    def note_loaded(self, kind: str, detail: dict[str, object]) -> None:
        """Nothing to keep: a light terminal does not download IC data."""

    @property
    def owed_reversals(self) -> int:
        """Reversals not yet cleared by the host (including one of a request in flight)."""
        return sum(1 for owed in self._owed.values() if owed.reversal_attempts is not None)

    @property
    def owed_repeat_count(self) -> int:
        """Requests never reversed still waiting for the host's answer."""
        return sum(1 for owed in self._owed.values() if owed.request is not None)

    def forget(self, record: TransactionRecord) -> None:
        """Drop ``record`` and whatever of it is owed (a light terminal switched off with it in flight)."""
        self._owed.pop(record.id, None)

    def forget_owed(self) -> None:
        """Drop whatever is owed, as a terminal whose memory was wiped (the counters keep counting)."""
        self._owed.clear()

    # ------------------------------------------------------------------ transactions

    def begin(self, new: NewTransaction, *, reversible: bool,
              original: TransactionRecord | None = None) -> TransactionRecord:
        """The record of ``new`` (STAN and invoice from the counters); its reversal owed when ``reversible``,
        ``original`` what a refund or void names (kept while something of the record is owed)."""
        invoice = self.next_invoice()
        record = TransactionRecord.pending(new, id=invoice, invoice=invoice, stan=self.next_stan(), batch=self.batch,
                                          at=self._clock())
        self._owed[record.id] = _Owed(record, original, 0 if reversible else None)
        return record

    def original_of(self, record: TransactionRecord) -> TransactionRecord | None:
        owed = self._owed.get(record.id)
        return owed.original if owed is not None else None

    def transaction(self, transaction_id: int) -> TransactionRecord:
        return self._owed[transaction_id].record

    def complete(self, record: TransactionRecord, answer: HostAnswer, *, approved: bool) -> TransactionRecord:
        self._owed.pop(record.id, None)
        return record

    def not_sent(self, record: TransactionRecord, code: str) -> None:
        self._owed.pop(record.id, None)

    # ------------------------------------------------------------------ reversals

    def pending_reversals(self) -> list[TransactionRecord]:
        if not self._owed:  # nothing owed: every request of a light terminal asks, and almost always gets this
            return []
        return [owed.record for owed in self._owed.values() if owed.reversal_attempts is not None]

    def reversal_attempts(self, record: TransactionRecord) -> int | None:
        owed = self._owed.get(record.id)
        return owed.reversal_attempts if owed is not None else None

    def note_reversal_attempt(self, record: TransactionRecord, attempt: int, per_run: int) -> int:
        owed = self._owed[record.id]
        owed.reversal_attempts = (owed.reversal_attempts or 0) + 1
        return owed.reversal_attempts

    def acknowledge_reversal(self, record: TransactionRecord, response_code: str) -> None:
        self._owed.pop(record.id, None)
        self.acked += 1

    def refuse_reversal(self, record: TransactionRecord, response_code: str) -> None:
        self._owed.pop(record.id, None)
        self.refused += 1

    def kept_reversal_reason(self, record: TransactionRecord) -> str | None:
        owed = self._owed.get(record.id)
        return owed.reason if owed is not None else None

    def keep_reversal_reason(self, record: TransactionRecord, reason: str) -> None:
        self._owed[record.id].reason = reason

    # ------------------------------------------------------------------ repeats (never reversed)

    def owed_repeats(self) -> list[TransactionRecord]:
        if not self._owed:
            return []
        return [owed.record for owed in self._owed.values() if owed.request is not None]

    def owe_repeat(self, record: TransactionRecord, request: Message) -> None:
        self._owed[record.id].request = request

    def owed_request(self, record: TransactionRecord) -> Message | None:
        owed = self._owed.get(record.id)
        return owed.request if owed is not None else None

    def note_repeat_answered(self, record: TransactionRecord, answer: HostAnswer) -> None:
        """Nothing to note: the load report counts exchanges, not events."""

    # ------------------------------------------------------------------ advices (none: no offline refunds)

    def pending_advices(self) -> list[AdviceRecord]:
        return []

    def note_advice_attempt(self, advice: AdviceRecord) -> None:
        raise AssertionError("a light terminal queues no advices")

    def acknowledge_advice(self, advice: AdviceRecord, answer: HostAnswer) -> None:
        raise AssertionError("a light terminal queues no advices")
