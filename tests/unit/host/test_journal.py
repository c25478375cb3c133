"""The host journal's file: created readable by its owner only, like the terminal's."""

from __future__ import annotations

import stat
from pathlib import Path

from simulator.host.journal import HostJournal


def test_a_new_host_journal_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "host-journal.sqlite3")
    journal.close()
    assert stat.S_IMODE((tmp_path / "host-journal.sqlite3").stat().st_mode) == 0o600
