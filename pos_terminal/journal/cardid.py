"""Card identity without the PAN: a keyed fingerprint, and the per-data-folder secret behind it."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from keys.errors import KeyStoreError
from keys.secretfile import load_or_create_secret_file
from pos_terminal.journal.errors import JournalError

SECRET_LENGTH = 32


def card_fingerprint(secret: bytes, pan: str) -> str:
    """HMAC-SHA256 of ``pan`` under ``secret``, as 64 lower-case hex digits.

    Lets the terminal check that a refund's card is the original card without
    storing the PAN; the per-data-folder secret keeps the fingerprint from
    being brute-forced from the masked PAN by anyone holding only the journal.
    """
    if not isinstance(secret, bytes | bytearray) or len(secret) < 16:
        raise ValueError("fingerprint secret must be at least 16 bytes")
    if not isinstance(pan, str) or not pan.isascii() or not pan.isdigit():
        raise ValueError("PAN must be a string of digits")
    return hmac.new(bytes(secret), pan.encode("ascii"), hashlib.sha256).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """Read the 32-byte fingerprint secret from ``path`` (hex text), or create it (mode 0600) when missing.

    A file readable by group or others is refused on POSIX, as is a file of
    the wrong length. Creation is atomic and never overwrites a file another
    process created meanwhile (:mod:`keys.secretfile`).
    """
    try:
        return load_or_create_secret_file(path, "fingerprint secret", SECRET_LENGTH)
    except KeyStoreError as error:
        raise JournalError(str(error)) from None

