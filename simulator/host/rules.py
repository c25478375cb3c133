"""Scripted host behaviour for fault tests: ``possim host --rules FILE`` (format: docs/host-rules.md).

A rule matches requests by MTI, processing code, terminal, amount range, PAN suffix or
network management code, and does one thing: answer with a fixed response code instead of
processing the request (``respond``), or, after normal processing, delay the response,
drop it, disconnect, or corrupt its MAC. ``times = N`` limits a rule to its first N matches
(of requests the journal kept: a match is taken back when its request is rolled back).
The first matching rule with matches left wins.

Each rule of a :class:`RuleSet` has an id (1, 2, ... in file order): the host's HTTP API
(:mod:`simulator.host.console`) adds rules at run time, validated by :func:`parse_rule` like a
``[[rule]]`` table, and removes them by id. The set is copied on change, never changed in place,
so a request being matched always sees one consistent set.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    """The rules file is malformed; the message names the rule and the key (``field``: the key alone)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
class RuleCount:
    """How many times one rule has fired: ``fired`` for committed requests, ``pending`` for requests whose
    journal transaction has not committed yet (:mod:`simulator.host.effects`)."""

    fired: int = 0
    pending: int = 0


@dataclass(frozen=True)
class RuleEntry:
    """One rule of a :class:`RuleSet` with its id and its count."""

    id: int
    rule: Rule
    count: RuleCount = field(default_factory=RuleCount)

    def remaining(self) -> int | None:
        """How many more matches the rule may have (None: unlimited), pending ones counted."""
        times = self.rule.times
        return None if times is None else max(0, times - self.count.fired - self.count.pending)


class RuleSet:
    """The rules of one host, with how many times each has fired (state of this instance only).

    A match counts at once for the requests after it, but is taken back when its request or its
    group is rolled back, so a ``times = 1`` rule is not used up by a request the journal never kept.
    :meth:`add` and :meth:`remove` replace the tuple of entries whole (see the module docstring).
    """

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._entries: tuple[RuleEntry, ...] = tuple(RuleEntry(index + 1, rule) for index, rule in enumerate(rules))
        self._next_id = len(self._entries) + 1

    @property
    def rules(self) -> list[Rule]:
        """The rules, in matching order."""
        return [entry.rule for entry in self._entries]

    def entries(self) -> tuple[RuleEntry, ...]:
        """The rules with their ids and counts, in matching order (a snapshot)."""
        return self._entries

    def add(self, rule: Rule) -> int:
        """Append ``rule`` (matched after the others); return its id."""
        rule_id = self._next_id
        self._next_id += 1
        self._entries = (*self._entries, RuleEntry(rule_id, rule))
        return rule_id

    def remove(self, rule_id: int) -> bool:
        """Remove the rule with ``rule_id``; False when there is none. A match of it still pending keeps
        counting on its own :class:`RuleCount`, which is no longer in the set."""
        kept = tuple(entry for entry in self._entries if entry.id != rule_id)
        removed = len(kept) != len(self._entries)
        self._entries = kept
        return removed

    def remaining(self, index: int) -> int | None:
        """How many more matches rule ``index`` (matching order) may have (None: unlimited)."""
        return self._entries[index].remaining()

    def match(self, request: Message, pan: str | None, *, after_commit: AfterCommit | None = None) -> Rule | None:
        """The first rule matching ``request`` with matches left; counts the match.

        With ``after_commit`` the count is pending until the request's transaction commits
        (dropped if it rolls back); without, it counts at once.
        """
        for entry in self._entries:
            if entry.remaining() == 0:
                continue
            if entry.rule.matches(request, pan):
                _count(entry, after_commit)
                return entry.rule
        return None


def _count(entry: RuleEntry, after_commit: AfterCommit | None) -> None:
    count = entry.count
    if after_commit is None:
        count.fired += 1
        return
    count.pending += 1

    def apply() -> None:
        count.pending -= 1
        count.fired += 1

    def discard() -> None:
        count.pending -= 1

    after_commit(apply, discard, name=f"a match of rule {entry.rule.name!r}")


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


def _codes(value: object, where: str, key: str, digits: int | None = None) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise RulesError(f"{where}: {key}: expected a string or a list of strings", field=key)
    if digits is not None and not all(len(v) == digits and v.isdigit() for v in items):
        raise RulesError(f"{where}: {key}: expected {digits} digits", field=key)
    return frozenset(items)


def _amount(value: object, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RulesError(f"{where}: {key}: expected a non-negative integer (minor units)", field=key)
    return value


def _rule(entry: object, index: int) -> Rule:
    return parse_rule(entry, f"rule {index + 1}")


def parse_rule(entry: object, where: str = "rule") -> Rule:
    """One ``[[rule]]`` table (or its JSON form) as a Rule; RulesError names ``where``, the key and what is
    wrong (its ``field``: the key). A rule without a ``name`` is named ``where``."""
    if not isinstance(entry, dict):
        raise RulesError(f"{where}: expected a table")
    name = entry.get("name", where)
    if not isinstance(name, str):
        raise RulesError(f"{where}: name must be a string", field="name")
    unknown = sorted(set(entry) - set(_MATCH_KEYS) - set(_ACTION_KEYS) - {"times", "name"})
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}", field=unknown[0])
    actions = [key for key in _ACTION_KEYS if key in entry and entry[key] is not False]
    if len(actions) != 1:
        raise RulesError(f"{where}: needs exactly one action of {', '.join(_ACTION_KEYS)}",
                         field=actions[1] if len(actions) > 1 else "action")
    action = RuleAction(actions[0])
    response_code = None
    delay = 0.0
    if action is RuleAction.RESPOND:
        response_code = entry["respond"]
        if not isinstance(response_code, str) or len(response_code) != 2 or not response_code.isalnum():
            raise RulesError(f"{where}: respond must be a 2-character response code such as \"05\"", field="respond")
    elif action is RuleAction.DELAY:
        delay = entry["delay"]
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 3600:
            raise RulesError(f"{where}: delay must be a number of seconds 0..3600", field="delay")
        delay = float(delay)
    elif entry[action.value] is not True:
        raise RulesError(f"{where}: {action.value} must be true", field=action.value)
    times = entry.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise RulesError(f"{where}: times must be a positive integer", field="times")
    pan_suffix = entry.get("pan_suffix")
    if pan_suffix is not None and (not isinstance(pan_suffix, str) or not pan_suffix.isdigit()):
        raise RulesError(f"{where}: pan_suffix must be a string of digits", field="pan_suffix")
    return Rule(
        action=action,
        name=name,
        mti=_codes(entry["mti"], where, "mti", 4) if "mti" in entry else None,
        processing_code=_codes(entry["processing_code"], where, "processing_code", 6)
        if "processing_code" in entry else None,
        terminal_id=_codes(entry["terminal_id"], where, "terminal_id") if "terminal_id" in entry else None,
        amount_min=_amount(entry["amount_min"], where, "amount_min") if "amount_min" in entry else None,
        amount_max=_amount(entry["amount_max"], where, "amount_max") if "amount_max" in entry else None,
        pan_suffix=pan_suffix,
        network_code=_codes(entry["network_code"], where, "network_code", 3) if "network_code" in entry else None,
        response_code=response_code,
        delay=delay,
        times=times,
    )


def rule_json(rule: Rule) -> dict[str, Any]:
    """``rule`` as the JSON form of its ``[[rule]]`` table (the keys of docs/host-rules.md; what was left out
    stays out): :func:`parse_rule` reads it back to an equal rule."""
    table: dict[str, Any] = {"name": rule.name}
    for key in ("mti", "processing_code", "terminal_id", "network_code"):
        value = getattr(rule, key)
        if value is not None:
            table[key] = sorted(value)
    for key in ("amount_min", "amount_max", "pan_suffix", "times"):
        value = getattr(rule, key)
        if value is not None:
            table[key] = value
    if rule.action is RuleAction.RESPOND:
        table["respond"] = rule.response_code
    elif rule.action is RuleAction.DELAY:
        table["delay"] = rule.delay
    else:
        table[rule.action.value] = True
    return table
