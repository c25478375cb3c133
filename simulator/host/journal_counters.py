"""The host journal's per-terminal and host-wide state beside the money: session keys and named counters.

* ``sessions``: the session key deliveries per terminal (key blocks as sent, wrapped under the terminal master
  key, and their check values), so a replayed sign-on gets the same keys.
* ``counters``: the RRN counter (reserved a block at a time, :meth:`CounterTables.next_rrn`), the business date
  offset (``possim host advance-date``) and the IC data versions each terminal downloaded.

Part of :class:`~simulator.host.journal.HostJournal`; kept apart from the money tables (:mod:`simulator.host.journal`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from simulator.host.credits import check_offset
from simulator.host.journal_store import JournalStore
from simulator.host.records import iso_time

__all__ = ["BUSINESS_DATE_OFFSET", "RRN_BLOCK", "RRN_DIGITS", "CounterTables"]

RRN_DIGITS = 12
RRN_BLOCK = 256
"""RRNs reserved from the journal's counter at a time (:meth:`CounterTables.next_rrn`)."""
BUSINESS_DATE_OFFSET = "business_date_offset"
"""Counter: how many days the host's business date runs ahead of the UTC calendar (``possim host advance-date``)."""


class CounterTables(JournalStore):
    """The ``sessions`` and ``counters`` tables, and the block of RRNs in hand."""

    def _init_state(self) -> None:
        super()._init_state()
        self._rrn_next, self._rrn_last = 1, 0  # the RRNs in hand (none yet): next_rrn reserves a block

    def record_session(
        self, *, time: datetime, terminal_id: str, pin_key_block: str, pin_key_kcv: str, mac_key_block: str,
        mac_key_kcv: str, request_stan: str | None = None, request_time: str | None = None,
    ) -> None:
        """Journal a session key delivery (blocks as sent, wrapped under the terminal master key) and the
        sign-on it answered (its STAN and DE 7), so a replay of that sign-on gets the same keys."""
        self._db.execute(
            "INSERT INTO sessions (time, terminal_id, pin_key_block, pin_key_kcv, mac_key_block, mac_key_kcv,"
            " request_stan, request_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (iso_time(time), terminal_id, pin_key_block, pin_key_kcv, mac_key_block, mac_key_kcv, request_stan,
             request_time),
        )

    def last_session(self, terminal_id: str) -> sqlite3.Row | None:
        """The latest session key delivery of ``terminal_id``."""
        return self._db.execute("SELECT * FROM sessions WHERE terminal_id = ? ORDER BY id DESC LIMIT 1",
                                (terminal_id,)).fetchone()

    def sessions(self, terminal_id: str) -> list[sqlite3.Row]:
        """The session key deliveries of ``terminal_id``, oldest first."""
        return self._db.execute("SELECT * FROM sessions WHERE terminal_id = ? ORDER BY id", (terminal_id,)).fetchall()

    def business_date_offset(self) -> int:
        """Days the business date runs ahead of the UTC calendar (0 unless moved for a test)."""
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (BUSINESS_DATE_OFFSET,)).fetchone()
        return 0 if row is None else int(row[0])

    def advance_business_date(self, days: int) -> int:
        """Move the business date ``days`` ahead (durably); returns the new offset."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be a non-negative int, got {days!r}")
        return self.move_business_date(lambda current: current + days)

    def move_business_date(self, new_offset: Callable[[int], int]) -> int:
        """Set the business date offset to ``new_offset(current)``, read and written in one transaction.

        ``BEGIN IMMEDIATE`` serialises concurrent moves (eight ``advance-date --to D`` at once end on
        D, not past it). An exception of ``new_offset`` writes nothing; so does an offset outside
        0..:data:`~simulator.host.credits.MAX_OFFSET_DAYS` (BusinessDateError).
        """
        with self.atomic():
            row = self._db.execute("SELECT value FROM counters WHERE name = ?", (BUSINESS_DATE_OFFSET,)).fetchone()
            offset = check_offset(new_offset(0 if row is None else int(row[0])))
            self._db.execute("INSERT INTO counters (name, value) VALUES (?, ?)"
                             " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (BUSINESS_DATE_OFFSET, offset))
        return offset

    def ic_download_version(self, terminal_id: str, kind: str) -> int | None:
        """The version of the IC data ``kind`` (cup-pos CA keys or parameters) ``terminal_id`` last finished
        downloading, None when it never did."""
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (f"ic-download/{kind}/{terminal_id}",)).fetchone()
        return None if row is None else int(row[0])

    def record_ic_download(self, terminal_id: str, kind: str, version: int) -> None:
        """``terminal_id`` finished downloading version ``version`` of the IC data ``kind`` (its end message)."""
        self._db.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value ="
                         " excluded.value", (f"ic-download/{kind}/{terminal_id}", version))

    def next_rrn(self) -> str:
        """A new retrieval reference number: 12 digits, never given before by this journal.

        Taken from a block of :data:`RRN_BLOCK` numbers reserved with one statement (the ``rrn`` counter holds the
        highest number reserved), not one statement per RRN. The reservation is written in the caller's
        transaction: when that is rolled back the block is forgotten with it (an effect's discard), and what a
        crash leaves unused of a block is never given: RRNs are unique and increasing, not contiguous.
        """
        if self._rrn_next > self._rrn_last:  # its RETURNING row read at once: a completed write (JournalStore.atomic)
            last = int(self._db.execute(
                "INSERT INTO counters (name, value) VALUES ('rrn', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
                (RRN_BLOCK,)).fetchone()[0])
            self._rrn_next, self._rrn_last = last - RRN_BLOCK + 1, last
            self.after_commit(_keep, self._forget_rrns, name="RRN block")
        value = self._rrn_next
        self._rrn_next = value + 1
        return f"{value % 10**RRN_DIGITS:0{RRN_DIGITS}d}"

    def _forget_rrns(self) -> None:
        """The reservation of the block in hand was rolled back: reserve a new one for the next RRN."""
        self._rrn_next, self._rrn_last = 1, 0


def _keep() -> None:
    """A committed RRN block needs nothing more: its reservation is on disk."""
