"""Primary and secondary bitmaps (ISO 8583:1987 section 4.3.1).

Bit 1 (the most significant bit of the first byte) of the primary bitmap says
a secondary bitmap follows; bits 2-64 and 65-128 say which data elements are
present. Bitmaps travel as 8 binary bytes or as 16 upper-case hex characters.

Encoding sums precomputed bit masks; decoding looks each non-zero bitmap byte
up in a precomputed table of the field numbers it announces. Both tables are
immutable module constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iso8583.charsets import HEX_UPPER, first_invalid
from iso8583.fieldspec import BitmapEncoding, SecondaryBitmap
from iso8583.errors import DecodeError

BIT: tuple[int, ...] = tuple(1 << (128 - number) for number in range(129))
"""``BIT[n]`` is field n's bit in a 128-bit integer holding both bitmaps (``BIT[0]`` unused)."""
_LOW64 = (1 << 64) - 1
_SECONDARY_FLAG = BIT[1]
_BINARY = BitmapEncoding.BINARY
_ALWAYS, _NEVER, _AUTO = SecondaryBitmap.ALWAYS, SecondaryBitmap.NEVER, SecondaryBitmap.AUTO
"""Module constants: looking a member up on its Enum class costs about 0.1 us, every message."""


def _bits_in_byte() -> tuple[tuple[int, ...], ...]:
    """``[v]``: the bits (1 = most significant) set in byte value v, built from the low bits up: the values with
    bit b set are those without it, each with b in front (255 tuple joins instead of 256 generators)."""
    rows: list[tuple[int, ...]] = [()]
    for bit in range(8, 0, -1):
        rows += [(bit, *row) for row in rows]
    return tuple(rows)


_BITS_IN_BYTE = _bits_in_byte()


def _fields_in_row(index: int) -> tuple[tuple[int, ...], ...]:
    """Field numbers announced by each value of bitmap byte ``index``, built with ``map`` over the bits of each
    value (C speed: 4,096 small tuples are made at import, which a generator per tuple made take ~5 ms)."""
    if index == 0:  # bit 1 announces the secondary bitmap, it is no field
        return tuple(bits[1:] if bits[:1] == (1,) else bits for bits in _BITS_IN_BYTE)
    return tuple(map(tuple, map(map, [(index * 8).__add__] * 256, _BITS_IN_BYTE)))


FIELDS_IN_BYTE: tuple[tuple[tuple[int, ...], ...], ...] = tuple(_fields_in_row(index) for index in range(16))
"""``FIELDS_IN_BYTE[i][v]``: field numbers announced by value v in bitmap byte i (0-15)."""


@dataclass(frozen=True)
class BitmapCodec:
    """Encoder and decoder of the bitmaps of one dialect."""

    encoding: BitmapEncoding
    secondary: SecondaryBitmap
    size: int = field(init=False)
    """Bytes one bitmap takes on the wire."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", 8 if self.encoding is _BINARY else 16)

    def encode(self, bits: int) -> bytes:
        """The bitmap(s) for ``bits`` (the sum of ``BIT[n]`` of the fields present)."""
        if bits & _LOW64 or self.secondary is _ALWAYS:
            bits |= _SECONDARY_FLAG
            if self.encoding is _BINARY:
                return bits.to_bytes(16, "big")
            return b"%032X" % bits
        if self.encoding is _BINARY:
            return (bits >> 64).to_bytes(8, "big")
        return b"%016X" % (bits >> 64)

    def decode(self, data: bytes, offset: int) -> tuple[list[int], int]:
        """Field numbers announced by the bitmap(s) at ``offset`` (ascending) and the offset after them."""
        primary, after = self._read(data, offset, "primary bitmap")
        numbers: list[int] = []
        for index, value in enumerate(primary):
            if value:
                numbers += FIELDS_IN_BYTE[index][value]
        if primary[0] & 0x80:
            if self.secondary is _NEVER:
                raise DecodeError("primary bitmap", offset, "bit 1 set but the dialect has no secondary bitmap")
            secondary, end = self._read(data, after, "secondary bitmap")
            count = len(numbers)
            for index, value in enumerate(secondary, 8):
                if value:
                    numbers += FIELDS_IN_BYTE[index][value]
            if len(numbers) == count and self.secondary is _AUTO:
                # ISO 8583:1987 4.3.1: the secondary bitmap is sent only when a field 65-128 is.
                raise DecodeError("secondary bitmap", after, "bit 1 set but no field 65-128 is present")
            return numbers, end
        if self.secondary is _ALWAYS:
            raise DecodeError("primary bitmap", offset, "bit 1 clear but the dialect always sends a secondary bitmap")
        return numbers, after

    def byte_offset(self, start: int, number: int) -> int:
        """Offset of the wire byte holding field ``number``'s bit, for a bitmap pair starting at ``start``."""
        bit = number - 1
        if self.encoding is _BINARY:
            return start + bit // 8
        return start + bit // 4

    def _read(self, data: bytes, offset: int, what: str) -> tuple[bytes, int]:
        end = offset + self.size
        raw = data[offset:end]
        if len(raw) != self.size:
            raise DecodeError(what, offset, f"needs {self.size} bytes, only {max(len(data) - offset, 0)} left")
        if self.encoding is _BINARY:
            return raw, end
        if raw.translate(None, HEX_UPPER):
            bad = first_invalid(raw, HEX_UPPER)
            raise DecodeError(what, offset + bad, f"byte 0x{raw[bad]:02X} is not an upper-case hex digit")
        return bytes.fromhex(raw.decode("ascii")), end
