"""A terminal's journal opened for reading beside the running terminal (look-ups, reports).

The writer (the device, ``possim txn sale``) holds the data folder's lock
(:mod:`pos_terminal.state.datafolder`) because two writers would send each other's reversals. A
look-up sends nothing and writes nothing, so it takes no lock: it opens the journal read-only
(SQLite WAL: readers see the last commit and never block the writer), and ``possim txn history``
answers at once while the device runs on the same folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from iso8583.toml_dialect import resolve_dialect
from pos_terminal.journal import Journal
from pos_terminal.profiles.registry import ProfileRegistry, default_profiles
from pos_terminal.state.config import TerminalConfig, load_config
from pos_terminal.state.datafolder import DataFolder

__all__ = ["JournalReader"]


@dataclass
class JournalReader:
    """The configuration (as the terminal's profile sees it) and a read-only journal of one data folder."""

    config: TerminalConfig
    journal: Journal

    @classmethod
    def open(cls, data_dir: Path, config: TerminalConfig | None = None, *,
             profiles: ProfileRegistry | None = None) -> Self:
        """Open ``data_dir``'s journal read-only; state the folder had and lost is refused (MissingState)."""
        DataFolder.check_readable(data_dir)
        config = config or load_config(data_dir)
        config = (profiles or default_profiles()).profile_for(resolve_dialect(config.dialect)).configure(config)
        return cls(config, Journal.open(data_dir / "journal.sqlite3", read_only=True))

    def close(self) -> None:
        self.journal.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
