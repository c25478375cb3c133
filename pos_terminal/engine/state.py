"""The engine's :class:`~pos_terminal.flows.state.TerminalState`: the journal, durable before each send.

Every change the flows ask for is one journal transaction (design.md section 3): a transaction is PENDING
with its reversal before its request leaves, a reversal's attempt is counted before it is sent, an advice's
once its connection is open. The requests of kinds never reversed are also kept in memory as first built
(card data included) while this engine runs, so a repeat carries them unchanged; after a restart they are
rebuilt from the journal, which keeps no card data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from iso8583.message import Message
from pos_terminal.common.clock import Clock
from pos_terminal.journal import Journal
from pos_terminal.profiles.base import HostAnswer, NetworkKind, ProtocolProfile
from pos_terminal.state.records import AdviceRecord, NewTransaction, TransactionRecord, TxnStatus, TxnType

ReversalProgress = Callable[[int, int, int], None]
"""Told before each reversal send: (STAN of the reversed transaction, attempt from 1, attempts in this run)."""

_REASON_COUNTER = "reversal_reason_"
"""Journal counter (one per reversed transaction id) keeping the reason code of its reversal."""


class JournalState:
    """What the flows remember, in the terminal's journal."""

    def __init__(self, journal: Journal, profile: ProtocolProfile, clock: Clock,
                 progress: ReversalProgress | None = None) -> None:
        self.journal = journal
        self.profile = profile
        self._clock = clock
        self._progress = progress
        self._owed_requests: dict[int, Message] = {}
        """Requests never reversed whose answer is owed, by transaction id, as first built (in memory only)."""

    # ------------------------------------------------------------------ counters and clock

    def now(self) -> datetime:
        return self._clock()

    def next_stan(self) -> int:
        return self.journal.next_stan()

    def current_batch(self) -> int:
        return self.journal.current_batch()

    def note_network(self, kind: NetworkKind, response_code: str, stan: int) -> None:
        self.journal.record_event(kind.value, {"response_code": response_code, "stan": stan}, now=self._clock())

    def note_loaded(self, kind: str, detail: dict[str, object]) -> None:
        self.journal.record_event(kind, detail, now=self._clock())

    # ------------------------------------------------------------------ transactions

    def begin(self, new: NewTransaction, *, reversible: bool) -> TransactionRecord:
        return self.journal.begin_transaction(new, now=self._clock(), with_reversal=reversible)

    def original_of(self, record: TransactionRecord) -> TransactionRecord | None:
        return self.journal.get(record.original_id) if record.original_id else None

    def transaction(self, transaction_id: int) -> TransactionRecord:
        return self.journal.get(transaction_id)

    def complete(self, record: TransactionRecord, answer: HostAnswer, *, approved: bool) -> TransactionRecord:
        completed = self.journal.complete_transaction(
            record.id, status=TxnStatus.APPROVED if approved else TxnStatus.DECLINED,
            response_code=answer.response_code, rrn=answer.rrn, auth_code=answer.auth_code,
            host_data=answer.host_data, now=self._clock(), dcc=answer.dcc,
        )
        self._owed_requests.pop(record.id, None)
        return completed

    def not_sent(self, record: TransactionRecord, code: str) -> None:
        self.journal.complete_transaction(record.id, status=TxnStatus.DECLINED, response_code=code,
                                          rrn=None, auth_code=None, now=self._clock())

    # ------------------------------------------------------------------ reversals

    def pending_reversals(self) -> list[TransactionRecord]:
        return [self.journal.get(pending.transaction_id) for pending in self.journal.pending_reversals()]

    def reversal_attempts(self, record: TransactionRecord) -> int | None:
        reversal = self.journal.reversal_for(record.id)
        return None if reversal is None else reversal.attempts

    def note_reversal_attempt(self, record: TransactionRecord, attempt: int, per_run: int) -> int:
        if self._progress is not None:
            self._progress(record.stan, attempt, per_run)
        reversal = self.journal.reversal_for(record.id)
        assert reversal is not None  # the flow asked reversal_attempts first
        return self.journal.note_reversal_attempt(reversal.id, self._clock()).attempts

    def acknowledge_reversal(self, record: TransactionRecord, response_code: str) -> None:
        reversal = self.journal.reversal_for(record.id)
        assert reversal is not None
        self.journal.acknowledge_reversal(reversal.id, response_code, self._clock())

    def refuse_reversal(self, record: TransactionRecord, response_code: str) -> None:
        reversal = self.journal.reversal_for(record.id)
        assert reversal is not None
        self.journal.refuse_reversal(reversal.id, response_code, self._clock())

    def kept_reversal_reason(self, record: TransactionRecord) -> str | None:
        kept = self.journal.get_counter(f"{_REASON_COUNTER}{record.id}", -1)
        return f"{kept:02d}" if kept >= 0 else None

    def keep_reversal_reason(self, record: TransactionRecord, reason: str) -> None:
        """Kept as a journal counter: only a numeric reason (an ISO 8583 response code) can be kept."""
        if reason.isdigit():
            self.journal.set_counter(f"{_REASON_COUNTER}{record.id}", int(reason))

    # ------------------------------------------------------------------ repeats (never reversed)

    def owed_repeats(self) -> list[TransactionRecord]:
        """The open batch's requests of kinds never reversed that still wait for the host's answer, oldest first."""
        kinds = [kind for kind in TxnType if not self.profile.reverses(kind)]
        if not kinds:
            return []
        batch = self.journal.current_batch()
        owed = [record for kind in kinds for record in self.journal.transactions(batch=batch, txn_type=kind)
                if record.status is TxnStatus.PENDING and self.journal.reversal_for(record.id) is None
                and self.journal.advice_for(record.id) is None]
        return sorted(owed, key=lambda record: record.id)

    def owe_repeat(self, record: TransactionRecord, request: Message) -> None:
        self._owed_requests[record.id] = request

    def owed_request(self, record: TransactionRecord) -> Message | None:
        return self._owed_requests.get(record.id)

    def note_repeat_answered(self, record: TransactionRecord, answer: HostAnswer) -> None:
        self.journal.record_event("repeat_answered", {"invoice": record.invoice, "stan": record.stan,
                                                      "response_code": answer.response_code}, now=self._clock())

    # ------------------------------------------------------------------ advices

    def pending_advices(self) -> list[AdviceRecord]:
        return self.journal.pending_advices()

    def note_advice_attempt(self, advice: AdviceRecord) -> None:
        self.journal.note_advice_attempt(advice.id, self._clock())

    def acknowledge_advice(self, advice: AdviceRecord, answer: HostAnswer) -> None:
        self.journal.acknowledge_advice(advice.id, response_code=answer.response_code, rrn=answer.rrn,
                                        host_data=answer.host_data, now=self._clock())
