"""The operation mix of ``possim load --mix``: how it is read, what it refuses, and the schedule it yields."""

from __future__ import annotations

from collections import Counter
from itertools import islice

import pytest

from simulator.load import LoadPlan, Mix, MixError
from simulator.load.plan import MixTurns


def test_a_mix_keeps_its_operations_and_weights_in_order() -> None:
    mix = Mix.parse("sale=60,refund=30,void=10")
    assert mix.weights == (("sale", 60), ("refund", 30), ("void", 10))
    assert mix.total == 100 and mix.to_json() == {"sale": 60, "refund": 30, "void": 10}


def test_spaces_and_capitals_are_forgiven() -> None:
    assert Mix.parse(" Sale = 3 , VOID=1 ").weights == (("sale", 3), ("void", 1))


@pytest.mark.parametrize(("text", "named"), [
    ("sale=60,refnd=30", "'refnd=30'"),
    ("sale=60,refund", "'refund'"),
    ("sale=x", "'sale=x'"),
    ("sale=-1", "'sale=-1'"),
    ("sale=1.5", "'sale=1.5'"),
    ("=3", "'=3'"),
    ("sale=1,sale=2", "sale is given twice"),
    ("sale=0,refund=0", "every weight is 0"),
    ("refund=3,void=1", "give sale a weight above 0"),
    ("", "operation=weight"),
])
def test_a_bad_mix_is_refused_naming_the_bad_part(text: str, named: str) -> None:
    with pytest.raises(MixError, match="mix: .*" + named.replace("(", r"\(")):
        Mix.parse(text)


def test_every_cycle_holds_exactly_the_weights() -> None:
    mix = Mix.parse("sale=60,refund=30,void=10")
    for offset in (0, 7, 99):
        first_cycle = list(islice(mix.schedule(offset), 100))
        assert Counter(first_cycle) == {"sale": 60, "refund": 30, "void": 10}


def test_operations_are_interleaved_not_bunched() -> None:
    schedule = list(islice(Mix.parse("sale=2,refund=1").schedule(), 9))
    assert schedule == ["sale", "refund", "sale"] * 3


def test_a_zero_weight_operation_never_comes() -> None:
    assert set(islice(Mix.parse("sale=5,refund=0,void=5").schedule(), 50)) == {"sale", "void"}


def test_a_mix_plan_counts_one_sign_on_and_its_operations_per_terminal() -> None:
    plan = LoadPlan(terminals=3, transactions=7, mix=Mix.parse("sale=1,void=1"))
    assert plan.planned_operations() == 3 * (1 + 7)
    assert plan.to_json()["mix"] == {"sale": 1, "void": 1}


def test_a_timed_plan_has_no_planned_count() -> None:
    assert LoadPlan(duration=2.0).planned_operations() is None


def test_a_refund_or_void_without_an_open_sale_takes_the_next_sales_turn() -> None:
    turns = MixTurns(Mix.parse("sale=2,refund=1,void=1"))
    open_sales = 0
    done = []
    for _ in range(12):
        choice = turns.next(open_sale=open_sales > 0)
        open_sales += 1 if choice == "sale" else -1
        done.append(choice)
    assert done[:4] == ["sale", "refund", "sale", "void"]
    assert Counter(done) == {"sale": 6, "refund": 3, "void": 3}
