"""A sale, refund or void, sans I/O: what is owed first, journal before send, then complete, reverse or repeat.

The flow is in two steps so that what only one terminal has stays with it: :func:`prepare` sends what is
owed (:func:`~pos_terminal.flows.owed.flush_owed`), takes the keys and opens the connection; then the caller
records the transaction (:meth:`~pos_terminal.flows.state.TerminalState.begin`, with its reversal when the
protocol reverses its kind: design.md section 3) and :func:`send` builds the request, sends it and acts on
the outcome (docs/protocol.md):

* answered (approved or declined, as the profile reads the code): recorded, nothing owed;
* no usable answer, a kind that is reversed: the reversal goes out at once (0400, then 0401 repeats) and
  stays owed until the host clears it;
* no usable answer, a kind never reversed (a ``cup-pos`` refund): the same request is repeated until the
  host answers; still unanswered, it stays owed;
* certainly never sent (no connection), or a kind never reversed whose request could not even be built:
  declined by the terminal itself (:data:`NOT_SENT`), nothing owed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from emv.errors import EmvError
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from keys.errors import CryptoError
from pos_terminal.common.failures import CommunicationFailure
from pos_terminal.common.results import ReversalOutcome
from pos_terminal.common.effects import Connect, Drop, NeedKeys, Send, Step
from pos_terminal.flows.owed import flush_owed, repeat, reverse
from pos_terminal.flows.state import TerminalState
from pos_terminal.profiles.base import HostAnswer, ProtocolProfile
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord
from protocols.security import MessageKeys

__all__ = ["NOT_SENT", "Answered", "FinancialEnd", "NotSent", "Owed", "Prepared", "Reversed", "prepare", "send"]

NOT_SENT = "Z1"
"""Response code recorded for a request that certainly never reached the host: declined by the terminal
itself (EMV's offline decline), nothing owed to the host."""

RequestBuilder = Callable[[TransactionRecord, MessageKeys], Message]
"""Builds the unsigned request of a recorded transaction (the terminal's card data, PIN block, chip data)."""

_BUILD_FAILURES = (CommunicationFailure, CryptoError, EmvError, Iso8583Error)
"""What may go wrong between recording a request and its answer and still leave it reversible."""


@dataclass(frozen=True)
class Prepared:
    """What is owed was delivered; the keys of the request and the connection to send it on."""

    keys: MessageKeys = field(repr=False)
    connection: object = field(repr=False)


@dataclass(frozen=True)
class Answered:
    """The host answered: ``record`` as completed, approved or declined."""

    record: TransactionRecord
    response: Message = field(repr=False)
    answer: HostAnswer
    approved: bool


@dataclass(frozen=True)
class Reversed:
    """No usable answer: the request's reversal went out (``reversal`` says whether the host cleared it)."""

    record: TransactionRecord
    failure: Exception
    reversal: ReversalOutcome


@dataclass(frozen=True)
class Owed:
    """No answer to a request never reversed, even repeated: it stays owed, repeated before anything new."""

    record: TransactionRecord
    failure: Exception


@dataclass(frozen=True)
class NotSent:
    """The request certainly never reached the host: declined by the terminal (:data:`NOT_SENT`)."""

    record: TransactionRecord
    failure: Exception


FinancialEnd = Answered | Reversed | Owed | NotSent


def prepare(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState) -> Step[Prepared]:
    """Deliver what is owed, then take the keys and open the connection, before anything new is recorded.

    Raises :class:`~pos_terminal.common.failures.HostUnreachable` when the host cannot be reached (or an
    earlier reversal stays pending), :class:`~pos_terminal.common.failures.CommunicationFailure` otherwise.
    """
    yield from flush_owed(profile, config, state)
    keys = yield NeedKeys()
    connection = yield Connect()
    return Prepared(keys, connection)


def send(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState, record: TransactionRecord,
         build: RequestBuilder, prepared: Prepared) -> Step[FinancialEnd]:
    """Build ``record``'s request, send it and act on the outcome (module docstring)."""
    reversible = profile.reverses(record.txn_type)
    request: Message | None = None
    try:
        request = build(record, prepared.keys)
        response = yield Send(request, prepared.keys, record.id, record.txn_type.value,
                              connection=prepared.connection, defer_answer=True)
    except (*_BUILD_FAILURES, ValueError) as failure:
        yield Drop(prepared.connection)
        if isinstance(failure, CommunicationFailure) and not failure.sent:
            state.not_sent(record, NOT_SENT)
            return NotSent(record, failure)
        if not reversible:
            if request is None or not isinstance(failure, CommunicationFailure):
                state.not_sent(record, NOT_SENT)
                return NotSent(record, failure)
            state.owe_repeat(record, request)
            answer = yield from repeat(profile, config, state, record)
            if answer is None:
                return Owed(record, failure)
            return _answered(profile, state, record, answer)
        if not isinstance(failure, _BUILD_FAILURES):
            raise
        reversal = yield from reverse(profile, config, state, record, failure)
        return Reversed(record, failure, reversal)
    return _answered(profile, state, record, response)


def _answered(profile: ProtocolProfile, state: TerminalState, record: TransactionRecord, response: Message) -> Answered:
    answer = profile.read_answer(response)
    approved = profile.is_approved(answer.response_code)
    return Answered(state.complete(record, answer, approved=approved), response, answer, approved)
