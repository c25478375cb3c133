"""The money rule, proved by random sequences on every profile: the real terminal engine against the real host.

A hypothesis state machine drives a :class:`~pos_terminal.engine.terminal.TerminalEngine` against a
:class:`~simulator.host.server.HostServer` on 127.0.0.1 (possim-87, then cup-pos) with random sales,
refunds, voids, lost answers (the host processes the request and drops its answer, so the terminal
reverses or repeats), lost answers to reversals (the reversal stays owed), restarts, echoes (which flush
what is owed), offline refunds and their advices (possim-87), and, as a second device with the same
terminal ID, exact replays of what the terminal sent and crafted late reversals.

After every step (docs/protocol.md, "Money rules"):

* on the host, computed from the ledger alone (not from the statuses): every movement is undone at most
  once; for every sale, the refunds in force fit in it, and none is in force on a sale whose debit is not
  in force (voided or reversed); and each sale's and refund's status says whether its movement is in force;
* a replayed request moves no money;
* once the terminal owes nothing (no pending transaction, reversal, repeat or advice) and no crafted
  reversal was applied, the terminal and the host agree on every transaction (in force or not) and on
  the money moved.

Bounded for CI: ``EXAMPLES`` sequences of at most ``STEPS`` steps per profile.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from emv.cards import EntryMode, load_test_cards
from iso8583.channels import ChannelError, connect
from iso8583.message import Message
from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from protocols.security import KeyScheme
from simulator.host.config import HostConfig
from simulator.host.journal import HostJournal
from simulator.host.records import Cause, HostTransaction, Status
from simulator.host.rules import Rule, RuleAction, RuleSet
from simulator.host.server import HostServer

EXAMPLES = int(os.environ.get("POSSIM_PROPERTY_EXAMPLES", "10"))
"""Sequences per profile (each a fresh host and terminal); POSSIM_PROPERTY_EXAMPLES runs more locally."""
STEPS = 15
"""Most steps per sequence."""
ANSWER_TIMEOUT = 0.15
"""Seconds the terminal waits for an answer: a lost one is the point. A slow machine turning a late answer
into a lost one only adds a lost answer, which the rule must survive anyway."""
SUPERVISOR = "0000"
FINANCIAL_MTIS = frozenset({"0200", "0220"})
REVERSAL_MTIS = frozenset({"0400", "0401"})
REQUEST_MTIS = frozenset({"0200", "0220", "0221"})
"""What the host journals a terminal's sale, refund, void or advice as (found by the terminal's STAN)."""
AMOUNTS = st.integers(1, 50).map(lambda units: units * 100)
LOSE = st.sampled_from((False, False, True))
"""Whether the answer is lost: one request in three."""
RUNS: Counter[str] = Counter()
"""Sequences run per profile (reported by the test)."""


@dataclass
class LosingRules(RuleSet):
    """The host's rules: drop the answer to the next request of the MTIs armed (after processing it)."""

    armed: set[str] = field(default_factory=set)

    def match(self, request: Message, pan: str | None, *, after_commit: Any = None) -> Rule | None:
        if request.mti in self.armed:
            self.armed.clear()
            return Rule(RuleAction.DROP, name="lost answer")
        return None


def dead_url() -> str:
    """A loopback address nothing listens on (the host unreachable)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def crafted_reversal(engine: TerminalEngine, record: TransactionRecord) -> Step[str]:
    """A reversal of ``record`` built and signed with the terminal's keys but never journaled as one: what a
    second device with the same terminal ID, or a late copy of an old reversal, would send. Its code."""
    original = engine.journal.get(record.original_id) if record.original_id else None
    keys = yield NeedKeys()
    request = engine.profile.reversal_request(record, original, engine.config, keys, repeat=False,
                                              reason=engine.profile.reversal_reason(None))
    response = yield Send(request, keys, None, "reversal", accept=lambda code: True)
    return str(response[39])


def in_force_by_ledger(journal: HostJournal) -> dict[int, int]:
    """What each transaction's own movements amount to while in force, from the ledger alone; checks on the way
    that no movement is undone twice."""
    entries = journal.ledger()
    counters = Counter(entry.counter_of for entry in entries if entry.counter_of is not None)
    twice = [entry_id for entry_id, times in counters.items() if times > 1]
    assert not twice, f"ledger entries undone more than once: {twice}"
    counter_of = {entry.counter_of: entry for entry in entries if entry.counter_of is not None}
    force: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.counter_of is not None:
            continue
        tail = entry
        while tail.id in counter_of:
            tail = counter_of[tail.id]
        if tail.direction is entry.direction:
            force[entry.transaction_id] += entry.amount
    return force


def check_host_rule(journal: HostJournal) -> int:
    """The money rule on the host, from the ledger; returns the net debit in force (what cardholders paid)."""
    force = in_force_by_ledger(journal)
    txns = {txn.id: txn for txn in journal.transactions()}
    own = [entry for entry in journal.ledger() if entry.counter_of is None]
    sales = {entry.transaction_id: entry.amount for entry in own if entry.cause is Cause.SALE}
    refunds = {entry.transaction_id for entry in own if entry.cause is Cause.REFUND}
    refunded: dict[int, int] = defaultdict(int)
    for refund_id in refunds:
        sale_id = txns[refund_id].original_id
        if sale_id is not None:
            refunded[sale_id] += force[refund_id]
    for sale_id, amount in sales.items():
        assert refunded[sale_id] <= amount, f"sale {sale_id}: {refunded[sale_id]} refunded in force of {amount}"
        assert force[sale_id] or not refunded[sale_id], \
            f"sale {sale_id} is voided or reversed but {refunded[sale_id]} of refunds are in force"
    for txn_id in (*sales, *refunds):
        status = txns[txn_id].status
        assert (status is Status.APPROVED) == bool(force[txn_id]), \
            f"host transaction {txn_id} is {status} but its movement in force is {force[txn_id]}"
    debits = sum(force[txn_id] for txn_id in sales)
    return debits - sum(force[txn_id] for txn_id in refunds)


class MoneyRuleMachine(RuleBasedStateMachine):
    """One host and one terminal of a profile; see the module docstring for the steps and the checks."""

    DIALECT: ClassVar[str]
    CARD: ClassVar[str]
    PIN: ClassVar[str]
    SETTINGS: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        RUNS[self.DIALECT] += 1
        self.folder = Path(tempfile.mkdtemp(prefix="possim-money-"))
        self.loop = asyncio.new_event_loop()
        self.rules = LosingRules()
        config = HostConfig(data_dir=self.folder / "host", dialect=self.DIALECT, listen="tcp://127.0.0.1:0")
        (self.folder / "host").mkdir()
        self.server = HostServer(config, rules=self.rules)
        self.url = self.loop.run_until_complete(self.server.start())
        self.sent: list[bytes] = []
        self.tampered = False
        self.engine = self.open_engine(self.url)

    # ------------------------------------------------------------------ plumbing

    def open_engine(self, url: str) -> TerminalEngine:
        data_dir = self.folder / "terminal"
        settings_ = {"host_url": url, "dialect": self.DIALECT, "response_timeout": ANSWER_TIMEOUT,
                     "connect_timeout": 1.0, "reversal_attempts_per_run": 1, "max_refunds_per_card_per_day": 1000,
                     **self.SETTINGS}
        engine = TerminalEngine.open(data_dir, load_config(data_dir, password_iterations=1000)
                                     .with_overrides(**settings_))
        engine.observer = self.observe
        return engine

    def observe(self, record: ExchangeRecord) -> None:
        if record.direction.value == "out" and record.message.mti in FINANCIAL_MTIS | REVERSAL_MTIS:
            self.sent.append(record.raw)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def close_engine(self) -> None:
        self.run(self.engine.disconnect())
        self.engine.close()

    def reopen(self, url: str) -> None:
        self.close_engine()
        self.engine = self.open_engine(url)

    def teardown(self) -> None:
        self.close_engine()
        self.run(self.server.stop())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def card(self) -> Any:
        return present_test_card(self.CARD, EntryMode.CHIP)

    def arm(self, lose: bool, lose_reversal: bool) -> None:
        self.rules.armed = set(FINANCIAL_MTIS if lose else ()) | set(REVERSAL_MTIS if lose_reversal else ())

    def records(self, *kinds: TxnType) -> list[TransactionRecord]:
        batch = self.engine.journal.current_batch()
        return [record for kind in kinds for record in self.engine.journal.transactions(batch=batch, txn_type=kind)]

    def owes_nothing(self) -> bool:
        state = self.engine.state
        pending = [record for record in self.records(*TxnType) if record.status is TxnStatus.PENDING]
        return not (pending or state.pending_reversals() or state.owed_repeats() or state.pending_advices())

    # ------------------------------------------------------------------ steps

    @initialize(amounts=st.lists(AMOUNTS, min_size=1, max_size=3))
    def sign_on_and_sell(self, amounts: list[int]) -> None:
        """Every sequence starts signed on with approved sales, so refunds, voids and reversals have targets."""
        self.run(self.engine.sign_on())
        for amount in amounts:
            self.run(self.engine.sale(self.card(), amount, self.PIN))

    @rule(amount=AMOUNTS, lose=LOSE,
          lose_reversal=st.booleans())
    def sale(self, amount: int, lose: bool, lose_reversal: bool) -> None:
        self.arm(lose, lose and lose_reversal)
        self.run(self.engine.sale(self.card(), amount, self.PIN))

    @rule(pick=st.integers(0, 1000), share=st.sampled_from([0.25, 0.5, 1.0, 1.5]), lose=LOSE,
          lose_reversal=st.booleans())
    def refund(self, pick: int, share: float, lose: bool, lose_reversal: bool) -> None:
        sales = self.records(TxnType.SALE)
        if not sales:
            return
        sale = sales[pick % len(sales)]
        self.arm(lose, lose and lose_reversal)
        self.run(self.engine.refund(RefundRequest(card=self.card(), amount=max(1, int(sale.amount * share)),
                                                  supervisor_password=SUPERVISOR, original_invoice=sale.invoice)))

    @rule(pick=st.integers(0, 1000), lose=LOSE, lose_reversal=st.booleans())
    def void(self, pick: int, lose: bool, lose_reversal: bool) -> None:
        targets = self.records(TxnType.SALE, TxnType.REFUND)
        if not targets:
            return
        self.arm(lose, lose and lose_reversal)
        self.run(self.engine.void(targets[pick % len(targets)].invoice, SUPERVISOR))

    @rule()
    def echo(self) -> None:
        """The host is reachable: what is owed goes out (reversals, repeats, advices)."""
        self.run(self.engine.echo())

    @rule()
    def restart(self) -> None:
        self.reopen(self.url)

    @rule(pick=st.integers(0, 1000))
    def replay(self, pick: int) -> None:
        """A second device sends again, byte for byte, a request the terminal sent: no money may move."""
        if not self.sent:
            return
        before = self.host_net()
        self.run(self.send_raw(self.sent[pick % len(self.sent)]))
        assert self.host_net() == before, "a replayed request moved money"

    async def send_raw(self, frame: bytes) -> None:
        try:
            channel = await connect(self.url, connect_timeout=1.0)
        except (ChannelError, OSError):
            return
        try:
            await channel.send(frame)
            await channel.receive(timeout=ANSWER_TIMEOUT)
        except (ChannelError, OSError):
            pass  # a replay the host does not answer moves nothing either
        finally:
            await channel.close()

    @rule(pick=st.integers(0, 1000))
    def late_reversal(self, pick: int) -> None:
        """A reversal the terminal never journaled: refused (12) when it would break the rule; when the host
        applies it (00), the terminal no longer knows the host's state, so only the host's rule is checked."""
        targets = [record for record in self.records(TxnType.SALE, TxnType.REFUND, TxnType.VOID)
                   if record.status is TxnStatus.APPROVED and self.engine.profile.reverses(record.txn_type)]
        if not targets:
            return
        try:
            code = self.run(self.engine.run(crafted_reversal(self.engine, targets[pick % len(targets)])))
        except Exception as failure:  # noqa: BLE001 - not answered: the host may have applied it
            event(f"late reversal not answered: {type(failure).__name__}: {failure}")
            self.tampered = True
            return
        event(f"late reversal answered {code}")
        if code == "00":
            self.tampered = True

    # ------------------------------------------------------------------ invariants

    def host_net(self) -> int:
        return check_host_rule(self.server.logic.journal)

    @invariant()
    def money_rule_holds_on_the_host(self) -> None:
        self.host_net()

    @invariant()
    def terminal_and_host_agree_once_nothing_is_owed(self) -> None:
        if self.tampered or not self.owes_nothing():
            event("agreement not checked: " + ("a crafted reversal was applied" if self.tampered else "owed"))
            return
        event("agreement checked")
        journal = self.server.logic.journal
        host = {txn.stan: txn for txn in journal.transactions() if txn.mti in REQUEST_MTIS}
        terminal_net = 0
        for record in self.records(*TxnType):
            txn: HostTransaction | None = host.get(f"{record.stan:06d}")
            on_terminal = record.status is TxnStatus.APPROVED and record.voided_by is None
            on_host = txn is not None and txn.status is Status.APPROVED
            assert on_terminal == on_host, (
                f"{record.txn_type} invoice {record.invoice} STAN {record.stan}: terminal {record.status}"
                f"{' voided' if record.voided_by else ''}, host {txn.status if txn else 'none'}")
            if on_terminal and record.txn_type is not TxnType.VOID:
                terminal_net += record.amount if record.txn_type is TxnType.SALE else -record.amount
        assert terminal_net == self.host_net(), "the terminal and the host disagree on the money moved"


CARDS = load_test_cards()


class Possim87Machine(MoneyRuleMachine):
    DIALECT = "terminal87"
    CARD = "visa_credit"
    PIN = CARDS["visa_credit"].pin
    SETTINGS: ClassVar[dict[str, Any]] = {"key_scheme": KeyScheme.MKSK, "offline_refunds": True}

    @rule(pick=st.integers(0, 1000), share=st.sampled_from([0.25, 0.5, 1.0, 1.5]))
    def offline_refund(self, pick: int, share: float) -> None:
        """The host unreachable: the refund completes offline and its advice is owed (store-and-forward)."""
        sales = self.records(TxnType.SALE)
        if not sales:
            return
        sale = sales[pick % len(sales)]
        self.reopen(dead_url())
        try:
            self.run(self.engine.refund(RefundRequest(card=self.card(), amount=max(1, int(sale.amount * share)),
                                                      supervisor_password=SUPERVISOR, original_invoice=sale.invoice)))
        finally:
            self.reopen(self.url)


def billing_in_force(journal: HostJournal) -> dict[int, int]:
    """Each transaction's DCC billing amount while its movement is in force, from the ledger alone."""
    entries = journal.ledger()
    counter_of = {entry.counter_of: entry for entry in entries if entry.counter_of is not None}
    force: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.counter_of is not None or entry.billing_amount is None:
            continue
        tail = entry
        while tail.id in counter_of:
            tail = counter_of[tail.id]
        if tail.direction is entry.direction:
            force[entry.transaction_id] += entry.billing_amount
    return force


class DccMachine(Possim87Machine):
    """possim-87 with a UK card paying in pounds by DCC: the rule must hold in both currencies."""

    CARD = "visa_gbp"
    PIN = CARDS["visa_gbp"].pin
    SETTINGS: ClassVar[dict[str, Any]] = {"key_scheme": KeyScheme.MKSK, "offline_refunds": True, "dcc": True}

    def dcc_sale(self, amount: int) -> None:
        card = self.card()
        offer = self.run(self.engine.rate_inquiry(card, amount)).offer
        self.run(self.engine.sale(card, amount, self.PIN, dcc=offer))

    @initialize(amounts=st.lists(AMOUNTS, min_size=1, max_size=3))
    def sign_on_and_sell(self, amounts: list[int]) -> None:
        self.run(self.engine.sign_on())
        for amount in amounts:
            self.dcc_sale(amount)

    @rule(amount=AMOUNTS, lose=LOSE, lose_reversal=st.booleans())
    def sale(self, amount: int, lose: bool, lose_reversal: bool) -> None:
        self.arm(lose, lose and lose_reversal)
        self.dcc_sale(amount)

    @invariant()
    def dcc_refunds_never_exceed_the_sale_in_the_billing_currency(self) -> None:
        """From the ledger: the billing amounts of a sale's refunds in force fit in the sale's, and a sale refunded
        in full in the merchant currency is refunded in full in the billing currency (the last refund takes the
        exact remainder; a crafted late reversal of a void, which brings an earlier refund back, is exempt)."""
        journal = self.server.logic.journal
        merchant, billing = in_force_by_ledger(journal), billing_in_force(journal)
        refunded: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for txn in journal.transactions():
            if txn.processing_code == "200000" and txn.original_id is not None and merchant[txn.id]:
                refunded[txn.original_id][0] += merchant[txn.id]
                refunded[txn.original_id][1] += billing[txn.id]
        for sale_id, (amount, billed) in refunded.items():
            sale = journal.transaction(sale_id)
            assert sale is not None and sale.dcc_amount is not None and billed <= sale.dcc_amount, (sale_id, billed)
            if amount == sale.amount and not self.tampered:  # a crafted late reversal may bring back a refund
                assert billed == sale.dcc_amount, f"sale {sale_id} refunded in full but not in the billing currency"


class CupPosMachine(MoneyRuleMachine):
    DIALECT = "cup-pos"
    CARD = "unionpay_debit"
    PIN = "111101"


_BOUNDS = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_the_money_rule_holds_for_random_sequences_on_possim_87() -> None:
    before = RUNS["terminal87"]
    run_state_machine_as_test(Possim87Machine, settings=_BOUNDS)
    print(f"possim-87: {RUNS['terminal87'] - before} sequences")


def test_the_money_rule_holds_for_random_sequences_on_cup_pos() -> None:
    before = RUNS["cup-pos"]
    run_state_machine_as_test(CupPosMachine, settings=_BOUNDS)
    print(f"cup-pos: {RUNS['cup-pos'] - before} sequences")


def test_the_money_rule_holds_in_both_currencies_for_random_dcc_sequences() -> None:
    run_state_machine_as_test(DccMachine, settings=settings(_BOUNDS, max_examples=max(1, EXAMPLES // 2)))
