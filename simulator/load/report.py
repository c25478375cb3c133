"""The report of a load run: the JSON object of ``possim load --json`` and the text table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.load.plan import LoadPlan, Workload
from simulator.load.tally import Latency, Result, ReversalCounts, Tally

UNKNOWN_SHOWN = 5
"""How many unknown terminal IDs a stop reason names."""


@dataclass(frozen=True)
class LoadReport:
    """What a run measured. ``counts[operation][result]``; latencies over every operation, failures included."""

    plan: LoadPlan
    host_url: str
    embedded_host: bool
    elapsed: float
    """Seconds from the first operation's start to the last one's end, all terminals (and workers) together."""
    operations: int
    latency: Latency
    latency_by_operation: dict[str, Latency]
    counts: dict[str, dict[str, int]]
    errors: list[str]
    stopped_early: bool
    stop_reason: str | None = None
    reversals: ReversalCounts = field(default_factory=ReversalCounts)
    unknown_terminals: tuple[str, ...] = ()

    @property
    def signed_on(self) -> int:
        """How many terminals the host signed on."""
        return self.counts.get("signon", {}).get(Result.APPROVED.value, 0)

    @property
    def sign_ons(self) -> int:
        """How many terminals tried to sign on (0 for an echo workload, which does not sign on)."""
        return sum(self.counts.get("signon", {}).values())

    @property
    def none_signed_on(self) -> bool:
        """Every terminal tried to sign on and none could: the run stopped before any transaction."""
        return self.sign_ons > 0 and self.signed_on == 0

    @classmethod
    def build(cls, plan: LoadPlan, host_url: str, embedded_host: bool, tally: Tally) -> LoadReport:
        everything = [value for values in tally.seconds.values() for value in values]
        unknown = tuple(sorted(tally.unknown_terminals))
        return cls(
            plan=plan, host_url=host_url, embedded_host=embedded_host, elapsed=tally.elapsed,
            operations=tally.operations, latency=Latency.of(everything),
            latency_by_operation={op: Latency.of(values) for op, values in tally.seconds.items()},
            counts={op: dict(by_result) for op, by_result in tally.counts.items()}, errors=list(tally.errors),
            stopped_early=bool(unknown) or tally.cut_short or _none_signed_on(tally), stop_reason=_stop_reason(plan, tally, unknown),
            reversals=tally.reversals, unknown_terminals=unknown,
        )

    @property
    def throughput(self) -> float:
        """Operations per second over :attr:`elapsed`."""
        return self.operations / self.elapsed if self.elapsed > 0 else 0.0

    def rate(self, operation: str) -> float:
        """``operation``s per second over :attr:`elapsed`."""
        count = sum(self.counts.get(operation, {}).values())
        return count / self.elapsed if self.elapsed > 0 else 0.0

    def total(self, result: Result) -> int:
        """How many operations, of every kind, ended with ``result``."""
        return sum(by_result.get(result.value, 0) for by_result in self.counts.values())

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
                op: {"count": sum(by_result.values()), **by_result, "ops_per_s": round(self.rate(op), 3),
                     "latency_ms": self.latency_by_operation[op].to_json()}
                for op, by_result in self.counts.items()
            },
            "reversals": self.reversals.to_json(),
            "unknown_terminals": list(self.unknown_terminals),
            "errors": list(self.errors),
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
        }

    def to_text(self) -> str:
        """The person-readable rendering: a headline, then one row per operation."""
        lines = [f"possim load: {_describe(self.plan)} against "
                 + ("embedded host " + self.host_url if self.embedded_host else self.host_url),
                 f"  {self.operations} operations in {self.elapsed:.3f} s: {self.throughput:.1f} ops/s"
                 f"   latency ms  {self.latency.text()}"]
        show_refused = self.total(Result.REFUSED) > 0
        header = ["operation", "count", "approved", "declined", *(["refused"] if show_refused else []), "failed",
                  "ops/s", "p50 ms", "p95 ms", "p99 ms"]
        rows = [header]
        for op, by_result in self.counts.items():
            latency = self.latency_by_operation[op]
            rows.append([op, str(sum(by_result.values())), str(by_result["approved"]), str(by_result["declined"]),
                         *([str(by_result["refused"])] if show_refused else []), str(by_result["failed"]),
                         f"{self.rate(op):.1f}", *(_ms(value) for value in (latency.p50, latency.p95, latency.p99))])
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        lines.extend("  " + "  ".join(cell.ljust(widths[0]) if column == 0 else cell.rjust(widths[column])
                                      for column, cell in enumerate(row)) for row in rows)
        if self.reversals.sent or self.reversals.pending:
            lines.append(f"  reversals: {self.reversals.sent} sent, {self.reversals.acked} acknowledged, "
                         f"{self.reversals.pending} still owed")
        lines.extend(f"  error: {text}" for text in self.errors)
        if self.stop_reason:
            lines.append(f"  STOPPED EARLY: {self.stop_reason}")
        return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _describe(plan: LoadPlan) -> str:
    count = f"for {plan.duration:g} s" if plan.duration is not None else f"x {plan.transactions}"
    if plan.workload is Workload.ECHO:
        what = f"{plan.terminals} {plan.model.value} terminals {count} echo tests"
    elif plan.mix is not None:
        what = (f"{plan.terminals} {plan.model.value} terminals {count} operations "
                f"(mix {plan.mix.text()}, {plan.key_scheme.value}, {plan.dialect})")
    else:
        what = (f"{plan.terminals} {plan.model.value} terminals {count} sales "
                f"(refund ratio {plan.refund_ratio:g}, {plan.key_scheme.value}, {plan.dialect})")
    return what + (f", {plan.workers} workers" if plan.workers > 1 else "")


def _none_signed_on(tally: Tally) -> bool:
    signons = tally.counts.get("signon", {})
    return sum(signons.values()) > 0 and signons.get(Result.APPROVED.value, 0) == 0


def _stop_reason(plan: LoadPlan, tally: Tally, unknown: tuple[str, ...]) -> str | None:
    reasons = []
    if _none_signed_on(tally):
        reasons.append("no terminal could sign on: nothing else was sent")
    if unknown:
        named = ", ".join(unknown[:UNKNOWN_SHOWN]) + (", ..." if len(unknown) > UNKNOWN_SHOWN else "")
        reasons.append(f"the host does not know {len(unknown)} of the {plan.terminals} load terminals ({named}); "
                       "list them in its host.toml [[terminals]] (possim load --print-host-config)")
    if tally.cut_short:
        planned = plan.planned_operations()
        ran = tally.operations
        if plan.duration is None:
            text = (f"duration limit of {plan.duration_limit:g} s reached; {ran} of {planned} planned operations ran"
                    + (f", {planned - ran} not run" if planned is not None and planned > ran else ""))
        else:
            text = f"{ran} operations ran"
        if tally.cancelled:
            text += f"; {tally.cancelled} terminal(s) cancelled mid-operation"
        reasons.append(text)
    return "; ".join(reasons) or None
