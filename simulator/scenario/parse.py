"""Reading a scenario file: TOML to :class:`~simulator.scenario.model.Scenario`, every key checked.

A scenario is refused before anything runs when a key is unknown (at the top level, in a step,
in ``expect``, in a host rule or in ``[terminal]``), when a value has the wrong type, or when a
step lacks what its operation needs. Every message names the file, the step and the key, so the
command line can exit 2 with one line (docs/scenarios.md).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from emv.cards import EntryMode, load_test_cards
from iso8583.tomlfile import read_toml
from pos_terminal.state.config import ConfigError, TerminalConfig
from pos_terminal.state.passwords import hash_password
from pos_terminal.common.results import Outcome, ReversalOutcome, TxnResult
from simulator.errors import InputError
from simulator.txn_api import OPERATIONS, TxnOptions, parse_amount

STATUS = "status"
"""A scenario-only operation: ask the host about an earlier transaction (``possim txn status --host``)."""
from simulator.host.rules import RulesError, parse_rules
from simulator.scenario.model import (
    FieldExpectation,
    MacExpectation,
    MessageExpectation,
    Scenario,
    Side,
    Step,
)

REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_.]*)\}")
"""``{step.field}``: a field of an earlier step's result."""

_TOP_KEYS = frozenset({"name", "description", "terminal", "host", "step"})
_OPERATION_OPTIONS: dict[str, frozenset[str]] = {
    "signon": frozenset(),
    "signoff": frozenset(),
    "echo": frozenset(),
    "settle": frozenset({"supervisor_password"}),
    "sale": frozenset({"card", "entry", "amount", "pin", "currency", "dcc"}),
    "refund": frozenset({"card", "entry", "amount", "pin", "original_rrn", "original_date", "invoice",
                         "supervisor_password", "reason", "currency"}),
    "void": frozenset({"invoice", "supervisor_password"}),
    STATUS: frozenset({"original_rrn", "invoice"}),
}
_REQUIRED_OPTIONS = {"sale": ("card", "amount"), "refund": ("card", "amount"), "void": ("invoice",)}
_STEP_KEYS = TxnOptions.names() | {"name", "operation", "expect", "host_down", "advance_days"}
_MESSAGE_KEYS = frozenset({"mti", "index", "fields", "present", "absent", "mac", "reveal"})
_RUNNER_OWNED_TERMINAL_KEYS = frozenset({"host_url"})
_RESULT_KEYS = frozenset(TxnResult(
    "operation", Outcome.COMPLETED, host_data={"-": "-"}, offline=True, settlement={}, receipt=("-",),
    dcc={}, dcc_offer={}, cross_border=True, original={},
).to_json())
"""The top-level names of a ``possim txn --json`` result, which ``expect`` may name."""
_REVERSAL_KEYS = frozenset(ReversalOutcome("acked", 0).to_json())

assert set().union(*_OPERATION_OPTIONS.values()) <= TxnOptions.names()
assert set(_OPERATION_OPTIONS) == {*OPERATIONS, STATUS}


class ScenarioError(InputError):
    """The scenario is malformed; the message names the file, the step and the key."""


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file; :class:`ScenarioError` names the file."""
    path = Path(path)
    document = read_toml(path, ScenarioError, "the scenario")
    try:
        return parse_scenario(document, default_name=path.stem, path=path)
    except ScenarioError as error:
        raise ScenarioError(f"{path}: {error}") from None


def parse_scenario(document: dict[str, Any], default_name: str = "scenario", path: Path | None = None) -> Scenario:
    """A :class:`Scenario` from a parsed document; every error names the step and the key."""
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise ScenarioError(f"unknown top-level key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    name = document.get("name", default_name)
    description = document.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise ScenarioError(f"{key} must be a string")
    entries = document.get("step")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError("a scenario needs at least one [[step]]")
    steps: list[Step] = []
    for index, entry in enumerate(entries, start=1):
        steps.append(_parse_step(entry, index, {step.name for step in steps}))
    return Scenario(name, tuple(steps), _parse_terminal(document.get("terminal", {})),
                    _parse_host(document.get("host", {})), description, path)


def _parse_host(host: Any) -> list[dict[str, Any]]:
    if not isinstance(host, dict):
        raise ScenarioError("[host] must be a table holding [[host.rule]] tables (docs/host-rules.md)")
    unknown = set(host) - {"rule"}
    if unknown:
        raise ScenarioError(f"[host]: unknown key {sorted(unknown)[0]!r}; it takes only [[host.rule]] tables")
    rules = host.get("rule", [])
    try:
        parse_rules({"rule": rules})
    except RulesError as error:
        raise ScenarioError(f"[[host.rule]] {error}") from None
    return list(rules)


def _parse_terminal(terminal: Any) -> dict[str, Any]:
    if not isinstance(terminal, dict):
        raise ScenarioError("[terminal] must be a table of terminal.toml keys")
    owned = _RUNNER_OWNED_TERMINAL_KEYS & set(terminal)
    if owned:
        raise ScenarioError(f"[terminal]: {sorted(owned)[0]!r} is set by possim scenario (use --host)")
    checked = {key: value for key, value in terminal.items() if key != "supervisor_password"}
    if not isinstance(terminal.get("supervisor_password", ""), str):
        raise ScenarioError("[terminal]: supervisor_password must be a string")
    try:
        _validation_config().with_overrides(**checked)
    except ConfigError as error:
        raise ScenarioError(f"[terminal]: {str(error).removeprefix('override: ')}") from None
    return dict(terminal)


@cache
def _card_names() -> frozenset[str]:
    return frozenset(load_test_cards())


@cache
def _validation_config() -> TerminalConfig:
    """A default configuration to validate ``[terminal]`` values against (a cheap hash: never used to verify)."""
    return TerminalConfig(supervisor_password_hash=hash_password("0000", iterations=1))


def _parse_step(entry: Any, index: int, earlier: set[str]) -> Step:
    if not isinstance(entry, dict):
        raise ScenarioError(f"step {index}: expected a table")
    name = entry.get("name", f"step{index}")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"step {index}: name must be a non-empty string")
    where = f"step {index} ({name})"
    unknown = set(entry) - _STEP_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    if name in earlier:
        raise ScenarioError(f"{where}: the name is already used by an earlier step")
    operation = entry.get("operation")
    if operation not in _OPERATION_OPTIONS:
        raise ScenarioError(f"{where}: operation {operation!r}, expected one of {', '.join(_OPERATION_OPTIONS)}")
    options = {key: entry[key] for key in TxnOptions.names() & set(entry)}
    _check_options(operation, options, where, earlier)
    host_down = entry.get("host_down", False)
    if not isinstance(host_down, bool):
        raise ScenarioError(f"{where}: host_down must be true or false")
    advance_days = entry.get("advance_days", 0)
    if isinstance(advance_days, bool) or not isinstance(advance_days, int) or not 0 <= advance_days <= 3660:
        raise ScenarioError(f"{where}: advance_days must be a whole number of days, 0..3660")
    if operation == STATUS and not ({"original_rrn", "invoice"} & set(options)):
        raise ScenarioError(f"{where}: status needs 'original_rrn' (the transaction's RRN) or 'invoice'")
    expect = entry.get("expect", {})
    if not isinstance(expect, dict):
        raise ScenarioError(f"{where}: expect must be a table")
    results, messages, sent, received = _parse_expect(expect, f"{where}: expect")
    return Step(name, operation, options, results, messages, sent, received, host_down, advance_days)


def _check_options(operation: str, options: dict[str, Any], where: str, earlier: set[str]) -> None:
    """Each option applies to the operation, has the right type, and names only earlier steps."""
    for key in sorted(options):
        if key not in _OPERATION_OPTIONS[operation]:
            raise ScenarioError(f"{where}: {operation} does not take {key!r}")
    for key in _REQUIRED_OPTIONS.get(operation, ()):
        if key not in options:
            raise ScenarioError(f"{where}: {operation} needs {key!r}")
    for key, value in options.items():
        if key in ("amount", "invoice"):
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise ScenarioError(f"{where}: {key} must be a string or an integer")
        elif not isinstance(value, str):
            raise ScenarioError(f"{where}: {key} must be a string")
        references = REFERENCE.findall(value) if isinstance(value, str) else []
        for step, _ in references:
            if step not in earlier:
                raise ScenarioError(f"{where}: {key} refers to {step!r}, not an earlier step")
        if not references:
            _check_literal(key, value, where)


def _check_literal(key: str, value: str | int, where: str) -> None:
    """A literal option (no ``{step.field}`` in it) is checked now, not when its step runs."""
    if key == "card" and value not in _card_names():
        raise ScenarioError(f"{where}: card {value!r} is not a shipped test card (see `possim cards`)")
    if key == "entry" and value not in {mode.value for mode in EntryMode}:
        raise ScenarioError(f"{where}: entry {value!r}, expected one of {', '.join(m.value for m in EntryMode)}")
    if key == "amount":
        try:
            parse_amount(str(value))
        except InputError as error:
            raise ScenarioError(f"{where}: {str(error).removeprefix('--')}") from None
    if key == "invoice" and not (str(value).isdigit() and 1 <= int(value) <= 999_999):
        raise ScenarioError(f"{where}: invoice must be 1 to 999999")
    if key == "pin" and not (isinstance(value, str) and value.isdigit() and 4 <= len(value) <= 12):
        raise ScenarioError(f"{where}: pin must be 4 to 12 digits")


def _parse_expect(
    expect: dict[str, Any], where: str,
) -> tuple[dict[str, Any], tuple[MessageExpectation, ...], tuple[str, ...] | None, tuple[str, ...] | None]:
    results: dict[str, Any] = {}
    messages: list[MessageExpectation] = []
    sequences: dict[str, tuple[str, ...] | None] = {"sent": None, "received": None}
    for key, value in expect.items():
        if key in ("request", "response"):
            tables = value if isinstance(value, list) else [value]
            messages.extend(_parse_message(Side(key), table, f"{where}.{key}") for table in tables)
        elif key in sequences:
            if not isinstance(value, list) or not all(_is_mti(item) for item in value):
                raise ScenarioError(f"{where}.{key} must be a list of 4-digit MTIs such as \"0200\"")
            sequences[key] = tuple(value)
        else:
            results.update(_flatten(key, value))
    for name in results:
        parts = name.split(".")
        if parts[0] not in _RESULT_KEYS:
            raise ScenarioError(f"{where}: unknown key {parts[0]!r} (a result field, request, response, sent or "
                                f"received; result fields: {', '.join(sorted(_RESULT_KEYS))})")
        if parts[0] == "reversal" and len(parts) > 1 and parts[1] not in _REVERSAL_KEYS:
            raise ScenarioError(f"{where}: unknown key {name!r} (reversal has {', '.join(sorted(_REVERSAL_KEYS))})")
    return results, tuple(messages), sequences["sent"], sequences["received"]


def _flatten(key: str, value: Any) -> dict[str, Any]:
    """``host = {credit_channel = "RT"}`` is the same expectation as ``"host.credit_channel" = "RT"``."""
    if not isinstance(value, dict):
        return {key: value}
    flat: dict[str, Any] = {}
    for inner, item in value.items():
        flat.update(_flatten(f"{key}.{inner}", item))
    return flat


def _is_mti(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 4 and value.isdigit()


def _parse_message(side: Side, table: Any, where: str) -> MessageExpectation:
    if not isinstance(table, dict):
        raise ScenarioError(f"{where} must be a table")
    unknown = set(table) - _MESSAGE_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_MESSAGE_KEYS))})")
    mti = table.get("mti")
    if mti is not None and not _is_mti(mti):
        raise ScenarioError(f"{where}.mti must be 4 digits such as \"0210\"")
    index = table.get("index", 1)
    if isinstance(index, bool) or not isinstance(index, int) or index == 0:
        raise ScenarioError(f"{where}.index must be a non-zero integer (1 the first, -1 the last)")
    reveal = table.get("reveal", False)
    if not isinstance(reveal, bool):
        raise ScenarioError(f"{where}.reveal must be true or false")
    mac = table.get("mac")
    if mac is not None and mac not in {item.value for item in MacExpectation}:
        raise ScenarioError(f"{where}.mac must be one of {', '.join(item.value for item in MacExpectation)}")
    fields_table = table.get("fields", {})
    if not isinstance(fields_table, dict):
        raise ScenarioError(f"{where}.fields must be a table of field numbers")
    fields = tuple(_parse_field(key, value, f"{where}.fields") for key, value in fields_table.items())
    present = _field_numbers(table.get("present", []), f"{where}.present")
    absent = _field_numbers(table.get("absent", []), f"{where}.absent")
    both = set(absent) & (set(present) | {field.number for field in fields})
    if both:
        raise ScenarioError(f"{where}: field {min(both)} cannot be both expected and absent")
    return MessageExpectation(side, mti, index, fields, present, absent,
                              MacExpectation(mac) if mac is not None else None, reveal)


def _field_number(key: Any, where: str) -> int:
    text = str(key)
    if isinstance(key, bool) or not text.isdigit() or not 2 <= int(text) <= 128 or int(text) == 65:
        raise ScenarioError(f"{where}: {key!r} is not a data element number (2 to 128)")
    return int(text)


def _field_numbers(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where} must be a list of field numbers")
    return tuple(_field_number(item, where) for item in value)


def _parse_field(key: str, value: Any, where: str) -> FieldExpectation:
    number = _field_number(key, where)
    where = f"{where}.{number}"
    if isinstance(value, str):
        return FieldExpectation(number, value=value)
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"value", "pattern"}:
        raise ScenarioError(f"{where}: expected a string, {{value = \"...\"}} or {{pattern = \"...\"}}")
    (kind, text), = value.items()
    if not isinstance(text, str):
        raise ScenarioError(f"{where}.{kind} must be a string")
    if kind == "value":
        return FieldExpectation(number, value=text)
    try:
        return FieldExpectation(number, pattern=re.compile(text))
    except re.error as error:
        raise ScenarioError(f"{where}.pattern is not a regular expression: {error}") from None
