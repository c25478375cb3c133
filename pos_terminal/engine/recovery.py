"""What the terminal owes its host: reversals, repeats of what is never reversed, and advices.

A reversal (0400/0401; CUP: 0400) is owed from the moment its request is journaled until the host
acknowledges it with 00 or 25. A request the protocol never reverses (a ``cup-pos`` refund, 0220)
is journaled PENDING without a reversal and is owed until the host answers it: it is repeated with
the same STAN and content (the host answers a repeat with its first answer, and moves the money
once). An advice (0220/0221, possim-87 store-and-forward) is owed from the moment an offline
refund is approved until the host answers it with a final code (docs/protocol.md). All go out
before anything new, oldest first: reversals, then repeats, then advices. The flows themselves are
:mod:`pos_terminal.flows.owed`, shared with the light load terminal; here the engine runs them on the journal.
"""

from __future__ import annotations

from pos_terminal.common.failures import HostUnreachable
from pos_terminal.engine.core import EngineCore
from pos_terminal.journal.errors import journal_reason
from pos_terminal.common.results import Outcome, ReversalOutcome, TxnResult
from pos_terminal.flows import owed
from pos_terminal.journal import JournalError
from pos_terminal.output.receipt import format_amount
from pos_terminal.output.views import transaction_view
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnType


class RecoveryMixin(EngineCore):
    """Sending what is owed (the flows of :mod:`pos_terminal.flows.owed`), and completing a refund offline
    when the host is unreachable."""

    async def flush_reversals(self) -> list[ReversalOutcome]:
        """Send every pending reversal (oldest first); stop at the first that cannot be delivered."""
        return await self.run(owed.flush_reversals(self.profile, self.config, self.state))

    async def _reverse(self, record: TransactionRecord, failure: BaseException | None = None) -> ReversalOutcome:
        """Send the reversal of ``record`` up to the configured attempts; a repeat after the first send.

        ``failure`` is why the request failed, when known: the profile may say so in the reversal (CUP DE 39),
        and the reason is kept in the journal so that every send of the reversal carries the same one.
        """
        return await self.run(owed.reverse(self.profile, self.config, self.state, record, failure))

    async def flush_repeats(self) -> int:
        """Repeat every request owed an answer that the protocol never reverses (oldest first), journaling each
        answer; raise :class:`CommunicationFailure` at the first that stays unanswered. Returns how many
        were answered."""
        return await self.run(owed.flush_repeats(self.profile, self.config, self.state))

    async def flush_advices(self) -> int:
        """Upload pending advices in the order they were queued; stop at the first failure (raised).

        Each advice is marked as attempted once the connection is open and before it is sent, so a
        resend (after a timeout or a crash) goes out as a repeat (0221), while an advice that never
        left (host unreachable) still goes out as 0220; the host applies an advice once. Returns how many
        advices the host answered.
        """
        return await self.run(owed.flush_advices(self.profile, self.config, self.state))

    def _offline_eligibility(self, new: NewTransaction) -> str | None:
        """Why this refund cannot complete offline, or None when it can (docs/protocol.md, Store-and-forward)."""
        if not self.config.offline_refunds:
            return "offline refunds are not enabled"
        if not self.profile.supports_offline_refunds:
            return f"the {self.profile.name} profile has no store-and-forward refunds"
        if new.txn_type is not TxnType.REFUND or new.original_id is None:
            return "only a matched refund can complete offline"
        if new.dcc is not None:  # its amount in the card's currency is the host's to convert (docs/protocol.md)
            return "a refund of a DCC sale needs the host's conversion: it cannot complete offline"
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
        response_code, auth_code = self.profile.offline_approval()
        try:
            record = self.journal.begin_offline_refund(new, now=self._clock(), auth_code=auth_code)
        except JournalError as refusal:
            return TxnResult(operation, Outcome.REFUSED, error=f"declined offline: {journal_reason(refusal)}", **base)
        self.journal.record_event("offline_refund", {"invoice": record.invoice, "amount": record.amount},
                                  now=self._clock())
        reference = transaction_view(self.journal, record).original_json()
        return self._file_receipt(TxnResult(
            operation, Outcome.COMPLETED, response_code=response_code, stan=record.stan, invoice=record.invoice,
            transaction_id=record.id, auth_code=auth_code, offline=True, original=reference, **base))
