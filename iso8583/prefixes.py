"""Length prefixes of variable fields (LLVAR, LLLVAR, LLLLVAR).

ISO 8583:1987 section 4.2 writes variable lengths as "..17" with an LL/LLL
length indicator; the representation of that indicator is the dialect's:
ASCII or EBCDIC digits, BCD (``0x19`` for 19, ``0x01 0x25`` for 125) or an
unsigned big-endian binary integer. Each builder returns a closure made for
one field, so the hot path does no dispatch on the encoding.
"""

from __future__ import annotations

from collections.abc import Callable

from iso8583.charsets import ASCII_TO_EBCDIC, EBCDIC_TO_ASCII
from iso8583.fieldspec import Encoding, FieldSpec, LengthKind, prefix_width
from iso8583.errors import DecodeError

PrefixEncoder = Callable[[int], bytes]
PrefixDecoder = Callable[[bytes, int], int]
"""``decoder(data, offset)`` returns the count the prefix at ``offset`` announces."""

_BCD_DIGITS = frozenset("0123456789")


def prefix_table(kind: LengthKind, encoding: Encoding, upto: int) -> tuple[bytes, ...]:
    """Every prefix for counts 0..``upto``, precomputed so encoding is one tuple lookup."""
    width = prefix_width(kind, encoding)
    digits = kind.digits
    if encoding is Encoding.BINARY:
        return tuple(count.to_bytes(width, "big") for count in range(upto + 1))
    if encoding is Encoding.BCD:
        return tuple(bytes.fromhex(f"{count:0{2 * width}d}") for count in range(upto + 1))
    ascii_table = tuple(f"{count:0{digits}d}".encode("ascii") for count in range(upto + 1))
    if encoding is Encoding.EBCDIC:
        return tuple(item.translate(ASCII_TO_EBCDIC) for item in ascii_table)
    return ascii_table


def build_prefix_decoder(spec: FieldSpec, max_count: int) -> PrefixDecoder:
    """A decoder of ``spec``'s prefix that also rejects counts above ``max_count``."""
    number = spec.number
    encoding = spec.length_encoding
    width = prefix_width(spec.length_kind, encoding)
    digits = spec.length_kind.digits

    def check(count: int, offset: int) -> int:
        if count > max_count:
            raise DecodeError(number, offset, f"length prefix says {count}, max {max_count}")
        return count

    def truncated(data: bytes, offset: int) -> DecodeError:
        left = max(len(data) - offset, 0)
        return DecodeError(number, offset, f"length prefix needs {width} bytes, only {left} left")

    if encoding is Encoding.BINARY:
        def decode_binary(data: bytes, offset: int) -> int:
            raw = data[offset:offset + width]
            if len(raw) != width:
                raise truncated(data, offset)
            count = int.from_bytes(raw, "big")
            if count > max_count:
                return check(count, offset)
            return count
        return decode_binary

    if encoding is Encoding.BCD:
        def decode_bcd(data: bytes, offset: int) -> int:
            raw = data[offset:offset + width]
            text = raw.hex()
            if not text.isdigit() or len(raw) != width:
                if len(raw) != width:
                    raise truncated(data, offset)
                bad = next(i for i, c in enumerate(text) if c not in _BCD_DIGITS)
                raise DecodeError(number, offset + bad // 2,
                                  f"length prefix: bad BCD nibble 0x{text[bad].upper()}")
            count = int(text)
            if count > max_count:
                return check(count, offset)
            return count
        return decode_bcd

    translate = encoding is Encoding.EBCDIC
    name = encoding.value.upper()

    def decode_text(data: bytes, offset: int) -> int:
        raw = data[offset:offset + width]
        if translate:
            raw = raw.translate(EBCDIC_TO_ASCII)
        if not raw.isdigit() or len(raw) != width:
            if len(raw) != width:
                raise truncated(data, offset)
            bad = next(i for i, b in enumerate(raw) if not 0x30 <= b <= 0x39)
            raise DecodeError(number, offset + bad,
                              f"length prefix: byte 0x{data[offset + bad]:02X} is not an {name} digit "
                              f"(expected {digits} digits)")
        count = int(raw)
        if count > max_count:
            return check(count, offset)
        return count
    return decode_text
