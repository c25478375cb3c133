"""Two-byte binary length framing: the most common framing of ISO 8583 over TCP.

Each frame is a 2-byte big-endian unsigned length (0..65535, not counting itself) followed
by the message (jPOS calls this NACChannel without header / PostChannel-style "2 byte hex").
"""

from __future__ import annotations

from typing import ClassVar

from iso8583.channels.framing.base import LengthPrefixedFramer


class TwoByteLengthFramer(LengthPrefixedFramer):
    """``len(payload)`` as 2 bytes big-endian, then the payload."""

    prefix_size: ClassVar[int] = 2
    max_length: ClassVar[int] = 0xFFFF
    description: ClassVar[str] = "2-byte length framing"

    def _write_prefix(self, length: int) -> bytes:
        return length.to_bytes(2, "big")

    def _read_prefix(self, prefix: bytes, offset: int) -> int:
        return int.from_bytes(prefix, "big")  # every 2-byte value is a valid length
