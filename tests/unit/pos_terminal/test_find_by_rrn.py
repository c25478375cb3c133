"""An RRN names one transaction: a transaction and its own void (which carries its RRN) are one match."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pos_terminal.journal import AmbiguousLookup, Journal
from tests.unit.pos_terminal.test_journal import T0, approve, at, journal, path, refund, sale, void

__all__ = ["journal", "path"]  # the fixtures, shared with test_journal.py

RRN = "000000000007"


def test_an_rrn_shared_by_a_refund_and_its_void_finds_the_refund_voided(journal: Journal) -> None:
    sale_id = journal.begin_transaction(sale(), now=T0).id
    approve(journal, sale_id)
    refund_id = journal.begin_transaction(refund(sale_id, 4_000), now=at(2)).id
    approve(journal, refund_id, rrn=RRN)
    void_id = journal.begin_transaction(void(refund_id, 4_000), now=at(3)).id
    approve(journal, void_id, rrn=RRN)
    found = journal.find_by_rrn(RRN)
    assert found is not None and found.id == refund_id and found.voided_by == void_id


def test_unrelated_transactions_sharing_an_rrn_ask_for_the_date(journal: Journal) -> None:
    for day in (0, 1):
        txn_id = journal.begin_transaction(sale(), now=T0 + timedelta(days=day)).id
        approve(journal, txn_id, rrn=RRN)
    with pytest.raises(AmbiguousLookup) as raised:
        journal.find_by_rrn(RRN)
    assert raised.value.where == f"RRN {RRN}" and raised.value.invoices == (1, 2)


def test_the_day_tells_transactions_sharing_an_rrn_apart(journal: Journal) -> None:
    ids = []
    for day in (0, 1):
        ids.append(journal.begin_transaction(sale(), now=T0 + timedelta(days=day)).id)
        approve(journal, ids[-1], rrn=RRN)
    found = journal.find_by_rrn(RRN, day=date(2024, 5, 2))
    assert found is not None and found.id == ids[1]
