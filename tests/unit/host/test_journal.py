"""The host journal's file: created readable by its owner only, like the terminal's."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from simulator.host.journal import HostJournal


def test_a_new_host_journal_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "host-journal.sqlite3")
    journal.close()
    assert stat.S_IMODE((tmp_path / "host-journal.sqlite3").stat().st_mode) == 0o600


def test_a_business_date_move_reads_and_writes_under_the_write_lock(tmp_path: Path) -> None:
    """Concurrent ``advance-date --to D`` must end on D: another writer cannot slip between read and write."""
    import sqlite3

    journal = HostJournal(tmp_path / "j.sqlite3")
    other = sqlite3.connect(tmp_path / "j.sqlite3", timeout=0)
    blocked: list[bool] = []

    def compute(current: int) -> int:
        try:
            other.execute("INSERT INTO counters (name, value) VALUES ('business_date_offset', 99)"
                          " ON CONFLICT (name) DO UPDATE SET value = 99")
            other.commit()
            blocked.append(False)
        except sqlite3.OperationalError:
            blocked.append(True)
        return current + 30

    try:
        assert journal.move_business_date(compute) == 30
        assert blocked == [True] and journal.business_date_offset() == 30
    finally:
        other.close()
        journal.close()


def test_a_business_date_beyond_the_bound_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    from simulator.host.credits import BusinessDateError

    journal = HostJournal(tmp_path / "j.sqlite3")
    try:
        with pytest.raises(BusinessDateError, match="--reset"):
            journal.advance_business_date(3_000_000)
        assert journal.business_date_offset() == 0
    finally:
        journal.close()
