"""Asking the host where a refund's money is: the status inquiry (0600 / 0610, docs/protocol.md).

The answer updates what the journal knows of the transaction (``host_data``: the host's status of
the transaction, and for a refund the credit's channel, expected date, status and posting date,
with the time of the inquiry), so a later look-up without the host shows the last known state.
"""

from __future__ import annotations

from pos_terminal.engine.core import CommunicationFailure, EngineCore
from pos_terminal.state.records import TransactionRecord
from pos_terminal.common.results import Outcome, TxnResult

__all__ = ["InquiryMixin"]

class InquiryMixin(EngineCore):
    """The refund status inquiry."""

    async def inquire_status(self, record: TransactionRecord) -> TxnResult:
        """Ask the host about ``record`` (by its RRN) and journal what it says.

        COMPLETED with the host's code (00 found, 25 unknown to the host); COMMUNICATION_FAILED when
        the host cannot be asked; REFUSED for a transaction the host never numbered (no RRN), and
        where the protocol has no status inquiry (``cup-pos``).
        """
        base = {"amount": record.amount, "currency": record.currency, "invoice": record.invoice, "rrn": record.rrn}
        if not self.profile.supports_status_inquiry:
            return TxnResult("status", Outcome.REFUSED, error=f"the {self.profile.name} profile has no status "
                             "inquiry: the host cannot be asked about a transaction (a refund's credit is "
                             "not reported)", **base)
        if not record.rrn:
            return TxnResult("status", Outcome.REFUSED, error=f"invoice {record.invoice:06d} has no RRN: "
                             "the host never answered it, so it cannot be asked about it", **base)
        try:
            keys = await self.message_keys()
            request = self.profile.status_inquiry_request(self.journal.next_stan(), self._clock(), record, self.config,
                                                          keys)
            response = await self._exchange(request, keys, record.id)
        except CommunicationFailure as failure:
            return TxnResult("status", Outcome.COMMUNICATION_FAILED, error=str(failure), **base)
        code = self.profile.response_code(response)
        data: dict[str, str] = {}
        approved = self.profile.is_approved(code)
        if approved:
            try:
                data = self.profile.read_status(response)
            except CommunicationFailure as failure:
                return TxnResult("status", Outcome.COMMUNICATION_FAILED, response_code=code, error=str(failure),
                                 **base)
            now = self._clock()
            data["checked_at"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.journal.update_host_data(record.id, data, now=now)
        return TxnResult("status", Outcome.COMPLETED, response_code=code, host_data=data, host_approved=approved,
                         transaction_id=record.id, **base)
