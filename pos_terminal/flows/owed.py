"""What the terminal owes its host, sent before anything new: reversals, repeats, advices (sans I/O).

A reversal (0400, then 0401 repeats; CUP: 0400 again) is owed from the moment its request is recorded until
the host clears it (:meth:`~pos_terminal.profiles.base.ProtocolProfile.reversal_cleared`: 00 or 25). A
request the protocol never reverses (a ``cup-pos`` refund) is owed until the host answers it: it is
repeated with the same STAN and content (the host answers a repeat with its first answer and moves the
money once). An advice (0220/0221, possim-87 store-and-forward) is owed until the host answers it with a
final code. All go out before anything new, oldest first: reversals, then repeats, then advices
(docs/protocol.md; design.md section 3).
"""

from __future__ import annotations

import logging

from iso8583.message import Message
from pos_terminal.common.failures import CommunicationFailure, FailureKind, HostUnreachable
from pos_terminal.common.results import ReversalOutcome
from pos_terminal.common.effects import Connect, NeedKeys, Send, Step
from pos_terminal.flows.state import TerminalState
from pos_terminal.profiles.base import ProtocolProfile
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord

__all__ = ["flush_advices", "flush_owed", "flush_repeats", "flush_reversals", "flush_when_reachable", "repeat",
           "reversal_reason", "reverse"]

log = logging.getLogger(__name__)


def reversal_reason(profile: ProtocolProfile, state: TerminalState, record: TransactionRecord,
                    failure: BaseException | None) -> str:
    """The reason ``record`` is reversed with: the one kept when it first failed, else the profile's for
    ``failure`` (kept, so that every send of the reversal carries the same)."""
    kept = state.kept_reversal_reason(record)
    if kept is not None:
        return kept
    reason = profile.reversal_reason(failure)
    if failure is not None:
        state.keep_reversal_reason(record, reason)
    return reason


def reverse(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState, record: TransactionRecord,
            failure: BaseException | None = None) -> Step[ReversalOutcome]:
    """Send the reversal of ``record`` up to ``reversal_attempts_per_run`` times; a repeat after the first send.

    ``failure`` is why the request failed, when known: the profile may say so in the reversal (CUP DE 39).
    """
    attempts = 0
    reason = reversal_reason(profile, state, record, failure)
    original = state.original_of(record)
    per_run = config.reversal_attempts_per_run
    for attempt in range(1, per_run + 1):
        sent_before = state.reversal_attempts(record)
        if sent_before is None:
            break
        attempts = state.note_reversal_attempt(record, attempt, per_run)
        try:
            keys = yield NeedKeys()
            request = profile.reversal_request(record, original, config, keys, repeat=sent_before > 0, reason=reason)
            response = yield Send(request, keys, record.id, "reversal", accept=profile.reversal_cleared)
        except CommunicationFailure as undelivered:
            log.info("reversal of STAN %06d not delivered: %s", record.stan, undelivered)
            continue
        code = profile.response_code(response)
        if profile.reversal_refused(code):
            log.warning("reversal of STAN %06d refused (%s): the host says the original stands", record.stan, code)
            state.refuse_reversal(record, code)
            return ReversalOutcome("refused", attempts, code)
        if not profile.reversal_cleared(code):
            log.info("reversal of STAN %06d answered %s: not applied, it will be repeated", record.stan, code)
            continue
        state.acknowledge_reversal(record, code)
        return ReversalOutcome("acked", attempts, code)
    return ReversalOutcome("pending", attempts)


def flush_reversals(profile: ProtocolProfile, config: TerminalConfig,
                    state: TerminalState) -> Step[list[ReversalOutcome]]:
    """Send every pending reversal (oldest first); stop at the first that cannot be delivered."""
    outcomes = []
    for record in state.pending_reversals():
        outcome = yield from reverse(profile, config, state, record)
        outcomes.append(outcome)
        if not outcome.settled:
            break
    return outcomes


def repeat(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState,
           record: TransactionRecord) -> Step[Message | None]:
    """Send ``record``'s request again (same STAN and content) up to ``reversal_attempts_per_run`` times; its
    answer, or None. The request is the one first built while it is remembered (card data included; the
    profile's :meth:`~pos_terminal.profiles.base.ProtocolProfile.resend_request` may mark it a repeat), else
    rebuilt from the record (no card data)."""
    original = state.original_of(record)
    for _ in range(config.reversal_attempts_per_run):
        try:
            keys = yield NeedKeys()
            sent = state.owed_request(record)
            request = (profile.resend_request(sent, record, original, config, keys) if sent is not None
                       else profile.repeat_request(record, original, config, keys))
            return (yield Send(request, keys, record.id, record.txn_type.value))
        except CommunicationFailure as failure:
            log.info("%s of STAN %06d not answered: %s; it will be repeated", record.txn_type, record.stan, failure)
    return None


def flush_repeats(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState) -> Step[int]:
    """Repeat every request owed an answer that the protocol never reverses (oldest first), recording each
    answer; raise :class:`CommunicationFailure` (OWED_FIRST) at the first that stays unanswered. Returns how
    many were answered."""
    answered = 0
    for record in state.owed_repeats():
        response = yield from repeat(profile, config, state, record)
        if response is None:
            raise CommunicationFailure(f"{record.txn_type} of invoice {record.invoice:06d} is still unanswered: "
                                       "it will be repeated", FailureKind.OWED_FIRST)
        answer = profile.read_answer(response)
        state.complete(record, answer, approved=profile.is_approved(answer.response_code))
        state.note_repeat_answered(record, answer)
        answered += 1
    return answered


def flush_advices(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState) -> Step[int]:
    """Send pending advices in the order they were queued; stop at the first failure (raised).

    Each advice is marked as attempted once the connection is open and before it is sent, so a resend
    (after a timeout or a crash) goes out as a repeat (0221), while an advice that never left (host
    unreachable) still goes out as 0220; the host applies an advice once. Returns how many advices the
    host answered.
    """
    answered = 0
    for advice in state.pending_advices():
        record = state.transaction(advice.transaction_id)
        keys = yield NeedKeys()
        request = profile.advice_request(record, state.original_of(record), config, keys, repeat=advice.attempts > 0)
        connection = yield Connect()
        state.note_advice_attempt(advice)  # from here on, bytes may reach the host
        response = yield Send(request, keys, record.id, "advice", accept=profile.advice_final, connection=connection)
        code = profile.response_code(response)
        if not profile.advice_final(code):
            raise CommunicationFailure(f"advice of invoice {record.invoice:06d} answered {code}: "
                                       "not applied, it will be repeated", FailureKind.NOT_APPLIED)
        state.acknowledge_advice(advice, profile.read_answer(response))
        answered += 1
    return answered


def flush_when_reachable(profile: ProtocolProfile, config: TerminalConfig,
                         state: TerminalState) -> Step[list[ReversalOutcome]]:
    """The host just answered a network exchange (sign-on, echo): send what is owed, reversals first; repeats
    and advices only once no reversal is left pending, and without failing the exchange if they cannot go.
    Returns the reversals' outcomes."""
    outcomes = yield from flush_reversals(profile, config, state)
    if not outcomes or outcomes[-1].settled:
        try:
            yield from flush_repeats(profile, config, state)
            yield from flush_advices(profile, config, state)
        except CommunicationFailure as failure:
            log.info("what is owed waits for the next exchange: %s", failure)
    return outcomes


def flush_owed(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState) -> Step[None]:
    """Reversals, then repeats, then advices, must reach the host before anything new (design.md section 3):
    :class:`HostUnreachable` (OWED_FIRST) when a reversal stays pending, the repeat's or advice's failure
    otherwise."""
    for outcome in (yield from flush_reversals(profile, config, state)):
        if not outcome.settled:
            raise HostUnreachable("an earlier reversal is still pending: host unreachable", FailureKind.OWED_FIRST)
    yield from flush_repeats(profile, config, state)
    yield from flush_advices(profile, config, state)
