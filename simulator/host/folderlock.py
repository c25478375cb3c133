"""One host process per data folder: an exclusive lock on ``DATA/.host.lock``.

Two hosts on one folder would each keep their own cache of session keys and rule counters and
serve with the other's stale keys (issue 20, item 7). Opening the host's services takes an
exclusive ``fcntl.flock`` on ``DATA/.host.lock`` (its own name, so a terminal's ``DATA/.lock`` in
the same folder does not collide); the kernel releases it when the process ends, even on kill -9.
A second host waits up to ``wait`` seconds, then gives up with :class:`HostBusy` (``possim host``
exits 1 with one line, like a busy terminal). ``possim host report`` only reads and takes no lock;
``possim host advance-date --reset`` refuses while the lock is held.

The terminal's lock (``pos_terminal/state/datafolder.py``) works the same way; the host may not
import the terminal, hence this small module.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

__all__ = ["HOST_LOCK_FILE", "FolderLock", "HostBusy"]

HOST_LOCK_FILE = ".host.lock"
_POLL_SECONDS = 0.05


class HostBusy(RuntimeError):
    """Another process holds the host data folder (not a ValueError: ``possim host`` exits 1, not 2)."""


class FolderLock:
    """An exclusive lock on a data folder's lock file; :meth:`release` (or process exit) frees it."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, folder: Path, *, wait: float = 5.0, name: str = HOST_LOCK_FILE) -> FolderLock:
        """Lock ``folder/name`` (created when missing), waiting up to ``wait`` seconds; HostBusy after that."""
        path = folder / name
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return cls(path, descriptor)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise HostBusy(f"host busy: another possim host is using {folder} (waited {wait:g} s); "
                                   "stop it first, or give this one its own --data folder") from None
                time.sleep(_POLL_SECONDS)

    def release(self) -> None:
        """Release the lock (releasing twice is harmless)."""
        if self._descriptor is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None
