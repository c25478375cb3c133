"""What is owed (pos_terminal.flows.owed), driven with scripted answers: reversals, repeats, advices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pos_terminal.common.failures import CommunicationFailure, FailureKind, HostUnreachable
from pos_terminal.flows import owed
from pos_terminal.flows.memory import MemoryState
from pos_terminal.profiles import CupProfile, Possim87Profile
from pos_terminal.profiles.base import HostAnswer
from pos_terminal.state.records import AdviceRecord, ReversalStatus, TransactionRecord
from tests.unit.pos_terminal.flows.script import KEYS, built, config, lost, memory, new_sale, scripted

POSSIM = Possim87Profile()
CONFIG = config()


def owing_a_reversal(state: MemoryState) -> TransactionRecord:
    """A sale recorded with its reversal owed (its answer was lost)."""
    return state.begin(new_sale(), reversible=True)


def test_25_clears_a_reversal() -> None:
    state = memory()
    owing_a_reversal(state)
    outcomes = scripted("25").run(owed.flush_reversals(POSSIM, CONFIG, state))
    assert [(o.status, o.response_code) for o in outcomes] == [("acked", "25")] and state.owed_reversals == 0


def test_96_does_not_clear_a_reversal_it_is_repeated() -> None:
    state, script = memory(), scripted("96", "96", "96")
    owing_a_reversal(state)
    outcomes = script.run(owed.flush_reversals(POSSIM, CONFIG, state))
    assert [o.status for o in outcomes] == ["pending"] and state.owed_reversals == 1
    assert script.mtis == ["0400", "0401", "0401"]


def test_12_refuses_a_reversal_for_good_the_original_stands_and_nothing_is_repeated() -> None:
    state, script = memory(), scripted("12")
    owing_a_reversal(state)
    outcomes = script.run(owed.flush_reversals(POSSIM, CONFIG, state))
    assert [(o.status, o.response_code) for o in outcomes] == [("refused", "12")]
    assert (state.owed_reversals, state.refused, script.mtis) == (0, 1, ["0400"])


def test_after_a_refused_reversal_the_next_owed_one_still_goes() -> None:
    state, script = memory(), scripted("12", "00")
    owing_a_reversal(state)
    owing_a_reversal(state)
    assert [o.status for o in script.run(owed.flush_reversals(POSSIM, CONFIG, state))] == ["refused", "acked"]


def test_reversals_go_oldest_first_and_stop_at_the_first_undelivered() -> None:
    state, script = memory(), scripted("00", lost(), lost(), lost())
    first, second, _ = (owing_a_reversal(state) for _ in range(3))
    outcomes = script.run(owed.flush_reversals(POSSIM, CONFIG, state))
    assert [o.status for o in outcomes] == ["acked", "pending"]
    assert [send.txn_id for send in script.sent] == [first.id, second.id, second.id, second.id]


def test_a_pending_reversal_stops_anything_new_as_host_unreachable() -> None:
    state = memory()
    owing_a_reversal(state)
    with pytest.raises(HostUnreachable) as raised:
        scripted(lost(), lost(), lost()).run(owed.flush_owed(POSSIM, CONFIG, state))
    assert raised.value.kind is FailureKind.OWED_FIRST and not raised.value.sent


def test_a_cup_reversal_keeps_the_reason_of_the_first_failure_on_every_send() -> None:
    cup = CupProfile()
    state, script = memory(), scripted(lost(), "00")
    record = owing_a_reversal(state)
    mac_failed = CommunicationFailure("response rejected: MAC", FailureKind.MAC_FAILED)
    script.run(owed.reverse(cup, cup.configure(config(dialect="cup-pos")), state, record, mac_failed))
    assert [send.request[39] for send in script.sent] == ["96", "96"]


def test_an_unanswered_repeat_stops_anything_new() -> None:
    state = memory()
    record = state.begin(new_sale(), reversible=False)
    state.owe_repeat(record, built(record, KEYS))
    with pytest.raises(CommunicationFailure) as raised:
        scripted(lost(), lost(), lost()).run(owed.flush_repeats(POSSIM, CONFIG, state))
    assert raised.value.kind is FailureKind.OWED_FIRST and state.owed_repeat_count == 1


class AdviceState(MemoryState):
    """Memory with one advice queued (the light terminal queues none; the engine's journal does)."""

    def __init__(self) -> None:
        super().__init__(lambda: datetime(2026, 3, 1, tzinfo=UTC), first_stan=100)
        record = self.begin(new_sale(), reversible=False)
        self.refund = replace(record, auth_code="Y31234")
        self.advices = [AdviceRecord(1, record.id, 0, ReversalStatus.PENDING, record.created_at, None, None)]
        self.answers: list[HostAnswer] = []

    def transaction(self, transaction_id: int) -> TransactionRecord:
        return self.refund

    def pending_advices(self) -> list[AdviceRecord]:
        return list(self.advices)

    def note_advice_attempt(self, advice: AdviceRecord) -> None:
        self.advices = [replace(advice, attempts=advice.attempts + 1)]

    def acknowledge_advice(self, advice: AdviceRecord, answer: HostAnswer) -> None:
        self.advices, self.answers = [], [answer]


def test_an_advice_goes_as_0220_then_as_0221_after_a_failed_attempt() -> None:
    state, script = AdviceState(), scripted(lost(), "00")
    with pytest.raises(CommunicationFailure):
        script.run(owed.flush_advices(POSSIM, CONFIG, state))
    assert script.run(owed.flush_advices(POSSIM, CONFIG, state)) == 1
    assert script.mtis == ["0220", "0221"] and state.advices == [] and state.answers[0].response_code == "00"


def test_an_advice_answered_with_a_code_that_does_not_decide_it_stays_owed() -> None:
    state = AdviceState()
    with pytest.raises(CommunicationFailure) as raised:
        scripted("96").run(owed.flush_advices(POSSIM, CONFIG, state))
    assert raised.value.kind is FailureKind.NOT_APPLIED and len(state.advices) == 1


def test_once_the_host_answers_a_sign_on_owed_items_go_and_a_failing_repeat_does_not_fail_it() -> None:
    state, script = memory(), scripted("00", lost(), lost(), lost())
    owing_a_reversal(state)
    repeat = state.begin(new_sale(), reversible=False)
    state.owe_repeat(repeat, built(repeat, KEYS))
    outcomes = script.run(owed.flush_when_reachable(POSSIM, CONFIG, state))
    assert [o.status for o in outcomes] == ["acked"] and script.mtis == ["0400", "0200", "0200", "0200"]
    assert state.owed_repeat_count == 1


def test_while_a_reversal_stays_pending_nothing_else_goes_after_a_sign_on() -> None:
    state, script = memory(), scripted(lost(), lost(), lost())
    owing_a_reversal(state)
    repeat = state.begin(new_sale(), reversible=False)
    state.owe_repeat(repeat, built(repeat, KEYS))
    script.run(owed.flush_when_reachable(POSSIM, CONFIG, state))
    assert script.mtis == ["0400", "0401", "0401"]
