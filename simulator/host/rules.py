"""Scripted host behaviour for fault tests: ``possim host --rules FILE`` (format: docs/host-rules.md).

A rule matches requests by MTI, processing code, terminal, amount range, PAN suffix or
network management code, and does one thing: answer with a fixed response code instead of
processing the request (``respond``), or, after normal processing, delay the response,
drop it, disconnect, or corrupt its MAC. ``times = N`` limits a rule to its first N matches
(of requests the journal kept: a match is taken back when its request is rolled back).
The first matching rule with matches left wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from iso8583.message import Message
from iso8583.tomlfile import read_toml
from simulator.host.effects import AfterCommit

_MATCH_KEYS = ("mti", "processing_code", "terminal_id", "amount_min", "amount_max", "pan_suffix", "network_code")
_ACTION_KEYS = ("respond", "delay", "drop", "disconnect", "corrupt_mac")


class RulesError(ValueError):
    """The rules file is malformed; the message names the rule and the key."""


class RuleAction(StrEnum):
    """What a rule does."""

    RESPOND = "respond"
    DELAY = "delay"
    DROP = "drop"
    DISCONNECT = "disconnect"
    CORRUPT_MAC = "corrupt_mac"


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]``: match criteria (None: any) and one action."""

    action: RuleAction
    name: str = ""
    mti: frozenset[str] | None = None
    processing_code: frozenset[str] | None = None
    terminal_id: frozenset[str] | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    pan_suffix: str | None = None
    network_code: frozenset[str] | None = None
    response_code: str | None = None
    delay: float = 0.0
    times: int | None = None

    def matches(self, request: Message, pan: str | None) -> bool:
        """True when every criterion given holds for ``request`` (whose PAN is ``pan``)."""
        if self.mti is not None and request.mti not in self.mti:
            return False
        if not _in(self.processing_code, request.get(3)):
            return False
        if not _in(self.terminal_id, request.get(41)):
            return False
        if not _in(self.network_code, request.get(70)):
            return False
        if self.amount_min is not None or self.amount_max is not None:
            amount = request.get(4)
            if not isinstance(amount, str) or not amount.isdigit():
                return False
            if self.amount_min is not None and int(amount) < self.amount_min:
                return False
            if self.amount_max is not None and int(amount) > self.amount_max:
                return False
        if self.pan_suffix is not None and (pan is None or not pan.endswith(self.pan_suffix)):
            return False
        return True


def _in(allowed: frozenset[str] | None, value: object) -> bool:
    return allowed is None or (isinstance(value, str) and value in allowed)


@dataclass
class RuleSet:
    """The rules of one host, with how many times each has fired (state of this instance only).

    ``fired`` counts the matches of committed requests; ``pending`` those of requests whose
    journal transaction has not committed yet (:mod:`simulator.host.effects`): a match counts at
    once for the requests after it, but is taken back when its request or its group is rolled
    back, so a ``times = 1`` rule is not used up by a request the journal never kept.
    """

    rules: list[Rule] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fired = [0] * len(self.rules)
        self.pending = [0] * len(self.rules)

    def remaining(self, index: int) -> int | None:
        """How many more matches rule ``index`` may have (None: unlimited), pending ones counted."""
        times = self.rules[index].times
        return None if times is None else max(0, times - self.fired[index] - self.pending[index])

    def match(self, request: Message, pan: str | None, *, after_commit: AfterCommit | None = None) -> Rule | None:
        """The first rule matching ``request`` with matches left; counts the match.

        With ``after_commit`` the count is pending until the request's transaction commits
        (dropped if it rolls back); without, it counts at once.
        """
        for index, rule in enumerate(self.rules):
            if self.remaining(index) == 0:
                continue
            if rule.matches(request, pan):
                self._count(index, after_commit)
                return rule
        return None

    def _count(self, index: int, after_commit: AfterCommit | None) -> None:
        if after_commit is None:
            self.fired[index] += 1
            return
        self.pending[index] += 1

        def apply() -> None:
            self.pending[index] -= 1
            self.fired[index] += 1

        def discard() -> None:
            self.pending[index] -= 1

        after_commit(apply, discard, name=f"a match of rule {self.rules[index].name!r}")


def load_rules(path: Path | str) -> RuleSet:
    """Read a rules TOML file (docs/host-rules.md)."""
    path = Path(path)
    document = read_toml(path, RulesError, "rules file")
    try:
        return parse_rules(document)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from None


def parse_rules(document: dict[str, Any]) -> RuleSet:
    """A RuleSet from a parsed rules document (``[[rule]]`` tables)."""
    entries = document.get("rule", [])
    if not isinstance(entries, list):
        raise RulesError("'rule' must be an array of tables: [[rule]]")
    unknown_top = set(document) - {"rule"}
    if unknown_top:
        raise RulesError(f"unknown top-level key(s): {', '.join(sorted(unknown_top))}")
    return RuleSet([_rule(entry, index) for index, entry in enumerate(entries)])


def _codes(value: object, where: str, digits: int | None = None) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise RulesError(f"{where}: expected a string or a list of strings")
    if digits is not None and not all(len(v) == digits and v.isdigit() for v in items):
        raise RulesError(f"{where}: expected {digits} digits")
    return frozenset(items)


def _amount(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RulesError(f"{where}: expected a non-negative integer (minor units)")
    return value


def _rule(entry: object, index: int) -> Rule:
    where = f"rule {index + 1}"
    if not isinstance(entry, dict):
        raise RulesError(f"{where}: expected a table")
    name = entry.get("name", where)
    if not isinstance(name, str):
        raise RulesError(f"{where}: name must be a string")
    unknown = set(entry) - set(_MATCH_KEYS) - set(_ACTION_KEYS) - {"times", "name"}
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    actions = [key for key in _ACTION_KEYS if key in entry and entry[key] is not False]
    if len(actions) != 1:
        raise RulesError(f"{where}: needs exactly one action of {', '.join(_ACTION_KEYS)}")
    action = RuleAction(actions[0])
    response_code = None
    delay = 0.0
    if action is RuleAction.RESPOND:
        response_code = entry["respond"]
        if not isinstance(response_code, str) or len(response_code) != 2 or not response_code.isalnum():
            raise RulesError(f"{where}: respond must be a 2-character response code such as \"05\"")
    elif action is RuleAction.DELAY:
        delay = entry["delay"]
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 3600:
            raise RulesError(f"{where}: delay must be a number of seconds 0..3600")
        delay = float(delay)
    elif entry[action.value] is not True:
        raise RulesError(f"{where}: {action.value} must be true")
    times = entry.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise RulesError(f"{where}: times must be a positive integer")
    pan_suffix = entry.get("pan_suffix")
    if pan_suffix is not None and (not isinstance(pan_suffix, str) or not pan_suffix.isdigit()):
        raise RulesError(f"{where}: pan_suffix must be a string of digits")
    return Rule(
        action=action,
        name=name,
        mti=_codes(entry["mti"], f"{where}: mti", 4) if "mti" in entry else None,
        processing_code=_codes(entry["processing_code"], f"{where}: processing_code", 6)
        if "processing_code" in entry else None,
        terminal_id=_codes(entry["terminal_id"], f"{where}: terminal_id") if "terminal_id" in entry else None,
        amount_min=_amount(entry["amount_min"], f"{where}: amount_min") if "amount_min" in entry else None,
        amount_max=_amount(entry["amount_max"], f"{where}: amount_max") if "amount_max" in entry else None,
        pan_suffix=pan_suffix,
        network_code=_codes(entry["network_code"], f"{where}: network_code", 3) if "network_code" in entry else None,
        response_code=response_code,
        delay=delay,
        times=times,
    )
