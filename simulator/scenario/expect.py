"""Evaluating a step's expectations: its JSON result, the MTIs it exchanged, fields and MACs.

Field values are compared as ``possim decode --json`` shows them (n, an, ans and z fields as
their characters, b fields as upper-case hex), cardholder data masked unless the expectation
says ``reveal = true``. Whatever the comparison saw, a report never shows cardholder data in
clear: sensitive fields (iso8583.masking.SENSITIVE_FIELDS) are masked in every check, and long
digit runs in an expected value or pattern are masked like PANs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from iso8583.dialect import ContentClass, Dialect
from iso8583.dump import to_json
from iso8583.masking import SENSITIVE_FIELDS, mask_pan
from pos_terminal.common.observe import ExchangeRecord
from protocols.iso87 import Mti
from pos_terminal.state.records import MessageDirection
from simulator.scenario.model import FieldExpectation, MacExpectation, MessageExpectation, Side, Step

MAIN_REQUEST = {
    "sale": Mti.FINANCIAL_REQUEST, "refund": Mti.FINANCIAL_REQUEST, "void": Mti.FINANCIAL_REQUEST,
    "signon": Mti.NETWORK, "echo": Mti.NETWORK, "settle": Mti.SETTLEMENT,
    "signoff": "0820",  # cup-pos, the protocol with a sign-off
}
"""The request an ``expect.request`` / ``expect.response`` without ``mti`` reads, per operation."""

_DIGIT_RUN = re.compile(r"\d{12,19}")
_MAC_FIELDS = (64, 128)


@dataclass(frozen=True)
class Check:
    """One expectation and how it turned out; ``expected`` and ``actual`` are safe to show."""

    field: str
    expected: Any
    actual: Any
    ok: bool
    message: str | None = None
    """The MTI of the message the check read, for message-level checks."""
    note: str | None = None
    """Why there was nothing to compare (no such message in the step)."""

    def to_json(self) -> dict[str, Any]:
        payload = {"field": self.field, "expected": self.expected, "actual": self.actual, "ok": self.ok}
        if self.message:
            payload["message"] = self.message
        if self.note:
            payload["note"] = self.note
        return payload

    def describe(self) -> str:
        """``response.fields.39 (0210): expected '00', got '05'``."""
        where = f" ({self.message})" if self.message else ""
        got = f"got nothing: {self.note}" if self.note else f"got {self.actual!r}"
        return f"{self.field}{where}: expected {self.expected!r}, {got}"


@dataclass(frozen=True)
class Exchange:
    """A request the terminal sent and the response it decoded for it (None: none came)."""

    request: ExchangeRecord
    response: ExchangeRecord | None


def pair_exchanges(records: Sequence[ExchangeRecord]) -> list[Exchange]:
    """Requests with their responses, in the order they were on the wire (one exchange at a time)."""
    exchanges: list[Exchange] = []
    for record in records:
        if record.direction is MessageDirection.OUT:
            exchanges.append(Exchange(record, None))
        elif exchanges and exchanges[-1].response is None:
            exchanges[-1] = Exchange(exchanges[-1].request, record)
    return exchanges


def check_step(step: Step, result: dict[str, Any], records: Sequence[ExchangeRecord], dialect: Dialect) -> list[Check]:
    """Every expectation of ``step`` against its result and the messages it exchanged."""
    checks = [_result_check(name, expected, result) for name, expected in step.expect.items()]
    exchanges = pair_exchanges(records)
    sent = [exchange.request.message.mti for exchange in exchanges]
    received = [exchange.response.message.mti for exchange in exchanges if exchange.response is not None]
    for name, expected, actual in (("sent", step.sent, sent), ("received", step.received, received)):
        if expected is not None:
            checks.append(Check(name, list(expected), actual, list(expected) == actual))
    for expectation in step.messages:
        checks.extend(_message_checks(expectation, step.operation, exchanges, dialect))
    return checks


def _result_check(name: str, expected: Any, result: dict[str, Any]) -> Check:
    actual: Any = result
    for part in name.split("."):
        actual = actual.get(part) if isinstance(actual, dict) else None
    return Check(name, expected, actual, expected == actual)


def _select(expectation: MessageExpectation, operation: str, exchanges: list[Exchange]) -> ExchangeRecord | None:
    main = MAIN_REQUEST[operation]
    if expectation.side is Side.REQUEST:
        wanted = expectation.mti or main
        candidates = [exchange.request for exchange in exchanges if exchange.request.message.mti == wanted]
    elif expectation.mti is not None:
        candidates = [exchange.response for exchange in exchanges
                      if exchange.response is not None and exchange.response.message.mti == expectation.mti]
    else:
        candidates = [exchange.response for exchange in exchanges if exchange.request.message.mti == main]
    position = expectation.index - 1 if expectation.index > 0 else expectation.index
    return candidates[position] if -len(candidates) <= position < len(candidates) else None


def _message_checks(
    expectation: MessageExpectation, operation: str, exchanges: list[Exchange], dialect: Dialect,
) -> list[Check]:
    side = expectation.side.value
    record = _select(expectation, operation, exchanges)
    items: list[tuple[str, Any, int | None]] = (
        [(f"{side}.fields.{item.number}", item, item.number) for item in expectation.fields]
        + [(f"{side}.fields.{number}", "present", number) for number in expectation.present]
        + [(f"{side}.fields.{number}", "absent", number) for number in expectation.absent]
        + ([(f"{side}.mac", expectation.mac.value, None)] if expectation.mac is not None else [])
    )
    if record is None:
        note = _missing(expectation, operation, exchanges)
        return [Check(name, _shown_expectation(wanted, number), None, False, note=note)
                for name, wanted, number in items]
    message = record.message
    values = to_json(message, dialect, reveal=expectation.reveal)["fields"]
    checks = []
    for name, wanted, number in items:
        if number is None:
            actual = _mac_state(record)
            checks.append(Check(name, wanted, actual, actual == wanted, message.mti))
        elif isinstance(wanted, FieldExpectation):
            actual = values.get(str(number))
            checks.append(Check(name, _shown_expectation(wanted, number), _shown(actual, number),
                                _field_ok(wanted, actual, dialect), message.mti))
        elif wanted == "present":
            checks.append(Check(name, "present", "present" if number in message else "absent",
                                number in message, message.mti))
        else:
            actual = values.get(str(number))
            checks.append(Check(name, "absent", "absent" if actual is None else _shown(actual, number),
                                actual is None, message.mti))
    return checks


def _field_ok(wanted: FieldExpectation, actual: str | None, dialect: Dialect) -> bool:
    if actual is None:
        return False
    if wanted.pattern is not None:
        return wanted.pattern.search(actual) is not None
    spec = dialect.fields.get(wanted.number)
    binary = spec is not None and spec.content is ContentClass.B
    return (wanted.value.upper() if binary and wanted.value is not None else wanted.value) == actual


def _mac_state(record: ExchangeRecord) -> str:
    if not any(number in record.message for number in _MAC_FIELDS):
        return MacExpectation.ABSENT.value
    if record.mac_verified is None:
        return "unverified"
    return (MacExpectation.VALID if record.mac_verified else MacExpectation.INVALID).value


def _missing(expectation: MessageExpectation, operation: str, exchanges: list[Exchange]) -> str:
    side = expectation.side.value
    if expectation.mti is not None:
        wanted = f"{side} {expectation.mti}"
    else:
        wanted = f"response to the {MAIN_REQUEST[operation]}" if expectation.side is Side.RESPONSE \
            else f"request {MAIN_REQUEST[operation]}"
    which = "" if expectation.index == 1 else f" number {expectation.index}"
    sent = ", ".join(exchange.request.message.mti for exchange in exchanges) or "nothing"
    received = ", ".join(exchange.response.message.mti for exchange in exchanges if exchange.response) or "nothing"
    return f"no {wanted}{which} in this step (sent {sent}; received {received})"


def _shown(value: str | None, number: int) -> str | None:
    """A field value as a report may show it: masked when the field holds cardholder data."""
    if value is None:
        return None
    mask = SENSITIVE_FIELDS.get(number)
    return mask(value) if mask is not None else value


def _shown_expectation(wanted: Any, number: int | None) -> Any:
    """An expected value as a report may show it: for a cardholder-data field, masked like the actual value."""
    if not isinstance(wanted, FieldExpectation) or number is None:
        return wanted
    sensitive = number in SENSITIVE_FIELDS
    if wanted.pattern is not None:
        pattern = wanted.pattern.pattern
        return {"pattern": _DIGIT_RUN.sub(lambda match: mask_pan(match.group()), pattern) if sensitive else pattern}
    return _shown(wanted.value, number)
