"""The money rule, proved by random sequences on the iso93 network (ISO 8583:1993, ``iso93ebcdic``).

The state machine of tests/e2e/test_money_rule_property.py (random sales, refunds, voids, lost answers and
lost reversal answers, restarts, echoes, offline refunds and their advices, exact replays by a second
device, crafted late reversals) on the 1993 messages: a void is a 1420 that is repeated, never reversed;
reversals are 1420/1421; advices 1220/1221; the host answers action codes. Same invariants, same bounds.
"""

from __future__ import annotations

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from tests.e2e.test_money_rule_property import _BOUNDS, RUNS, Possim87Machine

FINANCIAL = frozenset({"1200", "1220", "1420"})
"""What a sale, refund, void or advice goes out as (a void is a 1420)."""
REVERSALS = frozenset({"1420", "1421"})
SENT = FINANCIAL | REVERSALS | {"1221"}


def crafted_reversal(engine: TerminalEngine, record: TransactionRecord) -> Step[str]:
    """A 1420 reversing ``record``, signed with the terminal's keys but never journaled: its meaning (00 applied)."""
    original = engine.journal.get(record.original_id) if record.original_id else None
    keys = yield NeedKeys()
    request = engine.profile.reversal_request(record, original, engine.config, keys, repeat=False,
                                              reason=engine.profile.reversal_reason(None))
    response = yield Send(request, keys, None, "reversal", accept=lambda code: True)
    return engine.profile.response_code(response)


class Iso93Machine(Possim87Machine):
    DIALECT = "iso93ebcdic"

    def arm(self, lose: bool, lose_reversal: bool) -> None:
        self.rules.armed = set(FINANCIAL if lose else ()) | set(REVERSALS if lose_reversal else ())

    def observe(self, record: ExchangeRecord) -> None:
        if record.direction.value == "out" and record.message.mti in SENT:
            self.sent.append(record.raw)

    @rule(pick=st.integers(0, 1000))
    def late_reversal(self, pick: int) -> None:
        """As possim-87's, reading the 1430's action code as its meaning (400: applied)."""
        targets = [record for record in self.records(TxnType.SALE, TxnType.REFUND)
                   if record.status is TxnStatus.APPROVED]
        if not targets:
            return
        try:
            code = self.run(self.engine.run(crafted_reversal(self.engine, targets[pick % len(targets)])))
        except Exception as failure:  # noqa: BLE001 - not answered: the host may have applied it
            event(f"late reversal not answered: {type(failure).__name__}")
            self.tampered = True
            return
        event(f"late reversal answered {code}")
        if code == "00":
            self.tampered = True


def test_the_money_rule_holds_for_random_sequences_on_iso93() -> None:
    before = RUNS["iso93ebcdic"]
    run_state_machine_as_test(Iso93Machine, settings=_BOUNDS)
    print(f"iso93: {RUNS['iso93ebcdic'] - before} sequences")


