"""Message frames at rest in the host journal: sealed, so the journal never holds a clear PAN or track.

The host journals every message it receives and sends as the frame bytes themselves (compact, and
the exact bytes a dispute needs), not as a rendered dump; a person reads them through a masked dump
rendered when asked (:meth:`simulator.host.journal.HostJournal.messages`). Frames carry card data
(PAN, track 2, PIN block), so each is sealed with AES-256-GCM (NIST SP 800-38D) under a key derived
from the host KEK: a fresh 96-bit random nonce per frame, the nonce stored before the ciphertext.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["FrameSealer", "SealError"]

NONCE_LENGTH = 12
_LABEL = b"possim host journal frames"


class SealError(ValueError):
    """A sealed frame that does not open (wrong key, or altered): its bytes are never shown."""


class FrameSealer:
    """Seals and opens journal frames under a key derived from the host KEK."""

    def __init__(self, kek: bytes) -> None:
        self._aead = AESGCM(hmac.new(kek, _LABEL, hashlib.sha256).digest())

    def __repr__(self) -> str:
        return "FrameSealer(<key hidden>)"

    def seal(self, frame: bytes) -> bytes:
        """``nonce || AES-GCM(frame)``."""
        nonce = os.urandom(NONCE_LENGTH)
        return nonce + self._aead.encrypt(nonce, bytes(frame), None)

    def open(self, sealed: bytes) -> bytes:
        """The frame inside ``sealed``; :class:`SealError` when it does not authenticate."""
        try:
            return self._aead.decrypt(sealed[:NONCE_LENGTH], sealed[NONCE_LENGTH:], None)
        except (InvalidTag, ValueError):
            raise SealError("sealed frame does not open under this host's key") from None
