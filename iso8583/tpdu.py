"""The 5-byte TPDU header of terminal links: the one implementation, for codecs, dumps and framers.

A Transport Protocol Data Unit header precedes the MTI on most terminal links
(and on links behind a NAC, where the framer puts it after a 2-byte length):
an ID byte (``0x60`` for transactions), a 2-byte destination address (the NII
of the host) and a 2-byte source address, written ``60 DDDD SSSS``. A response
carries the request's TPDU with the two addresses swapped, which is what
terminals check.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from iso8583.errors import DecodeError, EncodeError

__all__ = ["TPDU_LENGTH", "TRANSACTION_ID", "Tpdu", "tpdu_problem"]

TPDU_LENGTH = 5
TRANSACTION_ID = 0x60

_LAYOUT = struct.Struct(">BHH")
_PART = "header"


@dataclass(frozen=True)
class Tpdu:
    """A TPDU: destination and source addresses (0..0xFFFF each, e.g. NII 1) and the ID byte (0x60 by default).

    Out-of-range values raise :class:`~iso8583.errors.EncodeError` when the TPDU is made, so a bad
    configuration is reported where it is read, not when the first frame is sent.
    """

    destination: int
    source: int
    id: int = TRANSACTION_ID

    def __post_init__(self) -> None:
        for name, top in (("destination", 0xFFFF), ("source", 0xFFFF), ("id", 0xFF)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise EncodeError(_PART, f"TPDU {name} {value!r} is not in 0..0x{top:X}")

    @classmethod
    def parse(cls, data: bytes) -> Tpdu:
        """The TPDU in ``data`` (exactly 5 bytes; any ID: callers that need 0x60 check :attr:`id`)."""
        if len(data) != TPDU_LENGTH:
            raise DecodeError(_PART, 0, f"a TPDU is {TPDU_LENGTH} bytes, got {len(data)}")
        ident, destination, source = _LAYOUT.unpack(bytes(data))
        return cls(destination, source, ident)

    @classmethod
    def from_hex(cls, text: str) -> Tpdu:
        """The TPDU of the usual 10-hex-digit notation, e.g. ``"6000010000"``."""
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        if len(raw) != TPDU_LENGTH:
            raise DecodeError(_PART, 0, f"TPDU {text[:20]!r} is not 10 hex digits")
        return cls.parse(raw)

    def build(self) -> bytes:
        """The 5 wire bytes of this TPDU."""
        return _LAYOUT.pack(self.id, self.destination, self.source)

    def response(self) -> Tpdu:
        """The TPDU of the response: same ID, addresses swapped."""
        return Tpdu(self.source, self.destination, self.id)

    def __str__(self) -> str:
        return self.build().hex().upper()


def tpdu_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a configured TPDU (``tpdu`` in terminal.toml and host.toml), or None.

    10 hex digits ``60DDDDSSSS``: the ID must be 60 (transaction), the only TPDU ID hosts serve.
    """
    if not isinstance(value, str):
        return f"expected a string of 10 hex digits (e.g. \"6000010000\"), got {type(value).__name__}"
    try:
        tpdu = Tpdu.from_hex(value) if len(value) == 2 * TPDU_LENGTH and value.isascii() else None
    except DecodeError:
        tpdu = None
    if tpdu is None:
        return f"expected 10 hex digits 60DDDDSSSS (ID, destination, source), got {value[:20]!r}"
    if tpdu.id != TRANSACTION_ID:
        return f"TPDU ID {tpdu.id:02X}: only 60 (transaction) is served"
    return None
