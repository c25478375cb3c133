"""A terminal's data folder: one process at a time, and state that is never silently recreated.

The folder holds the terminal's state: ``journal.sqlite3`` (transactions, counters, reversals),
``card-fingerprint.key`` (the secret behind the card fingerprints), ``terminal-kek.hex`` and
``terminal-keys.json`` (its keys, wrapped). Two rules protect it:

* **One process at a time.** Opening the folder takes an exclusive lock on ``DATA/.lock``
  (``fcntl.flock``, released by the kernel when the process ends, even on kill -9). A second
  process waits up to ``wait`` seconds for it, then gives up with :class:`TerminalBusy`: two
  processes on one folder would send each other's in-flight reversals.
  Readers are let in: look-ups (``possim txn history``, ``status``, ``report``) open the journal
  read-only beside the running terminal (:meth:`DataFolder.check_readable`, no lock), since SQLite
  in WAL mode lets readers and the one writer work side by side.
* **Nothing silently recreated.** Once the folder has state, ``DATA/.possim-state`` records which
  files it had. A file recorded there that is now missing or empty (a journal truncated to 0
  bytes, a deleted fingerprint secret) is :class:`MissingState`: recreating it would restart the
  STAN at 1, forget the sales or make every refund's card check fail. The message says how to
  recover (restore the file, or start a new terminal on purpose by deleting the marker).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DataFolder", "DataFolderError", "MissingState", "TerminalBusy", "STATE_FILES"]

LOCK_FILE = ".lock"
MARKER_FILE = ".possim-state"
STATE_FILES = ("journal.sqlite3", "card-fingerprint.key", "terminal-kek.hex", "terminal-keys.json")
"""The files that make up a terminal's state, in the order they are created."""
_POLL_SECONDS = 0.05


class DataFolderError(RuntimeError):
    """The data folder cannot be used as it is; the message says why and what to do."""


class TerminalBusy(DataFolderError):
    """Another process has the data folder open."""


class MissingState(DataFolderError):
    """A state file the folder had is missing or empty: refused rather than recreated."""


@dataclass
class DataFolder:
    """An opened (locked) data folder; :meth:`close` releases it."""

    path: Path
    _lock: int | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, *, wait: float = 5.0) -> DataFolder:
        """Lock ``path`` (created when missing) and check its recorded state; see the module docstring."""
        path.mkdir(parents=True, exist_ok=True)
        folder = cls(path)
        folder._acquire(wait)
        try:
            folder._check_state()
        except BaseException:
            folder.close()
            raise
        return folder

    @classmethod
    def check_readable(cls, path: Path) -> None:
        """Check ``path``'s recorded state without locking it (for a read-only look-up beside the writer)."""
        cls(path)._check_state()

    def _acquire(self, wait: float) -> None:
        descriptor = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise TerminalBusy(f"terminal busy: another possim process is using {self.path} "
                                       f"(waited {wait:g} s); try again when it has finished") from None
                time.sleep(_POLL_SECONDS)
        self._lock = descriptor

    def _marker(self) -> Path:
        return self.path / MARKER_FILE

    def _recorded(self) -> list[str]:
        try:
            return list(json.loads(self._marker().read_text(encoding="utf-8")).get("files", []))
        except FileNotFoundError:
            return []
        except (OSError, ValueError, AttributeError) as error:
            raise MissingState(f"{self._marker()} is unreadable ({error}); restore it, or delete it to let "
                               "possim check the folder afresh") from None

    def _check_state(self) -> None:
        for name in self._recorded():
            file = self.path / name
            if not file.exists() or file.stat().st_size == 0:
                state = "missing" if not file.exists() else "empty"
                raise MissingState(
                    f"{file} is {state}, but this data folder had it: possim will not recreate it (the STAN would "
                    f"restart, sales would be forgotten, card checks would fail). Restore it from a backup, or, "
                    f"to start this folder as a new terminal on purpose, delete {self._marker()}")

    def record_state(self) -> None:
        """Note which state files the folder has now (after they were created), durably."""
        present = [name for name in STATE_FILES if (self.path / name).exists()]
        if present == self._recorded():
            return
        temporary = self._marker().with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"files": present}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self._marker())

    def close(self) -> None:
        """Release the lock (closing twice is harmless)."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None
