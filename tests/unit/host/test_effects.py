"""Effects outside SQLite follow the journal's transaction levels (simulator.host.effects)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.host.journal import HostJournal


@pytest.fixture
def journal(tmp_path: Path):  # noqa: ANN201
    opened = HostJournal(tmp_path / "journal.db")
    yield opened
    opened.close()


def test_an_effect_outside_a_transaction_applies_at_once(journal: HostJournal) -> None:
    done: list[str] = []
    journal.after_commit(lambda: done.append("applied"))
    assert done == ["applied"]


def test_an_effect_waits_for_the_commit(journal: HostJournal) -> None:
    done: list[str] = []
    with journal.atomic():
        journal.after_commit(lambda: done.append("applied"))
        assert done == []
    assert done == ["applied"]


def test_a_savepoints_effect_waits_for_the_outermost_commit(journal: HostJournal) -> None:
    done: list[str] = []
    with journal.atomic():
        with journal.atomic():
            journal.after_commit(lambda: done.append("applied"))
        assert done == []
    assert done == ["applied"]


def test_a_rolled_back_savepoint_discards_only_its_effects(journal: HostJournal) -> None:
    done: list[str] = []
    with journal.atomic():
        journal.after_commit(lambda: done.append("kept"))
        with pytest.raises(RuntimeError), journal.atomic():
            journal.after_commit(lambda: done.append("lost"), lambda: done.append("discarded"))
            raise RuntimeError("the request fails alone")
    assert done == ["discarded", "kept"]


def test_a_failed_commit_discards_every_effect(journal: HostJournal, monkeypatch: pytest.MonkeyPatch) -> None:
    done: list[str] = []

    def disk_full() -> None:
        raise OSError("disk full")

    monkeypatch.setattr(journal, "_commit", disk_full)
    with pytest.raises(OSError), journal.atomic():
        journal.after_commit(lambda: done.append("applied"), lambda: done.append("discarded"))
    assert done == ["discarded"]


def test_effects_apply_in_the_order_they_were_registered(journal: HostJournal) -> None:
    done: list[int] = []
    with journal.atomic():
        for number in range(3):
            journal.after_commit(lambda number=number: done.append(number))  # type: ignore[misc]
    assert done == [0, 1, 2]


def test_a_then_named_by_several_effects_runs_once_after_all_of_them(journal: HostJournal) -> None:
    done: list[str] = []

    def then() -> None:
        done.append("then")

    with journal.atomic():
        journal.after_commit(lambda: done.append("first"), then=then)
        journal.after_commit(lambda: done.append("second"), then=then)
    assert done == ["first", "second", "then"]


def test_the_then_of_a_discarded_effect_does_not_run(journal: HostJournal) -> None:
    done: list[str] = []
    with pytest.raises(RuntimeError), journal.atomic():
        journal.after_commit(lambda: done.append("applied"), then=lambda: done.append("then"))
        raise RuntimeError("the group fails")
    assert done == []


def test_an_effect_outside_a_transaction_runs_its_then_at_once(journal: HostJournal) -> None:
    done: list[str] = []
    journal.after_commit(lambda: done.append("applied"), then=lambda: done.append("then"))
    assert done == ["applied", "then"]
