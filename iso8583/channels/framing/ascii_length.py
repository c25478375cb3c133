"""Four-byte ASCII decimal length framing, e.g. ``0123`` then 123 message bytes.

Used by hosts that want a human-readable prefix in traces (jPOS ASCIIChannel). The prefix
must be exactly four ASCII digits; anything else is a FramingError that quotes it.
"""

from __future__ import annotations

from typing import ClassVar

from iso8583.channels.errors import FramingError
from iso8583.channels.framing.base import LengthPrefixedFramer, printable


class AsciiLengthFramer(LengthPrefixedFramer):
    """``len(payload)`` as 4 ASCII decimal digits (0000..9999), then the payload."""

    prefix_size: ClassVar[int] = 4
    max_length: ClassVar[int] = 9999
    description: ClassVar[str] = "4-byte ASCII length framing"

    def _write_prefix(self, length: int) -> bytes:
        return b"%04d" % length

    def _read_prefix(self, prefix: bytes, offset: int) -> int:
        if not all(0x30 <= b <= 0x39 for b in prefix):
            raise FramingError(
                f"length prefix '{printable(prefix)}' at offset {offset} is not 4 ASCII digits", offset
            )
        return int(prefix)
