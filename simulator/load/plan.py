"""What a load run does: :class:`LoadPlan` (validated when built) and the operation :class:`Mix`.

Two ways to say what each simulated terminal does after its sign-on:

* the classic plan: ``transactions`` chip sales, ``floor(transactions x refund_ratio)`` of them,
  spread evenly, each followed by a partial refund of that sale;
* a mix (``--mix sale=60,refund=30,void=10``): each operation is drawn from the weights by a
  smooth weighted round robin, so every cycle of ``sum(weights)`` operations holds exactly
  ``weight`` of each kind. A refund or void refers to an earlier approved sale of the same
  terminal (matched by its RRN); when none is open, the terminal makes a sale now and the
  refund or void takes the next sale's turn (:class:`MixTurns`), so the proportions hold.

A run is bounded by a count (``transactions`` per terminal) or by ``duration`` seconds, and
always by ``duration_limit`` seconds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from iso8583.errors import DialectError
from iso8583.toml_dialect import resolve_dialect
from protocols.security import KeyScheme

TERMINAL_PREFIX = "LOAD"
MAX_TERMINALS = 9999
"""Terminal IDs are ``LOAD`` and four digits (DE 41 is 8 characters)."""
MAX_TRANSACTIONS = 100_000
MAX_DURATION = 24 * 3600.0
MAX_WORKERS = 64
MAX_WEIGHT = 1_000_000
MIX_OPERATIONS = ("sale", "refund", "void")
"""What a mix may name: a sale, a matched refund of an earlier sale, a void of an earlier sale."""


class LoadPlanError(ValueError):
    """A load plan that cannot run (no terminals, a ratio outside 0..1, a bad mix...)."""


class MixError(LoadPlanError):
    """A ``--mix`` text that cannot be read; the message names the bad part."""


class Workload(StrEnum):
    """What each simulated terminal does."""

    FINANCIAL = "financial"
    """Sign on, then sales, refunds and voids (the classic plan or a mix)."""
    ECHO = "echo"
    """Only 0800 echo tests (``transactions`` of them, or until ``duration``): the baseline of the exchange."""


class TerminalModel(StrEnum):
    """How each simulated terminal is built."""

    LIGHT = "light"
    """A protocol-exact terminal with its state in memory and one persistent connection (the default)."""
    ENGINE = "engine"
    """The full terminal core (:class:`pos_terminal.engine.terminal.TerminalEngine`) with its SQLite journal and a
    connection per exchange: measures the terminal itself as much as the host."""


@dataclass(frozen=True)
class Mix:
    """Relative weights of the operations a terminal draws from, in the order given."""

    weights: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        names = [name for name, _ in self.weights]
        for name, weight in self.weights:
            if name not in MIX_OPERATIONS:
                raise MixError(f"mix: unknown operation {name!r} (expected {', '.join(MIX_OPERATIONS)})")
            if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
                raise MixError(f"mix: {name}={weight!r}: the weight must be a whole number from 0 to {MAX_WEIGHT}")
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise MixError(f"mix: {duplicated[0]} is given twice")
        if self.total == 0:
            raise MixError("mix: every weight is 0; give at least one operation a weight above 0")
        if self.weight("sale") == 0:
            raise MixError("mix: refunds and voids refer to earlier sales: give sale a weight above 0")

    @classmethod
    def parse(cls, text: str) -> Mix:
        """``sale=60,refund=30,void=10`` (weights are relative whole numbers; they need not add up to 100)."""
        if not isinstance(text, str) or not text.strip():
            raise MixError("mix: expected operation=weight pairs separated by commas, e.g. sale=60,refund=30,void=10")
        weights = []
        for part in text.split(","):
            name, equals, value = part.strip().partition("=")
            name, value = name.strip().lower(), value.strip()
            if not equals or not name:
                raise MixError(f"mix: {part.strip()!r}: expected operation=weight, e.g. sale=60")
            if name not in MIX_OPERATIONS:
                raise MixError(f"mix: {part.strip()!r}: unknown operation {name!r} "
                               f"(expected {', '.join(MIX_OPERATIONS)})")
            if not (value.isascii() and value.isdigit()) or int(value) > MAX_WEIGHT:
                raise MixError(f"mix: {part.strip()!r}: the weight must be a whole number from 0 to {MAX_WEIGHT}")
            weights.append((name, int(value)))
        return cls(tuple(weights))

    @property
    def total(self) -> int:
        return sum(weight for _, weight in self.weights)

    def weight(self, name: str) -> int:
        return next((weight for op, weight in self.weights if op == name), 0)

    def schedule(self, offset: int = 0) -> Iterator[str]:
        """The endless sequence of operations (smooth weighted round robin), started ``offset`` steps in.

        Each run of ``total`` operations holds exactly ``weight`` of each, evenly interleaved; the
        offset lets terminals start at different points of the cycle.
        """
        active = [(name, weight) for name, weight in self.weights if weight]
        names, weights = [name for name, _ in active], [weight for _, weight in active]
        current = [0] * len(active)
        total = self.total
        skip = offset % total
        while True:
            chosen, highest = 0, None
            for index, weight in enumerate(weights):  # the first of the highest, as max() would choose
                value = current[index] = current[index] + weight
                if highest is None or value > highest:
                    chosen, highest = index, value
            current[chosen] -= total
            if skip:
                skip -= 1
            else:
                yield names[chosen]

    def text(self) -> str:
        return ",".join(f"{name}={weight}" for name, weight in self.weights)

    def to_json(self) -> dict[str, int]:
        return dict(self.weights)


class MixTurns:
    """One terminal's turns through a mix, kept exact when a refund or void finds no open sale.

    Such a refund or void becomes a sale now and takes the turn of the next sale instead, so
    every cycle still holds each operation ``weight`` times (``sale=2,refund=1,void=1`` gives
    sale, refund, sale, void).
    """

    def __init__(self, mix: Mix, offset: int = 0) -> None:
        self._schedule = mix.schedule(offset)
        self._waiting: deque[str] = deque()

    def next(self, open_sale: bool) -> str:
        """The next operation; ``open_sale`` says whether an approved sale is there to refund or void."""
        choice = next(self._schedule)
        if choice == "sale" and self._waiting and open_sale:
            return self._waiting.popleft()
        if choice != "sale" and not open_sale:
            self._waiting.append(choice)
            return "sale"
        return choice


@dataclass(frozen=True)
class LoadPlan:
    """What to run; validated when built (:class:`LoadPlanError`)."""

    terminals: int = 4
    transactions: int = 10
    """Sales per terminal (classic plan), operations per terminal (mix), or echo tests per terminal."""
    refund_ratio: float = 0.5
    """Classic plan: share of sales followed by a partial refund of that sale, spread evenly over the run."""
    key_scheme: KeyScheme = KeyScheme.MKSK
    dialect: str = "terminal87"
    response_timeout: float = 10.0
    duration_limit: float = 60.0
    workload: Workload = Workload.FINANCIAL
    password_iterations: int = 1000
    """Engine model only: PBKDF2 cost of the terminals' supervisor password hash (the terminal default
    is 200 000): low, so that refunds measure the exchange with the host, not the terminal's hashing."""
    mix: Mix | None = None
    """Draw operations from these weights instead of the classic sales-then-refunds plan."""
    duration: float | None = None
    """Run for this many seconds instead of a count of ``transactions`` (no new operation after it)."""
    workers: int = 1
    """Processes the terminals are spread over (each its own event loop); 1: this process."""
    model: TerminalModel = TerminalModel.LIGHT

    def __post_init__(self) -> None:
        _whole(self.terminals, "terminals", 1, MAX_TERMINALS)
        _whole(self.transactions, "transactions", 1, MAX_TRANSACTIONS)
        _whole(self.password_iterations, "password_iterations", 1, 10_000_000)
        _whole(self.workers, "workers", 1, MAX_WORKERS)
        _number(self.refund_ratio, "refund_ratio", 0.0, 1.0)
        _number(self.duration_limit, "duration_limit", 0.0, MAX_DURATION, open_low=True)
        _number(self.response_timeout, "response_timeout", 0.0, 3600.0, open_low=True)
        if self.duration is not None:
            _number(self.duration, "duration", 0.0, MAX_DURATION, open_low=True)
            if self.duration > self.duration_limit:
                raise LoadPlanError(f"duration: {self.duration:g} s exceeds the duration limit of "
                                    f"{self.duration_limit:g} s")
        if self.workers > self.terminals:
            raise LoadPlanError(f"workers: {self.workers} workers for {self.terminals} terminal(s); "
                                "each worker needs at least one terminal")
        try:
            resolve_dialect(self.dialect)
        except DialectError as error:
            raise LoadPlanError(f"dialect: {error}") from None
        if self.mix is not None and not isinstance(self.mix, Mix):
            raise LoadPlanError(f"mix: expected a Mix, got {self.mix!r}")
        try:
            object.__setattr__(self, "key_scheme", KeyScheme(self.key_scheme))
            object.__setattr__(self, "workload", Workload(self.workload))
            object.__setattr__(self, "model", TerminalModel(self.model))
        except ValueError as error:
            raise LoadPlanError(str(error)) from None

    def terminal_ids(self) -> list[str]:
        """``LOAD0001`` ... one per simulated terminal."""
        return terminal_ids(self.terminals)

    def refund_after(self, index: int) -> bool:
        """Classic plan: True when sale number ``index`` (from 0) is followed by a refund.

        Evenly spread and exact: over ``transactions`` sales, ``floor(transactions * ratio)`` refunds.
        """
        return math.floor((index + 1) * self.refund_ratio) > math.floor(index * self.refund_ratio)

    def planned_operations(self) -> int | None:
        """Every operation of a complete run, all terminals together; None for a run bounded by ``duration``."""
        if self.duration is not None:
            return None
        if self.workload is Workload.ECHO:
            return self.terminals * self.transactions
        if self.mix is not None:
            return self.terminals * (1 + self.transactions)
        refunds = sum(self.refund_after(index) for index in range(self.transactions))
        return self.terminals * (1 + self.transactions + refunds)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["key_scheme"] = self.key_scheme.value
        data["workload"] = self.workload.value
        data["model"] = self.model.value
        data["mix"] = self.mix.to_json() if self.mix is not None else None
        return data


def terminal_ids(count: int, first: int = 1) -> list[str]:
    """``LOAD0001``, ``LOAD0002``... (``count`` of them, from number ``first``)."""
    return [f"{TERMINAL_PREFIX}{number:04d}" for number in range(first, first + count)]


def _whole(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LoadPlanError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")


def _number(value: object, name: str, low: float, high: float, *, open_low: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not (low < value if open_low else low <= value) or value > high:
        bound = f"above {low:g}" if open_low else f"from {low:g}"
        raise LoadPlanError(f"{name}: expected a number {bound} to {high:g}, got {value!r}")
