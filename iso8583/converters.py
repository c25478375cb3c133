"""Value <-> data-bytes converters of one field, per content class and data encoding.

A converter pair is what a field codec (:mod:`iso8583.fieldcodecs`) wraps:
``to_wire(value)`` checks the value and returns the field's data bytes (no
length prefix) with its length in content units, ``from_wire(raw, count,
offset)`` checks the data bytes and returns the value. Each kind (text,
signed amount, raw binary, hex text, packed BCD) is its own builder, chosen
once per field by :func:`converters`. These are the general paths: they find
and name every fault; the one-step paths of :mod:`iso8583.fastpaths` fall
back to them. Kept apart from the codec assembly because they are the rules
of the content classes, not the framing of a field.

Validation follows ISO 8583:1987 section 4.2: n fields hold digits only, an
letters and digits, ans printable characters, z digits and the separator
``=``, b bytes. Error messages name the field and the offset, never the value.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable

from iso8583.charsets import (
    ALLOWED,
    ASCII_TO_EBCDIC,
    EBCDIC_TO_ASCII,
    EXPECTED,
    HEX_UPPER,
    TRACK_SEPARATOR,
    first_invalid,
)
from iso8583.fieldspec import ContentClass, Encoding, FieldSpec, LengthCount, PadSide
from iso8583.errors import DecodeError, EncodeError
from iso8583.message import FieldValue

ToWire = Callable[[object], tuple[bytes, int]]
"""``to_wire(value)`` returns the data bytes and the value's length in content units."""
FromWire = Callable[[bytes, int, int], FieldValue]
"""``from_wire(raw, count, offset)`` returns the value; ``count`` is what the prefix (or the spec) said."""


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
