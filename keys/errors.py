"""The one exception family of ``keys``.

Every message names *what* was wrong (which argument, which length, which
position) and never contains key material, PIN digits or a full PAN: these
exceptions end up in logs and on stderr.
"""

from __future__ import annotations


class CryptoError(ValueError):
    """Base class of every error raised by :mod:`keys`."""


class InvalidHexError(CryptoError):
    """A hexadecimal argument is not valid hex (odd length, bad character)."""


class KeyLengthError(CryptoError):
    """A key has a length the algorithm does not accept."""


class DataLengthError(CryptoError):
    """Data is not a whole number of cipher blocks, or has a length the operation refuses."""


class PinError(CryptoError):
    """A PIN is malformed (non-digit, fewer than 4 or more than 12 digits) or a PIN block is invalid."""


class PanError(CryptoError):
    """A PAN is malformed (non-digit, too short or too long for the operation)."""


class KsnError(CryptoError):
    """A DUKPT key serial number is malformed, exhausted, or has too many counter one-bits."""


class MacVerificationError(CryptoError):
    """A MAC did not verify."""


class KeyBlockError(CryptoError):
    """A TR-31 key block is malformed, truncated, tampered with, or its header is invalid.

    ``header_field`` names the header field at fault (``"key usage"``, ``"version ID"``...), when one is.
    """

    def __init__(self, message: str, *, header_field: str | None = None) -> None:
        super().__init__(message)
        self.header_field = header_field


class KeyStoreError(CryptoError):
    """The key store file is missing, corrupt, or does not hold the requested key."""
