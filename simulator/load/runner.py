"""Running simulated terminals in one event loop: one process's share of a load run.

Every terminal is a task doing its own work in sequence (a sign-on, then the classic plan or
the mix). Each operation is timed with :func:`time.perf_counter` around the whole operation
(a lost answer's reversal included) and counted in the share's :class:`Tally`. The share
stops starting operations at ``duration`` (or at ``duration_limit``, which cuts the run short);
an operation still in flight a grace period later (twice the response timeout, at least 1 s)
is cancelled and counted as failed ("interrupted").
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from simulator.load.models import EngineModel, LightModel, SimulatedTerminal
from simulator.load.plan import LoadPlan, MixTurns, TerminalModel, Workload
from simulator.load.tally import Progress, Result, Tally
from simulator.load.terminal import OpOutcome, SaleRef

INTERRUPTED = "interrupted: the duration limit passed while it was in flight"
PROGRESS_INTERVAL = 0.5
MAX_OPEN_SALES = 1000
"""Approved sales a terminal keeps for later refunds and voids (a mix run); older ones are forgotten."""
FIRST_AMOUNT = 1000
AMOUNT_CYCLE = 100_000


@dataclass(frozen=True)
class Share:
    """One process's part of a run: the plan, the host, and which terminals."""

    plan: LoadPlan
    host_url: str
    data_dir: Path
    terminal_ids: tuple[str, ...]
    first_index: int = 0
    """Position of the first terminal in the whole run (spreads the mix schedules)."""


ProgressSink = Callable[[Progress], None]


@dataclass
class _Clock:
    """When the share stops starting operations, and whether that cut planned work short."""

    plan: LoadPlan
    stop_at: float
    tally: Tally = field(default_factory=Tally)

    def expired(self) -> bool:
        if time.perf_counter() < self.stop_at:
            return False
        if self.plan.duration is None:
            self.tally.cut_short = True
        return True

    async def timed(self, operation: str, call: Awaitable[OpOutcome]) -> OpOutcome | None:
        """Await ``call``, timing it and counting its outcome under its own operation name."""
        wall, start = time.time(), time.perf_counter()
        try:
            outcome = await call
        except asyncio.CancelledError:
            self.tally.record(operation, Result.FAILED, time.perf_counter() - start, INTERRUPTED, wall, time.time())
            raise
        except Exception as exc:  # noqa: BLE001 - one broken operation must not end the whole run
            outcome = OpOutcome(operation, Result.FAILED, f"{type(exc).__name__}: {exc}")
        self.tally.record(outcome.operation, outcome.result, time.perf_counter() - start, outcome.error, wall,
                          time.time())
        return outcome


def _indices(plan: LoadPlan) -> Iterable[int]:
    """Operation numbers of one terminal: ``transactions`` of them, or unbounded for a timed run."""
    return itertools.count() if plan.duration is not None else range(plan.transactions)


def _amount(index: int) -> int:
    return FIRST_AMOUNT + index % AMOUNT_CYCLE


async def _classic(terminal: SimulatedTerminal, plan: LoadPlan, clock: _Clock) -> None:
    """Sales, some followed at once by a refund of half of that sale."""
    for index in _indices(plan):
        if clock.expired():
            return
        amount = _amount(index)
        sale = await clock.timed("sale", terminal.sale(amount))
        if sale is None or sale.sale is None or not plan.refund_after(index):
            continue
        if clock.expired():
            return
        await clock.timed("refund", terminal.refund(sale.sale, amount // 2))


async def _mixed(terminal: SimulatedTerminal, plan: LoadPlan, clock: _Clock, position: int) -> None:
    """Operations drawn from the mix; a refund or void takes the oldest open sale (see :class:`MixTurns`)."""
    assert plan.mix is not None
    turns = MixTurns(plan.mix, offset=position)
    open_sales: deque[SaleRef] = deque(maxlen=MAX_OPEN_SALES)
    for index in _indices(plan):
        if clock.expired():
            return
        choice = turns.next(open_sale=bool(open_sales))
        if choice != "sale":
            original = open_sales.popleft()
            call = terminal.refund(original, original.amount // 2) if choice == "refund" else terminal.void(original)
            await clock.timed(choice, call)
            continue
        sale = await clock.timed("sale", terminal.sale(_amount(index)))
        if sale is not None and sale.sale is not None:
            open_sales.append(sale.sale)


async def _drive(terminal: SimulatedTerminal, plan: LoadPlan, clock: _Clock, position: int) -> None:
    """One terminal's work, in sequence, until done or the clock says stop."""
    if plan.workload is Workload.ECHO:
        for _ in _indices(plan):
            if clock.expired():
                return
            await clock.timed("echo", terminal.echo())
        return
    if clock.expired():
        return
    signon = await clock.timed("signon", terminal.sign_on())
    if signon is not None and signon.unknown_terminal:
        clock.tally.unknown_terminals.append(terminal.terminal_id)
    if signon is None or signon.result is not Result.APPROVED:
        return  # a terminal that is not signed on sends nothing (no sale, so no reversal either)
    if plan.mix is None:
        await _classic(terminal, plan, clock)
    else:
        await _mixed(terminal, plan, clock, position)
    await terminal.finish()


def _build(share: Share) -> list[SimulatedTerminal]:
    plan = share.plan
    terminals: list[SimulatedTerminal] = []
    try:
        for terminal_id in share.terminal_ids:
            if plan.model is TerminalModel.ENGINE:
                terminals.append(EngineModel(terminal_id, plan, share.host_url, share.data_dir))
            else:
                terminals.append(LightModel(terminal_id, plan, share.host_url))
    except BaseException:
        for terminal in terminals:
            if isinstance(terminal, EngineModel):
                terminal.engine.close()
        raise
    return terminals


async def _report_progress(clock: _Clock, sink: ProgressSink, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        sink(clock.tally.progress())


async def run_share(
    share: Share,
    *,
    progress: ProgressSink | None = None,
    ready: Callable[[], Awaitable[None]] | None = None,
    progress_interval: float = PROGRESS_INTERVAL,
) -> Tally:
    """Run ``share``'s terminals to the end of the plan and return what they measured.

    ``ready``, when given, is awaited once the terminals are built and before the clock starts
    (a worker waits there for the others); ``progress`` gets a snapshot every ``progress_interval``.
    """
    plan = share.plan
    terminals = _build(share)
    reporter: asyncio.Task[None] | None = None
    try:
        if ready is not None:
            await ready()
        clock = _Clock(plan, time.perf_counter() + (plan.duration if plan.duration is not None
                                                    else plan.duration_limit))
        if progress is not None:
            reporter = asyncio.create_task(_report_progress(clock, progress, progress_interval))
        tasks = [asyncio.create_task(_drive(terminal, plan, clock, share.first_index + number))
                 for number, terminal in enumerate(terminals)]
        grace = max(1.0, 2 * plan.response_timeout)
        _, pending = await asyncio.wait(tasks, timeout=max(0.0, clock.stop_at - time.perf_counter()) + grace)
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome
        clock.tally.cancelled = len(pending)
        if pending:
            clock.tally.cut_short = True
        for terminal in terminals:
            clock.tally.reversals.add(terminal.reversal_counts())
    finally:
        if reporter is not None:
            reporter.cancel()
        for terminal in terminals:
            await terminal.close()
    if progress is not None:
        progress(clock.tally.progress())
    return clock.tally
