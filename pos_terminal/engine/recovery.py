"""What the terminal owes its host: reversals, repeats of what is never reversed, and advices.

A reversal (0400/0401; CUP: 0400) is owed from the moment its request is journaled until the host
acknowledges it with 00 or 25. A request the protocol never reverses (a ``cup-pos`` refund, 0220)
is journaled PENDING without a reversal and is owed until the host answers it: it is repeated with
the same STAN and content (the host answers a repeat with its first answer, and moves the money
once). An advice (0220/0221, possim-87 store-and-forward) is owed from the moment an offline
refund is approved until the host answers it with a final code (docs/protocol.md). All go out
before anything new, oldest first: reversals, then repeats, then advices.
"""

from __future__ import annotations

import logging
import secrets

from iso8583.message import Message
from pos_terminal.engine.core import CommunicationFailure, EngineCore, HostUnreachable, journal_reason
from pos_terminal.engine.failures import FailureKind
from pos_terminal.journal import JournalError
from pos_terminal.output.receipt import format_amount
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnStatus, TxnType
from pos_terminal.engine.results import Outcome, ReversalOutcome, TxnResult

log = logging.getLogger(__name__)

class RecoveryMixin(EngineCore):
    """Sending what is owed, and completing a refund offline when the host is unreachable."""

    async def flush_reversals(self) -> list[ReversalOutcome]:
        """Send every pending reversal (oldest first); stop at the first that cannot be delivered."""
        outcomes = []
        for pending in self.journal.pending_reversals():
            outcome = await self._reverse(self.journal.get(pending.transaction_id))
            outcomes.append(outcome)
            if outcome.status != "acked":
                break
        return outcomes

    async def _reverse(self, record: TransactionRecord, failure: BaseException | None = None) -> ReversalOutcome:
        """Send the reversal of ``record`` up to the configured attempts; a repeat after the first send.

        ``failure`` is why the request failed, when known: the profile may say so in the reversal (CUP DE 39),
        and the reason is kept in the journal so that every send of the reversal carries the same one.
        """
        attempts = 0
        reason = self._reversal_reason(record, failure)
        original = self.journal.get(record.original_id) if record.original_id else None
        per_run = self.config.reversal_attempts_per_run
        for attempt in range(1, per_run + 1):
            reversal = self.journal.reversal_for(record.id)
            if reversal is None:
                break
            if self.on_reversal_attempt is not None:
                self.on_reversal_attempt(record.stan, attempt, per_run)
            repeat = reversal.attempts > 0
            reversal = self.journal.note_reversal_attempt(reversal.id, self._clock())
            attempts = reversal.attempts
            try:
                keys = await self.message_keys()
                request = self.profile.reversal_request(record, original, self.config, keys, repeat=repeat,
                                                        reason=reason)
                response = await self._exchange(request, keys, record.id)
            except CommunicationFailure as failure:
                log.info("reversal of STAN %06d not delivered: %s", record.stan, failure)
                continue
            code = str(response[39])
            if not self.profile.reversal_cleared(code):
                log.info("reversal of STAN %06d answered %s: not applied, it will be repeated", record.stan, code)
                continue
            self.journal.acknowledge_reversal(reversal.id, code, self._clock())
            return ReversalOutcome("acked", attempts, code)
        return ReversalOutcome("pending", attempts)

    def _reversal_reason(self, record: TransactionRecord, failure: BaseException | None) -> str:
        """The profile's reason for reversing ``record``: the one kept when it first failed, else from ``failure``."""
        counter = f"{_REASON_COUNTER}{record.id}"
        kept = self.journal.get_counter(counter, -1)
        if kept >= 0:
            return f"{kept:02d}"
        reason = self.profile.reversal_reason(failure)
        if failure is not None and reason.isdigit():
            self.journal.set_counter(counter, int(reason))
        return reason

    # ------------------------------------------------------------------ repeats (never reversed)

    def _owed_repeats(self) -> list[TransactionRecord]:
        """The open batch's requests of kinds never reversed that still wait for the host's answer, oldest first."""
        kinds = [kind for kind in TxnType if not self.profile.reverses(kind)]
        if not kinds:
            return []
        batch = self.journal.current_batch()
        owed = [record for kind in kinds for record in self.journal.transactions(batch=batch, txn_type=kind)
                if record.status is TxnStatus.PENDING and self.journal.reversal_for(record.id) is None
                and self.journal.advice_for(record.id) is None]
        return sorted(owed, key=lambda record: record.id)

    async def _repeat(self, record: TransactionRecord) -> Message | None:
        """Send ``record``'s request again (same STAN and content) up to the configured attempts; its answer, or None.

        While this engine runs the request is the one first built (card data included); after a restart
        it is rebuilt from the journal, which keeps no card data.
        """
        original = self.journal.get(record.original_id) if record.original_id else None
        for _ in range(self.config.reversal_attempts_per_run):
            try:
                keys = await self.message_keys()
                request = self._owed_requests.get(record.id) or self.profile.repeat_request(
                    record, original, self.config, keys)
                return await self._exchange(request, keys, record.id)
            except CommunicationFailure as failure:
                log.info("%s of STAN %06d not answered: %s; it will be repeated", record.txn_type, record.stan, failure)
        return None

    async def flush_repeats(self) -> int:
        """Repeat every request owed an answer that the protocol never reverses (oldest first), journaling each
        answer; raise :class:`CommunicationFailure` at the first that stays unanswered. Returns how many
        were answered."""
        answered = 0
        for record in self._owed_repeats():
            response = await self._repeat(record)
            if response is None:
                raise CommunicationFailure(f"{record.txn_type} of invoice {record.invoice:06d} is still unanswered: "
                                           "it will be repeated", FailureKind.OWED_FIRST)
            answer = self.profile.read_answer(response)
            self.journal.complete_transaction(
                record.id, status=TxnStatus.APPROVED if self.profile.is_approved(answer.response_code)
                else TxnStatus.DECLINED, response_code=answer.response_code, rrn=answer.rrn,
                auth_code=answer.auth_code, host_data=answer.host_data, now=self._clock(),
            )
            self._owed_requests.pop(record.id, None)
            self.journal.record_event("repeat_answered", {"invoice": record.invoice, "stan": record.stan,
                                                          "response_code": answer.response_code}, now=self._clock())
            answered += 1
        return answered

    # ------------------------------------------------------------------ advices (store-and-forward)

    async def flush_advices(self) -> int:
        """Upload pending advices in the order they were queued; stop at the first failure (raised).

        Each advice is marked as attempted once the connection is open and before it is sent, so a
        resend (after a timeout or a crash) goes out as a repeat (0221), while an advice that never
        left (host unreachable) still goes out as 0220; the host applies an advice once. Returns how many
        advices the host answered.
        """
        answered = 0
        for advice in self.journal.pending_advices():
            record = self.journal.get(advice.transaction_id)
            repeat = advice.attempts > 0
            keys = await self.message_keys()
            original = self.journal.get(record.original_id) if record.original_id else None
            request = self.profile.advice_request(record, original, self.config, keys, repeat=repeat)
            channel = await self._open()
            self.journal.note_advice_attempt(advice.id, self._clock())  # from here on, bytes may reach the host
            response = await self._exchange(request, keys, record.id, channel)
            code = str(response[39])
            if not self.profile.advice_final(code):
                raise CommunicationFailure(f"advice of invoice {record.invoice:06d} answered {code}: "
                                           "not applied, it will be repeated", FailureKind.NOT_APPLIED)
            answer = self.profile.read_answer(response)
            self.journal.acknowledge_advice(advice.id, response_code=answer.response_code, rrn=answer.rrn,
                                            host_data=answer.host_data, now=self._clock())
            answered += 1
        return answered

    def _offline_eligibility(self, new: NewTransaction) -> str | None:
        """Why this refund cannot complete offline, or None when it can (docs/protocol.md, Store-and-forward)."""
        if not self.config.offline_refunds:
            return "offline refunds are not enabled"
        if not self.profile.supports_offline_refunds:
            return f"the {self.profile.name} profile has no store-and-forward refunds"
        if new.txn_type is not TxnType.REFUND or new.original_id is None:
            return "only a matched refund can complete offline"
        if new.amount > self.config.offline_amount_limit:
            return (f"offline limit: {format_amount(new.amount, new.currency)} exceeds the offline refund limit "
                    f"{format_amount(self.config.offline_amount_limit, new.currency)}")
        queued = len(self.journal.pending_advices())
        if queued >= self.config.offline_queue_limit:
            return f"offline limit: {queued} advices already queued (limit {self.config.offline_queue_limit})"
        return None

    def _complete_offline(self, operation: str, new: NewTransaction, failure: HostUnreachable, base: dict) -> TxnResult:
        """Host unreachable: approve the refund offline and queue its advice, or decline it offline."""
        refusal = self._offline_eligibility(new)
        if refusal is not None:
            if self.config.offline_refunds and new.txn_type is TxnType.REFUND:
                return TxnResult(operation, Outcome.REFUSED, error=f"declined offline: {refusal}", **base)
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, error=str(failure), **base)
        auth_code = f"Y3{secrets.randbelow(10_000):04d}"
        try:
            record = self.journal.begin_offline_refund(new, now=self._clock(), auth_code=auth_code)
        except JournalError as refusal:
            return TxnResult(operation, Outcome.REFUSED, error=f"declined offline: {journal_reason(refusal)}", **base)
        self.journal.record_event("offline_refund", {"invoice": record.invoice, "amount": record.amount},
                                  now=self._clock())
        original = self.journal.get(record.original_id) if record.original_id is not None else None
        reference = {"type": "sale", "rrn": original.rrn, "invoice": original.invoice,
                     "date": f"{original.transmitted_at:%Y-%m-%d}", "amount": original.amount} if original else None
        return self._file_receipt(TxnResult(
            operation, Outcome.COMPLETED, response_code="Y3", stan=record.stan, invoice=record.invoice,
            transaction_id=record.id, auth_code=auth_code, offline=True, original=reference, **base))

    async def _flush_owed(self) -> None:
        """Reversals, then repeats, then advices, must reach the host before anything new (design.md section 3)."""
        for outcome in await self.flush_reversals():
            if outcome.status != "acked":
                raise HostUnreachable("an earlier reversal is still pending: host unreachable", FailureKind.OWED_FIRST)
        await self.flush_repeats()
        await self.flush_advices()

_REASON_COUNTER = "reversal_reason_"
"""Journal counter (one per reversed transaction id) keeping the reason code of its reversal."""

