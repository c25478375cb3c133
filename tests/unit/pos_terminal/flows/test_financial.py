"""The financial flow (pos_terminal.flows.financial), driven with scripted answers: one behaviour per test."""

from __future__ import annotations

from pos_terminal.flows import financial
from pos_terminal.flows.memory import MemoryState
from pos_terminal.profiles import CupProfile, Possim87Profile, ProtocolProfile
from pos_terminal.state.records import NewTransaction
from tests.unit.pos_terminal.flows.script import (
    Script,
    built,
    config,
    lost,
    memory,
    new_refund,
    new_sale,
    scripted,
    unreachable,
)

POSSIM = Possim87Profile()
CUP = CupProfile()
CONFIG = config()
CUP_CONFIG = CUP.configure(config(dialect="cup-pos"))


def sale(state: MemoryState, script: Script, profile: ProtocolProfile = POSSIM,
         new: NewTransaction | None = None) -> financial.FinancialEnd:
    """The financial flow end to end: prepare, record (journal before send), send."""
    cfg = CUP_CONFIG if profile is CUP else CONFIG
    prepared = script.run(financial.prepare(profile, cfg, state))
    new = new or new_sale()
    record = state.begin(new, reversible=profile.reverses(new.txn_type))
    return script.run(financial.send(profile, cfg, state, record, built, prepared))


def test_an_approved_sale_is_answered_and_nothing_is_owed() -> None:
    state, script = memory(), scripted("00")
    end = sale(state, script)
    assert isinstance(end, financial.Answered) and end.approved and end.answer.response_code == "00"
    assert script.mtis == ["0200"] and state.owed_reversals == 0


def test_a_declined_sale_is_answered_not_reversed() -> None:
    state, script = memory(), scripted("51")
    end = sale(state, script)
    assert isinstance(end, financial.Answered) and not end.approved
    assert script.mtis == ["0200"] and state.owed_reversals == 0


def test_a_lost_answer_is_reversed_at_once_and_the_reversal_cleared() -> None:
    state, script = memory(), scripted(lost(), "00")
    end = sale(state, script)
    assert isinstance(end, financial.Reversed) and end.reversal.status == "acked"
    assert script.mtis == ["0200", "0400"] and state.owed_reversals == 0


def test_an_unanswered_reversal_is_repeated_as_0401() -> None:
    state, script = memory(), scripted(lost(), lost(), "00")
    end = sale(state, script)
    assert isinstance(end, financial.Reversed) and (end.reversal.status, end.reversal.attempts) == ("acked", 2)
    assert script.mtis == ["0200", "0400", "0401"]


def test_a_reversal_never_cleared_stays_owed_after_the_attempts_of_a_run() -> None:
    state, script = memory(), scripted(lost(), lost(), lost(), lost())
    end = sale(state, script)
    assert isinstance(end, financial.Reversed) and end.reversal.status == "pending"
    assert script.mtis == ["0200", "0400", "0401", "0401"] and state.owed_reversals == 1


def test_an_owed_reversal_goes_out_before_the_next_sale() -> None:
    state = memory()
    sale(state, scripted(lost(), lost(), lost(), lost()))
    script = scripted("00", "00")
    assert isinstance(sale(state, script), financial.Answered)
    assert script.mtis == ["0401", "0200"] and state.owed_reversals == 0


def test_a_request_that_never_left_is_neither_reversed_nor_owed() -> None:
    state, script = memory(), scripted(unreachable())
    end = sale(state, script)
    assert isinstance(end, financial.NotSent) and end.record.stan == 101
    assert script.mtis == ["0200"] and state.owed_reversals == 0 and state.owed_repeat_count == 0


def test_a_cup_refund_whose_answer_is_lost_is_repeated_with_the_same_stan_and_content() -> None:
    state = memory()
    original = sale(state, scripted("00"), CUP)
    assert isinstance(original, financial.Answered)
    script = scripted(lost(), "00")
    end = sale(state, script, CUP, new_refund(original.record, mti="0220"))
    assert isinstance(end, financial.Answered) and end.approved
    first, again = script.sent
    assert script.mtis == ["0220", "0220"] and first.request == again.request and state.owed_reversals == 0


def test_a_cup_refund_unanswered_after_its_repeats_stays_owed_and_goes_first_next_time() -> None:
    state = memory()
    original = sale(state, scripted("00"), CUP)
    assert isinstance(original, financial.Answered)
    end = sale(state, scripted(lost(), lost(), lost(), lost()), CUP, new_refund(original.record, mti="0220"))
    assert isinstance(end, financial.Owed) and state.owed_repeat_count == 1
    script = scripted("00", "00")
    assert isinstance(sale(state, script, CUP), financial.Answered)
    assert script.mtis == ["0220", "0200"] and state.owed_repeat_count == 0
