"""The load driver behind ``possim load``: many simulated terminals against one host, in one event loop.

Each simulated terminal (``LOAD0001``, ``LOAD0002``...; the test merchant ID) is a real
:class:`~pos_terminal.engine.TerminalEngine` on its own data folder ``DIR/terminals/<TID>``.
All of them run concurrently; each does its own work in sequence: a sign-on, then
``transactions`` chip sales of the ``visa_credit`` test card with PIN 1234, some followed by a
partial refund of that sale by its RRN (supervisor password 0000). Without a host URL the host
emulator is started in the same process on 127.0.0.1 (data in ``DIR/host``) and stopped at the end.

Every operation is timed with :func:`time.perf_counter` around the engine call. A run is
bounded twice: by the planned count, and by ``duration_limit`` seconds, after which no new
operation starts (the report says so); an operation still in flight a grace period later is
cancelled and counted as failed.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from emv.cards import EntryMode
from iso8583.dialects import dialect_names
from pos_terminal.cards import PresentedCard, present_test_card
from pos_terminal.config import load_config
from pos_terminal.defaults import MERCHANT_ID, SUPERVISOR_PASSWORD
from pos_terminal.engine import RefundRequest, TerminalEngine
from pos_terminal.results import Outcome, TxnResult
from pos_terminal.security import KeyScheme
from simulator.host.config import HostConfig, TerminalProfile
from simulator.host.server import HostServer

TERMINAL_PREFIX = "LOAD"
MAX_TERMINALS = 9999
"""Terminal IDs are ``LOAD`` and four digits (DE 41 is 8 characters)."""
MAX_TRANSACTIONS = 100_000
MAX_DURATION = 24 * 3600.0
LOAD_CARD = "visa_credit"
LOAD_PIN = "1234"
ERROR_SAMPLES = 5
"""How many distinct error texts a report keeps."""
EMBEDDED_LISTEN = "tcp://127.0.0.1:0"
INTERRUPTED = "interrupted: the duration limit passed while it was in flight"


class LoadPlanError(ValueError):
    """A load plan that cannot run (no terminals, a ratio outside 0..1...)."""


class Workload(StrEnum):
    """What each simulated terminal does."""

    FINANCIAL = "financial"
    """Sign on, then sales, some followed by a partial refund."""
    ECHO = "echo"
    """Only 0800 echo tests (``transactions`` of them): the baseline of the exchange itself."""


class Result(StrEnum):
    """How one operation ended, as the report counts it."""

    APPROVED = "approved"
    DECLINED = "declined"
    """The host answered with a response code other than 00."""
    REFUSED = "refused"
    """The terminal refused it itself (nothing, or nothing valid, reached the host)."""
    FAILED = "failed"
    """No valid answer from the host: unreachable, timeout, garbled, MAC failure, interrupted."""


@dataclass(frozen=True)
class LoadPlan:
    """What to run; validated when built (:class:`LoadPlanError`)."""

    terminals: int = 4
    transactions: int = 10
    """Sales (or echo tests) per terminal."""
    refund_ratio: float = 0.5
    """Share of sales followed by a partial refund of that sale, spread evenly over the run."""
    key_scheme: KeyScheme = KeyScheme.MKSK
    dialect: str = "terminal87"
    response_timeout: float = 10.0
    duration_limit: float = 60.0
    workload: Workload = Workload.FINANCIAL
    password_iterations: int = 1000
    """PBKDF2 cost of the simulated terminals' supervisor password hash (the terminal default is
    200 000): low, so that refunds measure the exchange with the host, not the terminal's hashing."""

    def __post_init__(self) -> None:
        _whole(self.terminals, "terminals", 1, MAX_TERMINALS)
        _whole(self.transactions, "transactions", 1, MAX_TRANSACTIONS)
        _whole(self.password_iterations, "password_iterations", 1, 10_000_000)
        _number(self.refund_ratio, "refund_ratio", 0.0, 1.0)
        _number(self.duration_limit, "duration_limit", 0.0, MAX_DURATION, open_low=True)
        _number(self.response_timeout, "response_timeout", 0.0, 3600.0, open_low=True)
        if self.dialect not in dialect_names():
            raise LoadPlanError(f"dialect: unknown {self.dialect!r} (built-in: {', '.join(dialect_names())})")
        try:
            object.__setattr__(self, "key_scheme", KeyScheme(self.key_scheme))
            object.__setattr__(self, "workload", Workload(self.workload))
        except ValueError as error:
            raise LoadPlanError(str(error)) from None

    def terminal_ids(self) -> list[str]:
        """``LOAD0001`` ... one per simulated terminal."""
        return [f"{TERMINAL_PREFIX}{number:04d}" for number in range(1, self.terminals + 1)]

    def refund_after(self, index: int) -> bool:
        """True when sale number ``index`` (from 0) is followed by a refund.

        Evenly spread and exact: over ``transactions`` sales, ``floor(transactions * ratio)`` refunds.
        """
        return math.floor((index + 1) * self.refund_ratio) > math.floor(index * self.refund_ratio)

    def planned_operations(self) -> int:
        """Every operation of a complete run, all terminals together."""
        if self.workload is Workload.ECHO:
            return self.terminals * self.transactions
        refunds = sum(self.refund_after(index) for index in range(self.transactions))
        return self.terminals * (1 + self.transactions + refunds)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["key_scheme"] = self.key_scheme.value
        data["workload"] = self.workload.value
        return data


def _whole(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LoadPlanError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")


def _number(value: object, name: str, low: float, high: float, *, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not (low < value if open_low else low <= value) or value > high:
        bound = f"above {low:g}" if open_low else f"from {low:g}"
        raise LoadPlanError(f"{name}: expected a number {bound} to {high:g}, got {value!r}")


@dataclass(frozen=True)
class Sample:
    """One timed operation."""

    terminal_id: str
    operation: str
    result: Result
    seconds: float
    error: str | None = None


def classify(result: TxnResult) -> Result:
    """The report's view of a terminal result."""
    if result.outcome is Outcome.COMMUNICATION_FAILED:
        return Result.FAILED
    if result.outcome is Outcome.REFUSED:
        return Result.REFUSED
    return Result.APPROVED if result.approved else Result.DECLINED


@dataclass(frozen=True)
class Latency:
    """Latency percentiles in milliseconds (None when nothing was measured)."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        if not seconds:
            return cls(0, None, None, None, None)
        ms = [value * 1000.0 for value in seconds]
        cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
        return cls(len(ms), round(cuts[49], 3), round(cuts[94], 3), round(cuts[98], 3), round(max(ms), 3))

    def to_json(self) -> dict[str, Any]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}

    def text(self) -> str:
        if not self.count:
            return "-"
        return f"p50 {self.p50:.1f}  p95 {self.p95:.1f}  p99 {self.p99:.1f}  max {self.max:.1f}"


@dataclass(frozen=True)
class LoadReport:
    """What a run measured. ``counts[operation][result]``; latencies over every operation, failures included."""

    plan: LoadPlan
    host_url: str
    embedded_host: bool
    elapsed: float
    """Seconds from the first operation's start to the last one's end, all terminals together."""
    operations: int
    latency: Latency
    latency_by_operation: dict[str, Latency]
    counts: dict[str, dict[str, int]]
    errors: list[str]
    stopped_early: bool
    stop_reason: str | None = None

    @classmethod
    def build(cls, plan: LoadPlan, host_url: str, embedded_host: bool, elapsed: float, samples: list[Sample],
              stop_reason: str | None) -> LoadReport:
        operations = list(dict.fromkeys(sample.operation for sample in samples))
        counts = {op: {result.value: 0 for result in Result} for op in operations}
        errors: list[str] = []
        for sample in samples:
            counts[sample.operation][sample.result.value] += 1
            text = f"{sample.operation}: {sample.error}" if sample.error else None
            if text and text not in errors and len(errors) < ERROR_SAMPLES:
                errors.append(text)
        return cls(
            plan=plan, host_url=host_url, embedded_host=embedded_host, elapsed=elapsed, operations=len(samples),
            latency=Latency.of([sample.seconds for sample in samples]),
            latency_by_operation={op: Latency.of([s.seconds for s in samples if s.operation == op])
                                  for op in operations},
            counts=counts, errors=errors, stopped_early=stop_reason is not None, stop_reason=stop_reason,
        )

    @property
    def throughput(self) -> float:
        """Operations per second over :attr:`elapsed`."""
        return self.operations / self.elapsed if self.elapsed > 0 else 0.0

    def total(self, result: Result) -> int:
        """How many operations, of every kind, ended with ``result``."""
        return sum(by_result[result.value] for by_result in self.counts.values())

    def to_json(self) -> dict[str, Any]:
        """The ``possim load --json`` object (docs/load.md)."""
        return {
            "plan": self.plan.to_json(),
            "host": self.host_url,
            "embedded_host": self.embedded_host,
            "elapsed_s": round(self.elapsed, 6),
            "operations": self.operations,
            "planned_operations": self.plan.planned_operations(),
            "throughput_ops_per_s": round(self.throughput, 3),
            "latency_ms": self.latency.to_json(),
            "outcomes": {result.value: self.total(result) for result in Result},
            "by_operation": {
                op: {"count": sum(by_result.values()), **by_result,
                     "latency_ms": self.latency_by_operation[op].to_json()}
                for op, by_result in self.counts.items()
            },
            "errors": list(self.errors),
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
        }

    def to_text(self) -> str:
        """The person-readable rendering."""
        plan = self.plan
        what = (f"{plan.terminals} terminals x {plan.transactions} "
                + ("echo tests" if plan.workload is Workload.ECHO else
                   f"sales (refund ratio {plan.refund_ratio:g}, {plan.key_scheme.value}, {plan.dialect})"))
        where = "embedded host " + self.host_url if self.embedded_host else self.host_url
        lines = [
            f"possim load: {what} against {where}",
            f"  {self.operations} operations in {self.elapsed:.3f} s: {self.throughput:.1f} ops/s",
            f"  latency ms  {self.latency.text()}",
        ]
        for op, by_result in self.counts.items():
            detail = "  ".join(f"{name} {count}" for name, count in by_result.items() if count)
            lines.append(f"  {op:<7} {sum(by_result.values()):>6}  {detail}  |  {self.latency_by_operation[op].text()}")
        lines.extend(f"  error: {text}" for text in self.errors)
        if self.stop_reason:
            lines.append(f"  STOPPED EARLY: {self.stop_reason}")
        return "\n".join(lines)


@dataclass
class _Run:
    """The samples of one run and its clock; one per :func:`run_load` call."""

    deadline: float
    samples: list[Sample] = field(default_factory=list)
    cut_short: bool = False
    first_start: float | None = None
    last_end: float | None = None

    def expired(self) -> bool:
        if time.perf_counter() >= self.deadline:
            self.cut_short = True
        return self.cut_short

    async def timed(self, terminal_id: str, operation: str, call: Awaitable[TxnResult]) -> TxnResult | None:
        """Await ``call`` (an engine coroutine), timing it and recording the sample."""
        start = time.perf_counter()
        if self.first_start is None:
            self.first_start = start
        result: TxnResult | None = None
        try:
            result = await call
            outcome, error = classify(result), result.error
        except asyncio.CancelledError:
            self._record(Sample(terminal_id, operation, Result.FAILED, time.perf_counter() - start, INTERRUPTED))
            raise
        except Exception as exc:  # noqa: BLE001 - one broken operation must not end the whole run
            outcome, error = Result.FAILED, f"{type(exc).__name__}: {exc}"
        self._record(Sample(terminal_id, operation, outcome, time.perf_counter() - start, error))
        return result

    def _record(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.last_end = time.perf_counter()


async def _drive(engine: TerminalEngine, plan: LoadPlan, run: _Run) -> None:
    """One simulated terminal's work, in sequence, until done or the deadline."""
    tid = engine.config.terminal_id
    if plan.workload is Workload.ECHO:
        for _ in range(plan.transactions):
            if run.expired():
                return
            await run.timed(tid, "echo", engine.echo())
        return
    if run.expired():
        return
    await run.timed(tid, "signon", engine.sign_on())
    card: PresentedCard = present_test_card(LOAD_CARD, EntryMode.CHIP)  # one card: its ATC runs on
    for index in range(plan.transactions):
        if run.expired():
            return
        amount = 1000 + index
        sale = await run.timed(tid, "sale", engine.sale(card, amount, LOAD_PIN))
        if sale is None or not sale.approved or not sale.rrn or not plan.refund_after(index):
            continue
        if run.expired():
            return
        request = RefundRequest(card=card, amount=amount // 2, supervisor_password=SUPERVISOR_PASSWORD,
                                original_rrn=sale.rrn, reason="01")
        await run.timed(tid, "refund", engine.refund(request))


def _open_engines(plan: LoadPlan, host_url: str, data_dir: Path) -> list[TerminalEngine]:
    engines: list[TerminalEngine] = []
    try:
        for terminal_id in plan.terminal_ids():
            folder = data_dir / "terminals" / terminal_id
            folder.mkdir(parents=True, exist_ok=True)
            config = load_config(folder, password_iterations=plan.password_iterations).with_overrides(
                terminal_id=terminal_id, merchant_id=MERCHANT_ID, host_url=host_url, dialect=plan.dialect,
                key_scheme=plan.key_scheme, response_timeout=plan.response_timeout,
                connect_timeout=min(plan.response_timeout, 5.0),
            )
            engines.append(TerminalEngine.open(folder, config))
    except BaseException:
        for engine in engines:
            engine.close()
        raise
    return engines


async def _start_embedded_host(plan: LoadPlan, data_dir: Path) -> HostServer:
    """The host emulator on 127.0.0.1 (any free port), knowing exactly the simulated terminals."""
    host_dir = data_dir / "host"
    host_dir.mkdir(parents=True, exist_ok=True)
    config = HostConfig(data_dir=host_dir, dialect=plan.dialect, listen=EMBEDDED_LISTEN,
                        terminals={tid: TerminalProfile(tid, MERCHANT_ID) for tid in plan.terminal_ids()})
    server = HostServer(config, listen=EMBEDDED_LISTEN)
    await server.start()
    return server


async def run_load(plan: LoadPlan, *, host_url: str | None, data_dir: Path) -> LoadReport:
    """Run ``plan`` against ``host_url`` (None: the embedded host on 127.0.0.1) and report."""
    deadline = time.perf_counter() + plan.duration_limit
    server = await _start_embedded_host(plan, data_dir) if host_url is None else None
    engines: list[TerminalEngine] = []
    try:
        url = server.url if server is not None else host_url
        assert url is not None
        engines = _open_engines(plan, url, data_dir)
        run = _Run(deadline=deadline)
        tasks = [asyncio.create_task(_drive(engine, plan, run)) for engine in engines]
        grace = max(1.0, 2 * plan.response_timeout)
        _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.perf_counter()) + grace)
        for task in pending:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in results:
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome
    finally:
        for engine in engines:
            engine.close()
        if server is not None:
            await server.stop()
    elapsed = (run.last_end - run.first_start) if run.first_start is not None and run.last_end is not None else 0.0
    stop_reason = None
    if run.cut_short or pending:
        missing = plan.planned_operations() - len(run.samples)
        stop_reason = (f"duration limit of {plan.duration_limit:g} s reached; "
                       f"{len(run.samples)} of {plan.planned_operations()} planned operations ran"
                       + (f", {missing} not run" if missing > 0 else "")
                       + (f"; {len(pending)} terminal(s) cancelled mid-operation" if pending else ""))
    return LoadReport.build(plan, url, server is not None, elapsed, run.samples, stop_reason)
