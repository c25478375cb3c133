"""The decoded form of an ISO 8583 message."""

from __future__ import annotations

from dataclasses import dataclass, field

FieldValue = str | bytes
"""``str`` for n, an, ans, z and x+n fields (the characters); ``bytes`` for b fields."""


@dataclass
class Message:
    """An ISO 8583 message: MTI, data elements and an optional header.

    ``fields`` maps data element numbers (2..128) to values; the bitmaps are
    not in it: :func:`~iso8583.codec.encode` computes them from the keys and
    :func:`~iso8583.codec.decode` leaves them out. ``header`` holds the bytes
    before the MTI when the dialect has a header (e.g. a 5-byte TPDU), else
    it stays empty.
    """

    mti: str
    fields: dict[int, FieldValue] = field(default_factory=dict)
    header: bytes = b""

    def __repr__(self) -> str:
        """MTI and field numbers only: values hold PANs, track data and PIN blocks (use iso8583.dump to read one)."""
        header = f", header=<{len(self.header)} bytes>" if self.header else ""
        return f"Message(mti={self.mti!r}, fields={sorted(self.fields)}{header})"

    def __getitem__(self, number: int) -> FieldValue:
        return self.fields[number]

    def __contains__(self, number: object) -> bool:
        return number in self.fields

    def get(self, number: int, default: FieldValue | None = None) -> FieldValue | None:
        """The value of field ``number``, or ``default`` when absent."""
        return self.fields.get(number, default)
