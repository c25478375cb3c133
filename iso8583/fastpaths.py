"""One-step encoders and decoders for the common field kinds, tried before the general path.

Most fields of a terminal's messages are fixed or LLVAR ASCII text, packed
BCD digits or raw/hex bytes, and most values are valid. For those kinds the
builders here return an encoder and a decoder that check and convert a valid
value in one or two C calls (``str.isdigit``, ``bytes.hex``...) and hand
anything else to the general encoder and decoder they are given
(:mod:`iso8583.fieldcodecs` over :mod:`iso8583.converters`), which name the
fault; so the bytes and the errors are those of the general path, only
faster. Kept in their own module because they are an optimisation of the
codec, not its rules: each pair gives the same bytes, values and errors as
the general one.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable

from iso8583.charsets import ALLOWED, HEX_UPPER
from iso8583.fieldspec import ContentClass, Encoding, FieldSpec, PadSide
from iso8583.message import FieldValue

FieldEncoder = Callable[[object], bytes]
"""``encode(value)`` returns the field's wire bytes: length prefix (if any) and data."""
FieldDecoder = Callable[[bytes, int], tuple[FieldValue, int]]
"""``decode(data, offset)`` returns the field's value and the offset just past it."""

_STR_CLASS_TESTS: dict[ContentClass, Callable[[str], bool]] = {
    ContentClass.N: str.isdigit, ContentClass.AN: str.isalnum, ContentClass.ANS: str.isprintable}
"""For an ASCII str, the test that is true exactly when every character is in the class's ``ALLOWED`` set
(ISO 8583:1987 4.2: n digits, an letters and digits, ans 0x20-0x7E): one C call, no copy, where deleting
the allowed bytes (``translate``) makes a new object. z has no such test: it keeps ``translate``."""

_BYTES_CLASS_TESTS: dict[ContentClass, Callable[[bytes], bool]] = {
    ContentClass.N: bytes.isdigit, ContentClass.AN: bytes.isalnum}
"""The same on the wire bytes (``bytes.isdigit``/``isalnum`` know only ASCII); ans is tested on the decoded text."""


def _text_test(spec: FieldSpec) -> Callable[[str], bool]:
    """The one-step test of an ASCII str for ``spec``'s class (see :data:`_STR_CLASS_TESTS`)."""
    test = _STR_CLASS_TESTS.get(spec.content)
    if test is not None:
        return test
    allowed = ALLOWED[spec.content]
    return lambda text: not text.encode("ascii").translate(None, allowed)


def _wire_text(spec: FieldSpec) -> Callable[[bytes], str | None]:
    """The text of wire bytes ``raw`` when they are all of ``spec``'s class, else None (one or two C calls)."""
    test = _BYTES_CLASS_TESTS.get(spec.content)
    if test is not None:
        return lambda raw: raw.decode("ascii") if test(raw) else None
    if spec.content is ContentClass.ANS:
        def printable(raw: bytes) -> str | None:
            if raw.isascii():
                text = raw.decode("ascii")
                if text.isprintable():
                    return text
            return None
        return printable
    allowed = ALLOWED[spec.content]
    return lambda raw: None if raw.translate(None, allowed) else raw.decode("ascii")


def ascii_text_fixed(spec: FieldSpec, size: int, encode_checked: FieldEncoder,
                      decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The fixed-length ASCII text field's encoder and decoder in one step each for a valid value (the usual
    case: most fields of every message); anything else goes to the general ones, which name the fault.

    n and an fields, most of a message, test their characters with one C call each way (``str.isdigit``,
    ``bytes.isalnum``...) inline; ans and z through :func:`_text_test` / :func:`_wire_text`."""
    content = spec.content
    if content is ContentClass.N or content is ContentClass.AN:
        text_ok = _STR_CLASS_TESTS[content]
        wire_ok = _BYTES_CLASS_TESTS[content]

        def encode(value: object) -> bytes:
            if value.__class__ is str and len(value) == size and text_ok(value) and value.isascii():  # type: ignore[arg-type]
                return value.encode()  # type: ignore[attr-defined, no-any-return]
            return encode_checked(value)

        def decode(data: bytes, offset: int) -> tuple[FieldValue, int]:
            end = offset + size
            raw = data[offset:end]
            if len(raw) == size and wire_ok(raw):
                return raw.decode("ascii"), end
            return decode_checked(data, offset)

        return encode, decode

    text_test = _text_test(spec)
    wire_text = _wire_text(spec)

    def encode_other(value: object) -> bytes:
        if value.__class__ is str and len(value) == size and value.isascii() and text_test(value):  # type: ignore[arg-type, attr-defined]
            return value.encode()  # type: ignore[attr-defined, no-any-return]
        return encode_checked(value)

    def decode_other(data: bytes, offset: int) -> tuple[FieldValue, int]:
        end = offset + size
        raw = data[offset:end]
        if len(raw) == size:
            text = wire_text(raw)
            if text is not None:
                return text, end
        return decode_checked(data, offset)

    return encode_other, decode_other


def bcd_digits_fixed(spec: FieldSpec, length: int, size: int, encode_checked: FieldEncoder,
                      decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The fixed-length packed-BCD n field's encoder and decoder in one step each for a valid value (most fields
    of a terminal's messages: amounts, dates, STAN...): the digits straight to and from ``hex``, the pad nibble of
    an odd count on its side; anything else goes to the general ones, which name the fault."""
    pad = spec.pad_char.upper()  # type: ignore[union-attr]
    pad_nibble = pad.lower()
    odd = length & 1
    left = spec.pad_side is PadSide.LEFT
    fromhex = bytes.fromhex

    if not odd:
        def encode_even(value: object) -> bytes:
            if value.__class__ is str and len(value) == length and value.isdigit() and value.isascii():  # type: ignore[arg-type, attr-defined]
                return fromhex(value)  # type: ignore[arg-type]
            return encode_checked(value)

        def decode_even(data: bytes, offset: int) -> tuple[FieldValue, int]:
            end = offset + size
            raw = data[offset:end]
            if len(raw) == size:
                digits = raw.hex()
                if digits.isdigit():
                    return digits, end
            return decode_checked(data, offset)

        return encode_even, decode_even

    def encode_odd(value: object) -> bytes:
        if value.__class__ is str and len(value) == length and value.isdigit() and value.isascii():  # type: ignore[arg-type, attr-defined]
            return fromhex(pad + value if left else value + pad)  # type: ignore[operator]
        return encode_checked(value)

    def decode_odd(data: bytes, offset: int) -> tuple[FieldValue, int]:
        end = offset + size
        raw = data[offset:end]
        if len(raw) == size:
            nibbles = raw.hex()
            if left:
                if nibbles[0] == pad_nibble and nibbles[1:].isdigit():
                    return nibbles[1:], end
            elif nibbles[-1] == pad_nibble and nibbles[:-1].isdigit():
                return nibbles[:-1], end
        return decode_checked(data, offset)

    return encode_odd, decode_odd


def bcd_digits_variable(spec: FieldSpec, max_units: int, table: tuple[bytes, ...],
                         read_count: Callable[[bytes, int], int], width: int, encode_checked: FieldEncoder,
                         decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The variable-length packed-BCD n field (the prefix counting digits: a terminal's PAN, DE 2) in one step each
    for a valid value, as :func:`bcd_digits_fixed`; anything else goes to the general ones, which name the fault."""
    pad = spec.pad_char.upper()  # type: ignore[union-attr]
    pad_nibble = pad.lower()
    left = spec.pad_side is PadSide.LEFT
    fromhex = bytes.fromhex

    def encode(value: object) -> bytes:
        if value.__class__ is str and len(value) <= max_units and value.isdigit() and value.isascii():  # type: ignore[arg-type, attr-defined]
            count = len(value)  # type: ignore[arg-type]
            if count & 1:
                return table[count] + fromhex(pad + value if left else value + pad)  # type: ignore[operator]
            return table[count] + fromhex(value)  # type: ignore[arg-type]
        return encode_checked(value)

    def decode(data: bytes, offset: int) -> tuple[FieldValue, int]:
        count = read_count(data, offset)
        start = offset + width
        size = (count + 1) >> 1
        end = start + size
        raw = data[start:end]
        if len(raw) == size and count:
            nibbles = raw.hex()
            if not count & 1:
                if nibbles.isdigit():
                    return nibbles, end
            elif left:
                if nibbles[0] == pad_nibble and nibbles[1:].isdigit():
                    return nibbles[1:], end
            elif nibbles[-1] == pad_nibble and nibbles[:-1].isdigit():
                return nibbles[:-1], end
        return decode_checked(data, offset)

    return encode, decode


def bytes_fixed(spec: FieldSpec, length: int, size: int, encode_checked: FieldEncoder,
                 decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The fixed-length b field (raw, or upper-case hex text in ASCII) in one step each for a valid value (a PIN
    block, a MAC); anything else goes to the general ones, which name the fault."""
    if spec.data_encoding is Encoding.BINARY:
        def encode_raw(value: object) -> bytes:
            if value.__class__ is bytes and len(value) == length:  # type: ignore[arg-type]
                return value  # type: ignore[return-value]
            return encode_checked(value)

        def decode_raw(data: bytes, offset: int) -> tuple[FieldValue, int]:
            end = offset + size
            raw = data[offset:end]
            if len(raw) == size:
                return raw, end
            return decode_checked(data, offset)

        return encode_raw, decode_raw

    hexlify, unhexlify = binascii.hexlify, binascii.unhexlify

    def encode_hex(value: object) -> bytes:
        if value.__class__ is bytes and len(value) == length:  # type: ignore[arg-type]
            return hexlify(value).upper()  # type: ignore[arg-type]
        return encode_checked(value)

    def decode_hex(data: bytes, offset: int) -> tuple[FieldValue, int]:
        end = offset + size
        raw = data[offset:end]
        if len(raw) == size and not raw.translate(None, HEX_UPPER):
            return unhexlify(raw), end
        return decode_checked(data, offset)

    return encode_hex, decode_hex


def bytes_variable(spec: FieldSpec, max_units: int, table: tuple[bytes, ...], read_count: Callable[[bytes, int], int],
                    width: int, encode_checked: FieldEncoder,
                    decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The variable-length b field (raw, or upper-case hex text in ASCII; the prefix counting bytes of the value)
    in one step each for a valid value (field 55's chip data); anything else goes to the general ones."""
    if spec.data_encoding is Encoding.BINARY:
        def encode_raw(value: object) -> bytes:
            if value.__class__ is bytes and len(value) <= max_units:  # type: ignore[arg-type]
                return table[len(value)] + value  # type: ignore[arg-type, operator]
            return encode_checked(value)

        def decode_raw(data: bytes, offset: int) -> tuple[FieldValue, int]:
            count = read_count(data, offset)
            start = offset + width
            end = start + count
            raw = data[start:end]
            if len(raw) == count:
                return raw, end
            return decode_checked(data, offset)

        return encode_raw, decode_raw

    hexlify, unhexlify = binascii.hexlify, binascii.unhexlify

    def encode_hex(value: object) -> bytes:
        if value.__class__ is bytes and len(value) <= max_units:  # type: ignore[arg-type]
            return table[len(value)] + hexlify(value).upper()  # type: ignore[arg-type]
        return encode_checked(value)

    def decode_hex(data: bytes, offset: int) -> tuple[FieldValue, int]:
        count = read_count(data, offset)
        start = offset + width
        end = start + 2 * count
        raw = data[start:end]
        if len(raw) == 2 * count and not raw.translate(None, HEX_UPPER):
            return unhexlify(raw), end
        return decode_checked(data, offset)

    return encode_hex, decode_hex


def ascii_text_variable(spec: FieldSpec, max_count: int, table: tuple[bytes, ...], read_count: Callable[[bytes, int], int],
                         width: int, encode_checked: FieldEncoder,
                         decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The variable-length ASCII text field's encoder and decoder in one step each for a valid value (one byte per
    character, the prefix counting both); anything else goes to the general ones, which name the fault."""
    text_test = _text_test(spec)
    wire_text = _wire_text(spec)

    def encode(value: object) -> bytes:
        if value.__class__ is str and len(value) <= max_count and value.isascii() and text_test(value):  # type: ignore[arg-type, attr-defined]
            return table[len(value)] + value.encode()  # type: ignore[arg-type, attr-defined]
        return encode_checked(value)

    def decode(data: bytes, offset: int) -> tuple[FieldValue, int]:
        count = read_count(data, offset)
        start = offset + width
        end = start + count
        raw = data[start:end]
        if len(raw) == count:
            text = wire_text(raw)
            if text is not None:
                return text, end
        return decode_checked(data, offset)

    return encode, decode
