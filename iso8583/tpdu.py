"""The 5-byte TPDU header of terminal links, declared with :mod:`construct`.

A Transport Protocol Data Unit header precedes the MTI on most terminal
links: an ID byte (``0x60`` for transactions), a 2-byte destination address
(the NII of the host) and a 2-byte source address. A response carries the
request's TPDU with the two addresses swapped. The layout is a compiled
construct ``Struct``: declarative, and built once at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import Int8ub, Int16ub, Struct

from iso8583.errors import DecodeError, EncodeError

TPDU_LENGTH = 5
TRANSACTION_ID = 0x60

_LAYOUT = Struct("id" / Int8ub, "destination" / Int16ub, "source" / Int16ub).compile()


@dataclass(frozen=True)
class Tpdu:
    """A parsed TPDU: ID and the destination and source addresses (as integers, e.g. NII 1)."""

    id: int
    destination: int
    source: int

    @classmethod
    def parse(cls, data: bytes) -> Tpdu:
        """The TPDU in ``data`` (exactly 5 bytes)."""
        if len(data) != TPDU_LENGTH:
            raise DecodeError("header", 0, f"a TPDU is {TPDU_LENGTH} bytes, got {len(data)}")
        parsed = _LAYOUT.parse(bytes(data))
        return cls(parsed.id, parsed.destination, parsed.source)

    def build(self) -> bytes:
        """The 5 wire bytes of this TPDU."""
        if not (0 <= self.id <= 0xFF and 0 <= self.destination <= 0xFFFF and 0 <= self.source <= 0xFFFF):
            raise EncodeError("header", "TPDU ID is one byte, addresses two bytes each")
        return bytes(_LAYOUT.build({"id": self.id, "destination": self.destination, "source": self.source}))

    def response(self) -> Tpdu:
        """The TPDU of the response: same ID, addresses swapped."""
        return Tpdu(self.id, self.source, self.destination)
