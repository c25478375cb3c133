"""Optimistic commit groups: no savepoint per request, and the group run again when a request fails after writing.

The group committer first runs a group's requests without a savepoint each
(``HostJournal.atomic(optimistic=True)``, simulator.host.committer). A request that fails before
writing is rolled back as with a savepoint (nothing to undo but its effects); one that fails after
writing spoils the group: the whole transaction is rolled back and the group runs again with a
savepoint per request, giving exactly what the savepoint path gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iso8583 import Message
from simulator.host import HostDecision, HostLogic
from simulator.host.journal import HostJournal, HostTransaction, Status
from simulator.host.journal_store import RedoWithSavepoints

from .conftest import NOW, PEER, MiniTerminal, make_host
from .groups import in_one_group

FAILING_STAN = "000003"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[HostJournal]:
    opened = HostJournal(tmp_path / "j.sqlite3")
    yield opened
    opened.close()


def _row(stan: str) -> HostTransaction:
    return HostTransaction(time="t", terminal_id="T", stan=stan, transmission_time="0314100000", mti="0200",
                           response_code="00", status=Status.APPROVED)


def _statements(journal: HostJournal) -> list[str]:
    seen: list[str] = []
    journal._db.set_trace_callback(seen.append)
    return seen


# -- the journal's optimistic transaction ------------------------------------------------------


def test_an_optimistic_group_runs_its_units_without_savepoints(journal: HostJournal) -> None:
    seen = _statements(journal)
    with journal.atomic(optimistic=True):
        for stan in ("000001", "000002"):
            with journal.atomic():
                journal.insert_transaction(_row(stan))
    assert [t.stan for t in journal.transactions()] == ["000001", "000002"]
    assert not [s for s in seen if "SAVEPOINT" in s or "RELEASE" in s]


def test_a_group_with_savepoints_still_opens_one_per_unit(journal: HostJournal) -> None:
    seen = _statements(journal)
    with journal.atomic():
        with journal.atomic():
            journal.insert_transaction(_row("000001"))
    assert [s for s in seen if s.startswith("SAVEPOINT")] == ["SAVEPOINT level1"]


def test_a_unit_failing_before_writing_leaves_the_optimistic_group_going(journal: HostJournal) -> None:
    discarded: list[str] = []
    with journal.atomic(optimistic=True):
        with journal.atomic():
            journal.insert_transaction(_row("000001"))
        with pytest.raises(ValueError), journal.atomic():
            journal.after_commit(lambda: None, lambda: discarded.append("its effect"))
            raise ValueError("malformed")
        assert not journal.spoiled
        with journal.atomic():
            journal.insert_transaction(_row("000003"))
    assert [t.stan for t in journal.transactions()] == ["000001", "000003"]
    assert discarded == ["its effect"]


def test_a_unit_failing_after_writing_makes_the_next_unit_redo_the_group(journal: HostJournal) -> None:
    applied: list[str] = []
    with pytest.raises(RedoWithSavepoints), journal.atomic(optimistic=True):
        with journal.atomic():
            journal.insert_transaction(_row("000001"))
            journal.after_commit(lambda: applied.append("first unit's effect"))
        with pytest.raises(RuntimeError), journal.atomic():
            journal.insert_transaction(_row("000002"))
            raise RuntimeError("a fault after the row")
        assert journal.spoiled
        with journal.atomic():
            pytest.fail("a unit of a spoiled group must not run")
    assert journal.transactions() == [] and applied == []


def test_a_spoiled_group_is_rolled_back_whole_on_its_way_out(journal: HostJournal) -> None:
    with pytest.raises(RedoWithSavepoints), journal.atomic(optimistic=True):
        with journal.atomic():
            journal.insert_transaction(_row("000001"))
        with pytest.raises(RuntimeError), journal.atomic():
            journal.insert_transaction(_row("000002"))
            raise RuntimeError("a fault after the row")
    assert journal.transactions() == []
    with journal.atomic():  # the journal is usable again, savepoints or not
        journal.insert_transaction(_row("000004"))
    assert [t.stan for t in journal.transactions()] == ["000004"]


def test_an_rrn_reservation_is_a_write_that_spoils_a_failing_unit(journal: HostJournal) -> None:
    """The reservation is an INSERT ... RETURNING, counted once its row is read (SQLite's total_changes)."""
    with pytest.raises(RedoWithSavepoints), journal.atomic(optimistic=True):
        with pytest.raises(RuntimeError), journal.atomic():
            journal.next_rrn()
            raise RuntimeError("a fault after the RRN")
        assert journal.spoiled


def test_a_nested_level_failing_without_writes_inside_a_unit_that_wrote_does_not_spoil_it(
    journal: HostJournal,
) -> None:
    with journal.atomic(optimistic=True):
        with journal.atomic():
            journal.insert_transaction(_row("000001"))
            with pytest.raises(KeyError), journal.atomic():
                raise KeyError("caught by the unit, which goes on")
            journal.insert_transaction(_row("000002"))
        assert not journal.spoiled
    assert [t.stan for t in journal.transactions()] == ["000001", "000002"]


# -- the group committer ------------------------------------------------------------------------


def _with_savepoints(host: HostLogic, requests: list[Message]) -> list[HostDecision]:
    """The same group as the committer's redo runs it: one transaction, a savepoint per request."""
    with host.journal.atomic():
        return [host.handle(request, now=NOW, peer=PEER) for request in requests]


def _failing_store(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored response of the request with STAN :data:`FAILING_STAN` fails: after its transaction and ledger
    rows were written."""
    store = host.journal.store_response

    def store_or_fail(**row: object) -> None:
        if row["stan"] == FAILING_STAN:
            raise RuntimeError("disk trouble on one row")
        store(**row)  # type: ignore[arg-type]

    monkeypatch.setattr(host.journal, "store_response", store_or_fail)


def _sales(mini: MiniTerminal) -> list[Message]:
    return [mini.financial("000000", amount) for amount in (1000, 2000, 3000, 4000)]  # STANs 2..5


def _journaled(host: HostLogic) -> tuple[list[tuple[object, ...]], ...]:
    """The journal as a person compares it: every row but times, authorisation codes and frames."""
    transactions = [(t.stan, t.mti, t.amount, t.rrn, t.response_code, t.status) for t in host.journal.transactions()]
    ledger = [(e.transaction_id, e.direction, e.cause, e.amount) for e in host.journal.ledger()]
    messages = [(m["direction"], m["stan"], m["mti"], m["note"]) for m in host.journal.messages()]
    return transactions, ledger, messages


def _answers(decisions: list[HostDecision]) -> list[tuple[object, ...]]:
    return [(d.response_code, d.response.get(11), d.response.get(37)) for d in decisions if d.response]


@pytest.fixture
def two_hosts(tmp_path: Path) -> Iterator[tuple[HostLogic, HostLogic]]:
    optimistic, with_savepoints = make_host(tmp_path / "optimistic"), make_host(tmp_path / "savepoints")
    yield optimistic, with_savepoints
    optimistic.close()
    with_savepoints.close()


def test_a_request_failing_after_writing_mid_group_gets_96_and_the_others_what_savepoints_give(
    two_hosts: tuple[HostLogic, HostLogic], monkeypatch: pytest.MonkeyPatch
) -> None:
    optimistic, with_savepoints = two_hosts
    minis = [MiniTerminal(optimistic), MiniTerminal(with_savepoints)]
    for mini in minis:
        assert mini.sign_on().response_code == "00"
    _failing_store(optimistic, monkeypatch)
    _failing_store(with_savepoints, monkeypatch)
    decisions, committer = in_one_group(optimistic, _sales(minis[0]))
    reference = _with_savepoints(with_savepoints, _sales(minis[1]))
    assert committer.redone == 1
    assert [d.response_code for d in decisions] == ["00", "96", "00", "00"]
    assert _answers(decisions) == _answers(reference)
    assert _journaled(optimistic) == _journaled(with_savepoints)


def test_a_request_failing_after_writing_leaves_no_row_of_its_failed_unit(
    host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = MiniTerminal(host)
    assert mini.sign_on().response_code == "00"
    _failing_store(host, monkeypatch)
    in_one_group(host, _sales(mini))
    transactions, ledger, messages = _journaled(host)
    assert [row[0] for row in transactions] == ["000002", "000004", "000005"]  # each once: no first attempt left
    assert len(ledger) == 3
    assert [m for m in messages if m[1] == FAILING_STAN] == [("in", FAILING_STAN, "0200", None),
                                                             ("out", FAILING_STAN, "0210", None)]


def test_a_request_failing_before_writing_does_not_redo_its_group(host: HostLogic) -> None:
    mini = MiniTerminal(host)
    assert mini.sign_on().response_code == "00"
    requests = [mini.financial("000000", 1000), mini.financial("000000", 2000, card_name=None),
                mini.financial("000000", 3000)]
    decisions, committer = in_one_group(host, requests)
    assert [d.response_code for d in decisions] == ["00", "30", "00"]
    assert committer.redone == 0
    assert [t.stan for t in host.journal.transactions()] == ["000002", "000004"]


def test_a_group_without_failures_is_committed_once_without_a_redo(host: HostLogic) -> None:
    mini = MiniTerminal(host)
    assert mini.sign_on().response_code == "00"
    decisions, committer = in_one_group(host, _sales(mini))
    assert [d.response_code for d in decisions] == ["00"] * 4
    assert (committer.batches, committer.requests, committer.redone) == (1, 4, 0)
