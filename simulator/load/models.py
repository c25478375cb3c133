"""The two kinds of simulated terminal a run can use, behind one small asynchronous interface.

* :class:`LightModel`: a :class:`~simulator.load.terminal.LightTerminal` over one persistent
  connection (:class:`~simulator.load.link.AsyncLink`): what ``possim load`` uses by default.
* :class:`EngineModel`: the full terminal core (:class:`pos_terminal.engine.terminal.TerminalEngine`) on
  its own data folder and SQLite journal, with a connection per exchange: slower, and measuring
  the terminal as much as the host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from emv.cards import EntryMode
from pos_terminal.state.cards import PresentedCard, present_test_card
from pos_terminal.state.config import load_config
from protocols.defaults import MERCHANT_ID, SUPERVISOR_PASSWORD
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from protocols.iso87 import ResponseCode
from pos_terminal.common.results import Outcome, TxnResult
from simulator.load.link import AsyncLink, perform
from simulator.load.plan import LoadPlan
from simulator.load.tally import Result, ReversalCounts
from simulator.load.terminal import (
    LOAD_CARD,
    LOAD_PIN,
    REFUND_REASON,
    UNKNOWN_TERMINAL,
    LightTerminal,
    OpOutcome,
    SaleRef,
)


LOAD_REFUNDS_PER_CARD_PER_DAY = 1_000_000
"""Every load terminal refunds the one load card over and over: the terminal's per-card velocity rule is
lifted for them, as the host's is (simulator.load.run.LOAD_REFUND_POLICY); a load run measures throughput,
not a merchant's anti-fraud policy."""


class SimulatedTerminal(Protocol):
    """What the run drives: one terminal's operations, each awaited to its end."""

    terminal_id: str

    async def sign_on(self) -> OpOutcome: ...

    async def echo(self) -> OpOutcome: ...

    async def sale(self, amount: int) -> OpOutcome: ...

    async def refund(self, sale: SaleRef, amount: int) -> OpOutcome: ...

    async def void(self, sale: SaleRef) -> OpOutcome: ...

    async def finish(self) -> None:
        """At the end of the work: deliver what is owed (reversals)."""
        ...

    async def close(self) -> None: ...

    def reversal_counts(self) -> ReversalCounts: ...


class LightModel:
    """A light terminal and its persistent connection."""

    def __init__(self, terminal_id: str, plan: LoadPlan, host_url: str) -> None:
        self.terminal_id = terminal_id
        self.terminal = LightTerminal(terminal_id, key_scheme=plan.key_scheme, dialect=plan.dialect)
        self.link = AsyncLink(host_url, response_timeout=plan.response_timeout,
                              connect_timeout=min(plan.response_timeout, 5.0))

    async def sign_on(self) -> OpOutcome:
        return await perform(self.link, self.terminal.sign_on())

    async def echo(self) -> OpOutcome:
        return await perform(self.link, self.terminal.echo())

    async def sale(self, amount: int) -> OpOutcome:
        return await perform(self.link, self.terminal.sale(amount))

    async def refund(self, sale: SaleRef, amount: int) -> OpOutcome:
        return await perform(self.link, self.terminal.refund(sale, amount))

    async def void(self, sale: SaleRef) -> OpOutcome:
        return await perform(self.link, self.terminal.void(sale))

    async def finish(self) -> None:
        if self.terminal.owed_reversals:
            await perform(self.link, self.terminal.settle_reversals())

    async def close(self) -> None:
        await self.link.close()

    def reversal_counts(self) -> ReversalCounts:
        counts = self.terminal.reversals
        return ReversalCounts(counts.sent, counts.acked, self.terminal.owed_reversals)


def _classify(result: TxnResult) -> Result:
    if result.outcome is Outcome.COMMUNICATION_FAILED:
        return Result.FAILED
    if result.outcome is Outcome.REFUSED:
        return Result.REFUSED
    return Result.APPROVED if result.approved else Result.DECLINED


class EngineModel:
    """The terminal core on ``data_dir/terminals/<TID>`` (journal, key store, a connection per exchange)."""

    def __init__(self, terminal_id: str, plan: LoadPlan, host_url: str, data_dir: Path) -> None:
        folder = data_dir / "terminals" / terminal_id
        folder.mkdir(parents=True, exist_ok=True)
        config = load_config(folder, password_iterations=plan.password_iterations).with_overrides(
            terminal_id=terminal_id, merchant_id=MERCHANT_ID, host_url=host_url, dialect=plan.dialect,
            key_scheme=plan.key_scheme, response_timeout=plan.response_timeout,
            connect_timeout=min(plan.response_timeout, 5.0),
            max_refunds_per_card_per_day=LOAD_REFUNDS_PER_CARD_PER_DAY,
        )
        self.terminal_id = terminal_id
        self.engine = TerminalEngine.open(folder, config)
        self.card: PresentedCard = present_test_card(LOAD_CARD, EntryMode.CHIP)  # one card: its ATC runs on

    def _outcome(self, operation: str, result: TxnResult) -> OpOutcome:
        outcome = _classify(result)
        sale = None
        if operation == "sale" and outcome is Result.APPROVED and result.rrn:
            moment = self.engine.journal.get(result.transaction_id).transmitted_at if result.transaction_id else None
            sale = SaleRef(result.rrn, result.amount or 0, moment.strftime("%m%d") if moment else "",
                           result.invoice or 0)
        error = result.error
        if operation == "signon" and result.response_code == ResponseCode.INVALID_MERCHANT:
            return OpOutcome(operation, outcome, UNKNOWN_TERMINAL, result.response_code, unknown_terminal=True)
        if error is None and outcome is Result.DECLINED:
            error = f"answered {result.response_code}"
        return OpOutcome(operation, outcome, error, result.response_code, sale)

    async def sign_on(self) -> OpOutcome:
        return self._outcome("signon", await self.engine.sign_on())

    async def echo(self) -> OpOutcome:
        return self._outcome("echo", await self.engine.echo())

    async def sale(self, amount: int) -> OpOutcome:
        return self._outcome("sale", await self.engine.sale(self.card, amount, LOAD_PIN))

    async def refund(self, sale: SaleRef, amount: int) -> OpOutcome:
        request = RefundRequest(card=self.card, amount=amount, supervisor_password=SUPERVISOR_PASSWORD,
                                original_rrn=sale.rrn, reason=REFUND_REASON)
        return self._outcome("refund", await self.engine.refund(request))

    async def void(self, sale: SaleRef) -> OpOutcome:
        return self._outcome("void", await self.engine.void(sale.invoice, SUPERVISOR_PASSWORD))

    async def finish(self) -> None:
        """The engine reverses by itself (and again at its next start); nothing more to do here."""

    async def close(self) -> None:
        self.engine.close()

    def reversal_counts(self) -> ReversalCounts:
        return ReversalCounts(pending=len(self.engine.journal.pending_reversals()))
