"""Closing the batch with the host: settlement (0500), and batch upload (0320) on a mismatch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pos_terminal import messages
from pos_terminal.core import CommunicationFailure, EngineCore
from pos_terminal.protocol import (
    AdditionalTag,
    BatchTotals,
    TotalsKind,
    ResponseCode,
)
from pos_terminal.results import Outcome, TxnResult
from pos_terminal.settlement import batch_entries, batch_totals, report_lines, settlement_report

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SettlementMixin(EngineCore):
    """Settlement: reversals and advices first, then the totals, the upload when they differ."""

    async def settle(self) -> TxnResult:
        """Close the open batch with the host (docs/protocol.md, Settlement).

        Reversals and advices go first; then 0500 with the totals; on 95 the batch is uploaded
        transaction by transaction and settled again (960000); on 00 the batch closes and its
        number increments. The result carries the settlement report.
        """
        locked = self.supervisor.refusal_while_locked("settle")
        if locked is not None:
            return TxnResult("settle", Outcome.REFUSED, currency=self.config.currency, error=locked.refusal("settle"))
        batch = self.journal.current_batch()
        try:
            await self._flush_owed()
            totals = batch_totals(self.journal, batch)
            code = await self._send_settlement(batch, totals, after_upload=False)
            uploaded = code == ResponseCode.RECONCILIATION_ERROR
            if uploaded:
                await self._upload_batch(batch)
                code = await self._send_settlement(batch, totals, after_upload=True)
        except CommunicationFailure as failure:
            return TxnResult("settle", Outcome.COMMUNICATION_FAILED, error=str(failure), currency=self.config.currency)
        closed = code == ResponseCode.APPROVED
        if closed:
            self.journal.close_batch()
        self.journal.record_event("settlement", {"batch": batch, "response_code": code, "uploaded": uploaded},
                                  now=self._clock())
        report = settlement_report(self.journal, batch, totals, result="CLOSED" if closed else "OUT OF BALANCE",
                                   uploaded=uploaded)
        return TxnResult("settle", Outcome.COMPLETED, response_code=code, currency=self.config.currency,
                         settlement=report, receipt=tuple(report_lines(report, self.config.currency)))

    async def _send_settlement(self, batch: int, totals: BatchTotals, *, after_upload: bool) -> str:
        keys = await self._message_keys()
        request = messages.settlement_request(
            self.journal.next_stan(), self._clock(), batch, totals.to_fields(), self.config,
            after_upload=after_upload, additional=self._with_ksn(keys),
        )
        return str((await self._exchange(request, keys, None))[39])

    async def _upload_batch(self, batch: int) -> None:
        """0320 for every approved sale and refund of the batch; each must be answered 00."""
        for record, kind in batch_entries(self.journal, batch):
            if kind not in (TotalsKind.DEBIT, TotalsKind.CREDIT):
                continue
            keys = await self._message_keys()
            items = {AdditionalTag.VOIDED: "1" if record.is_voided else "0"}
            request = messages.batch_upload_request(record, self.config, self._with_ksn(keys, items))
            response = await self._exchange(request, keys, record.id)
            if response[39] != ResponseCode.APPROVED:
                raise CommunicationFailure(f"batch upload of invoice {record.invoice:06d} refused: {response[39]}")

