"""Small files that must survive crashes and stay private: atomic replacement and owner-only secrets.

Used by the key store (its KEK and its key file) and by the terminal journal (the card
fingerprint secret). A secret file holds hex text, is created with mode 0600 without ever
overwriting a file another process created meanwhile, and is refused when the group or others
can read it, as ssh refuses a private key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from keys.errors import KeyStoreError
from keys.hexutil import to_hex


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable (POSIX); a no-op where folders cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        descriptor = os.open(directory, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_new_file(directory: Path, prefix: str, data: bytes) -> Path:
    """Write ``data`` to a new owner-only (0600) temporary file in ``directory``, flushed and fsynced."""
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Path(temporary)


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers and crashes see the old file or the new one, never a mix."""
    temporary = write_new_file(path.parent, f".{path.name}.", data)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)


def load_or_create_secret_file(path: Path, what: str, length: int) -> bytes:
    """Read the ``length``-byte secret in ``path`` (hex text), or create a random one (mode 0600) when missing.

    ``what`` names the secret in errors ("KEK", "fingerprint secret"); errors never show its value.
    """
    path = Path(path)
    try:
        return _read_secret_file(path, what, length)
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(length)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = write_new_file(path.parent, f".{path.name}.", (to_hex(secret) + "\n").encode("ascii"))
        try:
            os.link(temporary, path)  # fails if another process created the file first
        except FileExistsError:
            return _read_secret_file(path, what, length)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        fsync_directory(path.parent)
    except OSError as exc:
        raise KeyStoreError(f"cannot create {what} file {path}: {exc.strerror}") from None
    return secret


def _read_secret_file(path: Path, what: str, length: int) -> bytes:
    try:
        status = path.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyStoreError(f"cannot read {what} file {path}: {exc.strerror}") from None
    if os.name == "posix" and status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        mode = stat.S_IMODE(status.st_mode)
        raise KeyStoreError(f"{what} file {path} has mode {mode:04o}, readable by others; expected 0600")
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise KeyStoreError(f"cannot read {what} file {path}") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise KeyStoreError(f"{what} file {path} does not hold hex digits") from None
    if len(secret) != length:
        raise KeyStoreError(f"{what} file {path} holds {len(secret)} bytes, expected {length}")
    return secret
