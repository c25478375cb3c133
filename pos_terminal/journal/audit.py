"""The audit trail: every message sent and received (masked dumps) and events of note."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pos_terminal.journal.rows import event_row, json_text, message_row, time_text
from pos_terminal.journal.store import JournalStore
from pos_terminal.state.records import EventRecord, MessageDirection, MessageRecord


class AuditMixin(JournalStore):
    """The audit trail: every message sent and received (masked dumps) and events of note."""

    def record_message(
        self,
        direction: MessageDirection | str,
        mti: str,
        stan: int | None,
        dump: str,
        *,
        transaction_id: int | None = None,
        now: datetime,
        defer: bool = False,
    ) -> None:
        """Journal one message sent or received, with its masked dump (masking is the caller's job);
        with ``defer``, in the next commit (:meth:`~pos_terminal.journal.store.JournalStore.defer`)."""
        direction = MessageDirection(direction)
        if not isinstance(mti, str) or not mti:
            raise ValueError(f"mti must be a non-empty string, got {mti!r}")
        if not isinstance(dump, str):
            raise ValueError(f"dump must be text, got {type(dump).__name__}")
        stamp = time_text(now)
        statement = "INSERT INTO messages (transaction_id, direction, mti, stan, at, dump) VALUES (?, ?, ?, ?, ?, ?)"
        parameters = (transaction_id, str(direction), mti, stan, stamp, dump)
        if defer:
            self.defer(statement, parameters)
            return
        with self._write(f"record {direction} message {mti}") as db:
            db.execute(statement, parameters)

    def messages(self, limit: int | None = None) -> list[MessageRecord]:
        """Journaled messages oldest first; with ``limit``, only the most recent ``limit`` of them."""
        with self._read() as db:
            if limit is None:
                rows = db.execute("SELECT * FROM messages ORDER BY id").fetchall()
            else:
                rows = db.execute(
                    "SELECT * FROM (SELECT * FROM messages ORDER BY id DESC LIMIT ?) ORDER BY id", (max(limit, 0),)
                ).fetchall()
        return [message_row(row) for row in rows]

    def record_event(self, kind: str, detail: Mapping[str, Any], *, now: datetime) -> None:
        """Journal a state change of note (sign-on, key change, supervisor lockout) for the audit trail."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty string, got {kind!r}")
        text = json_text(detail, "detail")
        stamp = time_text(now)
        with self._write(f"record event {kind}") as db:
            db.execute("INSERT INTO events (kind, detail, at) VALUES (?, ?, ?)", (kind, text, stamp))

    def events(self, kind: str | None = None) -> list[EventRecord]:
        """Journaled events oldest first, optionally only those of one kind."""
        with self._read() as db:
            if kind is None:
                rows = db.execute("SELECT * FROM events ORDER BY id").fetchall()
            else:
                rows = db.execute("SELECT * FROM events WHERE kind = ? ORDER BY id", (kind,)).fetchall()
        return [event_row(row) for row in rows]
