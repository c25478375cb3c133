"""Per-field encoders and decoders, compiled once from a :class:`~iso8583.dialect.FieldSpec`.

A field codec is two closures: ``encode(value) -> bytes`` (length prefix and
data) and ``decode(data, offset) -> (value, next_offset)``. They are built
from a *converter* for the content class and data encoding (value <-> data
bytes, with validation) and, for variable fields, a length prefix codec from
:mod:`iso8583.prefixes`. Everything that depends only on the spec is decided
here, at build time; the closures do slicing, one validation call and one
conversion call, which is what makes the codec fast.

Validation follows ISO 8583:1987 section 4.2: n fields hold digits only, an
letters and digits, ans printable characters, z digits and the separator
``=``, b bytes. Error messages name the field and the offset, never the value.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass

from iso8583.charsets import (
    ALLOWED,
    ASCII_TO_EBCDIC,
    EBCDIC_TO_ASCII,
    EXPECTED,
    HEX_UPPER,
    TRACK_SEPARATOR,
    UNIT,
    first_invalid,
)
from iso8583.fieldspec import ContentClass, Encoding, FieldSpec, LengthCount, PadSide, prefix_width
from iso8583.errors import DecodeError, EncodeError
from iso8583.message import FieldValue
from iso8583.prefixes import build_prefix_decoder

ToWire = Callable[[object], tuple[bytes, int]]
"""``to_wire(value)`` returns the data bytes and the value's length in content units."""
FromWire = Callable[[bytes, int, int], FieldValue]
"""``from_wire(raw, count, offset)`` returns the value; ``count`` is what the prefix (or the spec) said."""
FieldEncoder = Callable[[object], bytes]
FieldDecoder = Callable[[bytes, int], tuple[FieldValue, int]]
PrefixTables = Callable[[FieldSpec, int], tuple[bytes, ...]]


@dataclass(frozen=True)
class FieldCodec:
    """The compiled encoder and decoder of one field."""

    spec: FieldSpec
    encode: FieldEncoder
    decode: FieldDecoder


def _type_error(number: int, expected: type, value: object) -> EncodeError:
    return EncodeError(number, f"expected {expected.__name__}, got {type(value).__name__}")


def _bad_char_on_encode(spec: FieldSpec, value: str) -> EncodeError:
    for index, char in enumerate(value):
        if not char.isascii() or char.encode("ascii") not in ALLOWED[spec.content]:
            return EncodeError(spec.number, f"character {index + 1} is not {EXPECTED[spec.content]}")
    return EncodeError(spec.number, f"expected {EXPECTED[spec.content]}")  # pragma: no cover - defensive


def _checked_ascii(spec: FieldSpec, allowed: bytes, value: object) -> bytes:
    """The ASCII bytes of ``value``, which must be a str of characters the field's content class allows."""
    if value.__class__ is not str:
        raise _type_error(spec.number, str, value)
    try:
        data = value.encode("ascii")  # type: ignore[attr-defined]
    except UnicodeEncodeError:
        raise _bad_char_on_encode(spec, value) from None  # type: ignore[arg-type]
    if data.translate(None, allowed):
        raise _bad_char_on_encode(spec, value)  # type: ignore[arg-type]
    return data


def _text_converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """n, an, ans and z as ASCII or EBCDIC characters, one byte per character."""
    number = spec.number
    allowed = ALLOWED[spec.content]
    ebcdic = spec.data_encoding is Encoding.EBCDIC

    def to_wire(value: object) -> tuple[bytes, int]:
        data = _checked_ascii(spec, allowed, value)
        return (data.translate(ASCII_TO_EBCDIC) if ebcdic else data), len(data)

    def from_wire(raw: bytes, count: int, offset: int) -> FieldValue:
        text = raw.translate(EBCDIC_TO_ASCII) if ebcdic else raw
        if text.translate(None, allowed):
            bad = first_invalid(text, allowed)
            raise DecodeError(number, offset + bad, f"byte 0x{raw[bad]:02X} is not {EXPECTED[spec.content]}")
        return text.decode("ascii")

    return to_wire, from_wire


def _signed_converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """x+n: C (credit) or D (debit) then digits, as ASCII or EBCDIC; length counts the digits."""
    number = spec.number
    ebcdic = spec.data_encoding is Encoding.EBCDIC
    signs = (b"C", b"D")

    def to_wire(value: object) -> tuple[bytes, int]:
        if value.__class__ is not str:
            raise _type_error(number, str, value)
        try:
            data = value.encode("ascii")  # type: ignore[attr-defined]
        except UnicodeEncodeError:
            data = b"?"
        if data[:1] not in signs:
            raise EncodeError(number, "character 1 must be C (credit) or D (debit)")
        digits = data[1:]
        if not digits.isdigit():
            if digits:
                bad = first_invalid(digits, b"0123456789")
                raise EncodeError(number, f"character {bad + 2} is not a digit")
        return (data.translate(ASCII_TO_EBCDIC) if ebcdic else data), len(digits)

    def from_wire(raw: bytes, count: int, offset: int) -> FieldValue:
        text = raw.translate(EBCDIC_TO_ASCII) if ebcdic else raw
        if text[:1] not in signs:
            raise DecodeError(number, offset, f"byte 0x{raw[0]:02X} is not C (credit) or D (debit)")
        if not text[1:].isdigit():
            bad = first_invalid(text[1:], b"0123456789") + 1
            raise DecodeError(number, offset + bad, f"byte 0x{raw[bad]:02X} is not a digit")
        return text.decode("ascii")

    return to_wire, from_wire


def _bytes_of(number: int, value: object) -> bytes:
    if value.__class__ is bytes:
        return value  # type: ignore[return-value]
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise _type_error(number, bytes, value)


def _binary_converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """b fields sent as raw bytes."""
    number = spec.number

    def to_wire(value: object) -> tuple[bytes, int]:
        data = value if value.__class__ is bytes else _bytes_of(number, value)
        return data, len(data)  # type: ignore[arg-type, return-value]

    def from_wire(raw: bytes, count: int, offset: int) -> FieldValue:
        return raw

    return to_wire, from_wire


def _hex_converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """b fields sent as upper-case hexadecimal text (ASCII or EBCDIC), two characters per byte."""
    number = spec.number
    ebcdic = spec.data_encoding is Encoding.EBCDIC
    hexlify = binascii.hexlify
    unhexlify = binascii.unhexlify

    def to_wire(value: object) -> tuple[bytes, int]:
        data = value if value.__class__ is bytes else _bytes_of(number, value)
        text = hexlify(data).upper()  # type: ignore[arg-type]
        return (text.translate(ASCII_TO_EBCDIC) if ebcdic else text), len(data)  # type: ignore[arg-type]

    def from_wire(raw: bytes, count: int, offset: int) -> FieldValue:
        text = raw.translate(EBCDIC_TO_ASCII) if ebcdic else raw
        if text.translate(None, HEX_UPPER):
            bad = first_invalid(text, HEX_UPPER)
            raise DecodeError(number, offset + bad, f"byte 0x{raw[bad]:02X} is not an upper-case hex digit")
        if len(text) & 1:
            raise DecodeError(number, offset, f"{len(text)} hex digits, expected an even number")
        return unhexlify(text)

    return to_wire, from_wire


def _bcd_converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """n and z packed two digits per byte; z's separator ``=`` is nibble 0xD.

    An odd number of digits gets one pad nibble (``spec.pad_side``,
    ``spec.pad_char``). On decode the pad nibble must be that character, so
    decoding and re-encoding give back the same bytes.
    """
    number = spec.number
    track = spec.content is ContentClass.Z
    allowed = ALLOWED[spec.content]
    pad = spec.pad_char.upper()  # type: ignore[union-attr]
    pad_nibble = pad.lower()
    left = spec.pad_side is PadSide.LEFT
    counts_bytes = spec.length_count is LengthCount.ENCODED
    valid_nibbles = "0123456789d" if track else "0123456789"
    # With a byte count, a pad nibble is only recognisable when it cannot be a digit.
    strip_ambiguous_pad = pad_nibble not in valid_nibbles

    def to_wire(value: object) -> tuple[bytes, int]:
        _checked_ascii(spec, allowed, value)  # type and characters
        text: str = value.replace(TRACK_SEPARATOR, "D") if track else value  # type: ignore[attr-defined]
        length = len(text)
        if length & 1:
            text = pad + text if left else text + pad
        return bytes.fromhex(text), length

    def bad_nibble(raw: bytes, offset: int, padded: bool) -> DecodeError:
        nibbles = raw.hex()
        for index, nibble in enumerate(nibbles):
            is_pad = padded and index == (0 if left else len(nibbles) - 1)
            if is_pad and nibble != pad_nibble:
                return DecodeError(number, offset + index // 2,
                                   f"pad nibble 0x{nibble.upper()}, expected 0x{pad}")
            if not is_pad and nibble not in valid_nibbles:
                return DecodeError(number, offset + index // 2, f"bad BCD nibble 0x{nibble.upper()}")
        return DecodeError(number, offset, "bad BCD data")  # pragma: no cover - defensive

    def from_wire(raw: bytes, count: int, offset: int) -> FieldValue:
        nibbles = raw.hex()
        if counts_bytes:
            padded = False
            if strip_ambiguous_pad and nibbles and nibbles[0 if left else -1] == pad_nibble:
                padded = True
                nibbles = nibbles[1:] if left else nibbles[:-1]
        else:
            padded = bool(count & 1)
            if padded:
                if left:
                    if nibbles[0] != pad_nibble:
                        raise bad_nibble(raw, offset, True)
                    nibbles = nibbles[1:]
                else:
                    if nibbles[-1] != pad_nibble:
                        raise bad_nibble(raw, offset, True)
                    nibbles = nibbles[:-1]
        if track:
            digits = nibbles.replace("d", "")
            if digits and not digits.isdigit():
                raise bad_nibble(raw, offset, padded)
            return nibbles.replace("d", TRACK_SEPARATOR)
        if nibbles and not nibbles.isdigit():
            raise bad_nibble(raw, offset, padded)
        return nibbles

    return to_wire, from_wire


def converters(spec: FieldSpec) -> tuple[ToWire, FromWire]:
    """The value <-> data-bytes converters for ``spec``'s class and data encoding."""
    if spec.content is ContentClass.B:
        if spec.data_encoding is Encoding.BINARY:
            return _binary_converters(spec)
        return _hex_converters(spec)
    if spec.data_encoding is Encoding.BCD:
        return _bcd_converters(spec)
    if spec.content is ContentClass.XN:
        return _signed_converters(spec)
    return _text_converters(spec)


def _wire_formula(spec: FieldSpec) -> tuple[int, int, int]:
    """(a, b, s) such that data bytes = (count * a + b) >> s for a prefix count."""
    if spec.length_count is LengthCount.ENCODED:
        return (1, 0, 0)
    if spec.content is ContentClass.B and spec.data_encoding is not Encoding.BINARY:
        return (2, 0, 0)
    if spec.data_encoding is Encoding.BCD:
        return (1, 1, 1)
    return (1, 0, 0)


def _truncated(number: int, data: bytes, offset: int, needed: int) -> DecodeError:
    left = max(len(data) - offset, 0)
    return DecodeError(number, offset, f"needs {needed} bytes, only {left} left")


def _is_ascii_text(spec: FieldSpec) -> bool:
    """A field of ASCII characters (n, an, ans, z as text): one byte per character, the value the bytes' text."""
    return (spec.content is not ContentClass.B and spec.content is not ContentClass.XN
            and spec.data_encoding is Encoding.ASCII)


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


def _ascii_text_fixed(spec: FieldSpec, size: int, encode_checked: FieldEncoder,
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


def _bcd_digits_fixed(spec: FieldSpec, length: int, size: int, encode_checked: FieldEncoder,
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


def build_field_codec(spec: FieldSpec, tables: PrefixTables) -> FieldCodec:
    """Compile ``spec`` into its encoder and decoder.

    ``tables(spec, upto)`` supplies precomputed length prefixes; the compiler
    shares one table per prefix kind and encoding across all fields.
    """
    to_wire, from_wire = converters(spec)
    number = spec.number
    unit = UNIT[spec.content]

    if spec.is_fixed:
        length = spec.max_length
        size = spec.encoded_length(length)

        def encode_fixed(value: object) -> bytes:
            data, units = to_wire(value)
            if units != length:
                raise EncodeError(number, f"{units} {unit}, expected {length}")
            return data

        def decode_fixed(data: bytes, offset: int) -> tuple[FieldValue, int]:
            end = offset + size
            raw = data[offset:end]
            if len(raw) != size:
                raise _truncated(number, data, offset, size)
            return from_wire(raw, length, offset), end

        if _is_ascii_text(spec) and size == length:
            return FieldCodec(spec, *_ascii_text_fixed(spec, size, encode_fixed, decode_fixed))
        if spec.content is ContentClass.B and spec.data_encoding in (Encoding.BINARY, Encoding.ASCII):
            return FieldCodec(spec, *_bytes_fixed(spec, length, size, encode_fixed, decode_fixed))
        if spec.content is ContentClass.N and spec.data_encoding is Encoding.BCD \
                and spec.length_count is not LengthCount.ENCODED:  # (a byte count keeps a pad digit: general path)
            return FieldCodec(spec, *_bcd_digits_fixed(spec, length, size, encode_fixed, decode_fixed))
        return FieldCodec(spec, encode_fixed, decode_fixed)

    max_units = spec.max_length
    counts_bytes = spec.length_count is LengthCount.ENCODED
    max_count = spec.max_encoded_length() if counts_bytes else max_units
    table = tables(spec, max_count)
    read_count = build_prefix_decoder(spec, max_count)
    width = prefix_width(spec.length_kind, spec.length_encoding)
    mul, add, shift = _wire_formula(spec)

    if counts_bytes:
        # The prefix counts bytes, so the limit is in bytes both ways (a BCD n value whose
        # leading pad digit came back on decode must encode again).
        def encode_variable(value: object) -> bytes:
            data, _ = to_wire(value)
            if len(data) > max_count:
                raise EncodeError(number, f"{len(data)} bytes encoded, max {max_count}")
            return table[len(data)] + data
    else:
        def encode_variable(value: object) -> bytes:
            data, units = to_wire(value)
            if units > max_units:
                raise EncodeError(number, f"{units} {unit}, max {max_units}")
            return table[units] + data

    def decode_variable(data: bytes, offset: int) -> tuple[FieldValue, int]:
        count = read_count(data, offset)
        start = offset + width
        size = (count * mul + add) >> shift
        end = start + size
        raw = data[start:end]
        if len(raw) != size:
            raise _truncated(number, data, start, size)
        return from_wire(raw, count, start), end

    if _is_ascii_text(spec) and (mul, add, shift) == (1, 0, 0):
        return FieldCodec(spec, *_ascii_text_variable(spec, max_count, table, read_count, width,
                                                      encode_variable, decode_variable))
    if spec.content is ContentClass.B and not counts_bytes and spec.data_encoding in (Encoding.BINARY, Encoding.ASCII):
        return FieldCodec(spec, *_bytes_variable(spec, max_units, table, read_count, width,
                                                 encode_variable, decode_variable))
    if spec.content is ContentClass.N and spec.data_encoding is Encoding.BCD and not counts_bytes:
        return FieldCodec(spec, *_bcd_digits_variable(spec, max_units, table, read_count, width,
                                                      encode_variable, decode_variable))
    return FieldCodec(spec, encode_variable, decode_variable)


def _bcd_digits_variable(spec: FieldSpec, max_units: int, table: tuple[bytes, ...],
                         read_count: Callable[[bytes, int], int], width: int, encode_checked: FieldEncoder,
                         decode_checked: FieldDecoder) -> tuple[FieldEncoder, FieldDecoder]:
    """The variable-length packed-BCD n field (the prefix counting digits: a terminal's PAN, DE 2) in one step each
    for a valid value, as :func:`_bcd_digits_fixed`; anything else goes to the general ones, which name the fault."""
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


def _bytes_fixed(spec: FieldSpec, length: int, size: int, encode_checked: FieldEncoder,
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


def _bytes_variable(spec: FieldSpec, max_units: int, table: tuple[bytes, ...], read_count: Callable[[bytes, int], int],
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


def _ascii_text_variable(spec: FieldSpec, max_count: int, table: tuple[bytes, ...], read_count: Callable[[bytes, int], int],
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
