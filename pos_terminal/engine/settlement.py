"""Closing the batch with the host: settlement (0500), and batch upload (0320) on a mismatch.

Settlement is a supervisor function like refund and void: the device asks the supervisor
password and ``possim txn settle`` needs ``--supervisor-password[-stdin]`` (wrong ones count
toward the lockout). The engine needs a password or a device grant for every settlement
(scenarios and the pytest plugin pass the supervisor password too).

The flow is one for every protocol: nothing while the supervisor functions are locked; what is
owed first; then the protocol profile's settlement exchanges (possim-87: totals in DE 74-89, 95
leads to the upload and a second 0500; CUP: totals in DE 48, the unbalanced card groups uploaded,
the upload ended); the batch closes when the profile says so, and the report is the journal's.
"""

from __future__ import annotations

import logging

from pos_terminal.engine.core import CommunicationFailure, EngineCore, TerminalRefusal
from pos_terminal.common.results import Outcome, TxnResult
from pos_terminal.flows import settlement
from pos_terminal.output.batch_totals import batch_totals, report_lines, settlement_report
from pos_terminal.rules.supervisor import Grant

log = logging.getLogger(__name__)

class SettlementMixin(EngineCore):
    """Settlement: reversals and advices first, then the totals, the upload when they differ."""

    async def settle(self, supervisor_password: str | None = None, *, grant: Grant | None = None) -> TxnResult:
        """Close the open batch with the host (docs/protocol.md, Settlement).

        Reversals, repeats and advices go first; then the profile's settlement exchanges
        (possim-87: 0500 with the totals; on 95 the batch is uploaded transaction by transaction and
        settled again (960000)); when they end well the batch closes and its number increments.
        The result carries the settlement report. ``supervisor_password`` or the device's ``grant``:
        the supervisor's approval, checked and counted like a void's (see the module docstring).
        """
        if supervisor_password is None and grant is None:
            return TxnResult("settle", Outcome.REFUSED, currency=self.config.currency,
                             error="settlement is a supervisor function: give the supervisor password",
                             screen=("SUPERVISOR", "PASSWORD NEEDED"))
        try:
            await self._authorise("settle", supervisor_password, grant)
        except TerminalRefusal as refusal:
            return TxnResult("settle", Outcome.REFUSED, currency=self.config.currency, error=str(refusal),
                             screen=refusal.screen)
        batch = self.journal.current_batch()
        try:
            settled = await self.run(settlement.settle(self.profile, self.config, self.state, self, batch,
                                                       lambda number: batch_totals(self.journal, number)))
        except CommunicationFailure as failure:
            return TxnResult("settle", Outcome.COMMUNICATION_FAILED, error=str(failure), currency=self.config.currency)
        totals, outcome = settled.totals, settled.reconciliation
        code, closed, uploaded = outcome.response_code, outcome.closed, outcome.uploaded
        if closed:
            self.journal.close_batch()
        self.journal.record_event("settlement", {"batch": batch, "response_code": code, "uploaded": uploaded},
                                  now=self._clock())
        report = settlement_report(self.journal, batch, totals, result="CLOSED" if closed else "OUT OF BALANCE",
                                   uploaded=uploaded)
        return TxnResult("settle", Outcome.COMPLETED, response_code=code, host_approved=self.profile.is_approved(code),
                         currency=self.config.currency,
                         settlement=report, receipt=tuple(report_lines(report, self.config.currency)))
