"""The host journal's batch tables: the uploaded set of each batch (0320) and every settlement answered (0500).

Written once per batch upload or settlement, never per sale; kept apart from the money tables
(:mod:`simulator.host.journal`) that every sale writes. Part of :class:`~simulator.host.journal.HostJournal`.
"""

from __future__ import annotations

from simulator.host.journal_rows import UPLOAD_COLUMNS, totals_from_text, totals_text
from simulator.host.journal_store import JournalStore
from simulator.host.records import SettlementBasis, SettlementRecord, UploadRecord

__all__ = ["BatchTables"]


class BatchTables(JournalStore):
    """The ``uploads`` and ``settlements`` tables."""

    def record_upload(self, record: UploadRecord) -> None:
        """Add one uploaded transaction to its terminal's batch (replacing an earlier upload of its RRN)."""
        values = [int(v) if isinstance(v, bool) else v for v in (getattr(record, n) for n in UPLOAD_COLUMNS)]
        self._db.execute(
            f"INSERT OR REPLACE INTO uploads ({', '.join(UPLOAD_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(values))})",
            values,
        )

    def uploads(self, terminal_id: str, batch: int) -> list[UploadRecord]:
        """The uploaded set of ``terminal_id``'s batch ``batch``, in upload order."""
        rows = self._db.execute(
            f"SELECT {', '.join(UPLOAD_COLUMNS)} FROM uploads WHERE terminal_id = ? AND batch = ? ORDER BY rowid",
            (terminal_id, batch),
        ).fetchall()
        return [UploadRecord(**{**{n: row[n] for n in UPLOAD_COLUMNS}, "voided": bool(row["voided"])})
                for row in rows]

    def clear_uploads(self, terminal_id: str, batch: int) -> None:
        """Forget the uploaded set of a batch (a new reconciliation starts)."""
        self._db.execute("DELETE FROM uploads WHERE terminal_id = ? AND batch = ?", (terminal_id, batch))

    def record_settlement(self, record: SettlementRecord) -> int:
        """Journal one answered settlement request and return its id."""
        cursor = self._db.execute(
            "INSERT INTO settlements (time, terminal_id, batch, stan, transmission_time, processing_code,"
            " response_code, basis, terminal_totals, host_totals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.time, record.terminal_id, record.batch, record.stan, record.transmission_time,
             record.processing_code, record.response_code, record.basis.value,
             totals_text(record.terminal_totals), totals_text(record.host_totals)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def settlements(self, terminal_id: str | None = None) -> list[SettlementRecord]:
        """Every journaled settlement (of ``terminal_id``), oldest first."""
        if terminal_id is None:
            rows = self._db.execute("SELECT * FROM settlements ORDER BY id").fetchall()
        else:
            rows = self._db.execute("SELECT * FROM settlements WHERE terminal_id = ? ORDER BY id",
                                    (terminal_id,)).fetchall()
        return [SettlementRecord(
            time=row["time"], terminal_id=row["terminal_id"], batch=row["batch"], stan=row["stan"],
            transmission_time=row["transmission_time"], response_code=row["response_code"],
            basis=SettlementBasis(row["basis"]), processing_code=row["processing_code"],
            terminal_totals=totals_from_text(row["terminal_totals"]), host_totals=totals_from_text(row["host_totals"]),
            id=row["id"],
        ) for row in rows]
