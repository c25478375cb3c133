"""BER-TLV as EMV uses it (EMV 4.4 Book 3 Annex B, after ISO/IEC 8825-1).

* Tag (B1): one byte, or several when the low five bits of the first byte are all ones
  ('1F'); each following byte has b8 set when yet another byte follows. Bit b6 of the
  first byte marks a constructed object, whose value is itself a sequence of TLV objects.
* Length (B2): one byte 0..127 (short form), or '81' followed by one byte or '82'
  followed by two bytes (long form). EMV caps lengths at 65535 bytes, so '80'
  (indefinite) and '83' or more are refused as a bad long length form.
* Between, before and after objects, '00' bytes may occur with no meaning (B1); decode
  skips them.

Tags are handled as upper-case hex strings ("9F02"), the way the EMV books and payment
engineers write them. Objects keep their order: field 55 is compared byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from emv.errors import TlvError

_MULTI_BYTE_TAG = 0x1F
_MORE_TAG_BYTES = 0x80
_CONSTRUCTED = 0x20
_MAX_LENGTH = 0xFFFF
_PADDING = 0x00
_ONE_BYTE_TAGS = tuple(f"{byte:02X}" for byte in range(256))
"""The spelling of each one-byte tag, looked up rather than formatted while decoding."""
_TWO_BYTE_TAGS = {(first << 8) | second: f"{first:02X}{second:02X}"
                  for first in range(256) if first & _MULTI_BYTE_TAG == _MULTI_BYTE_TAG
                  for second in range(_MORE_TAG_BYTES)}
"""The spelling of each two-byte tag (first byte's bits b5-b1 all set, second byte's b8 clear: the tag ends
there, EMV Book 3 Annex B1), keyed by the two bytes as an integer: most of field 55's tags (9F26, 9F36...)."""


@lru_cache(maxsize=1024)
def normalize_tag(tag: str | int) -> str:
    """The canonical spelling of ``tag``: upper-case hex, e.g. ``0x9F02`` or "9f02" -> "9F02".

    Raises :class:`TlvError` (offset 0) when the text is not a well-formed BER tag. (Memoised: the
    same few dozen tags are normalised for every field 55.)
    """
    if isinstance(tag, int):
        if tag < 0:
            raise TlvError("tag must not be negative", 0)
        text = f"{tag:X}"
        text = text.zfill(len(text) + len(text) % 2)
    else:
        text = tag.strip().upper()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise TlvError(f"tag {text!r} is not hex", 0) from None
    _check_tag_bytes(raw, text)
    return text


def _check_tag_bytes(raw: bytes, text: str) -> None:
    if not raw:
        raise TlvError("empty tag", 0)
    if raw[0] & _MULTI_BYTE_TAG != _MULTI_BYTE_TAG:
        if len(raw) != 1:
            raise TlvError(f"tag {text}: first byte announces a one-byte tag", 0)
        return
    if len(raw) < 2:
        raise TlvError(f"tag {text}: first byte announces more tag bytes", 0)
    for index, byte in enumerate(raw[1:], start=1):
        last = index == len(raw) - 1
        if bool(byte & _MORE_TAG_BYTES) == last:
            raise TlvError(f"tag {text}: byte {index + 1} has a wrong continuation bit", 0)


@lru_cache(maxsize=1024)
def is_constructed(tag: str) -> bool:
    """True when b6 of the tag's first byte is set (Book 3 Annex B1): the value is TLV data.
    (Memoised: the same few dozen tags are asked about for every field 55.)"""
    return bool(int(tag[:2], 16) & _CONSTRUCTED)


@dataclass(frozen=True)
class Tlv:
    """One data object: its tag, its value octets and, for constructed tags, its children.

    For a constructed object ``value`` is the encoding of ``children`` (so encoding the
    object needs no special case) and ``children`` is what decoding ``value`` gives.
    """

    tag: str
    value: bytes
    children: tuple[Tlv, ...] = field(default=())

    def __repr__(self) -> str:
        """Values of sensitive tags (PAN, track data, names: emv.tags) are never shown, only their length."""
        from emv.tags import lookup  # late: the tag dictionary is data about TLV, not needed to parse it

        info = lookup(self.tag)
        if self.children:
            return f"Tlv(tag={self.tag!r}, children={list(self.children)!r})"
        if info is not None and info.sensitive:
            return f"Tlv(tag={self.tag!r}, value=<{len(self.value)} bytes, hidden>)"
        return f"Tlv(tag={self.tag!r}, value={self.value.hex().upper()})"

    @classmethod
    def primitive(cls, tag: str | int, value: bytes) -> Tlv:
        """A primitive object; the tag must not have the constructed bit."""
        name = normalize_tag(tag)
        if is_constructed(name):
            raise TlvError("constructed tag given a primitive value", 0, name)
        return cls(name, bytes(value))

    @classmethod
    def nested(cls, tag: str | int, children: Iterable[Tlv]) -> Tlv:
        """A constructed object (e.g. template '70', '77', '71', '72') holding ``children``."""
        name = normalize_tag(tag)
        if not is_constructed(name):
            raise TlvError("primitive tag given children", 0, name)
        kids = tuple(children)
        return cls(name, encode(kids), kids)

    @property
    def constructed(self) -> bool:
        """True for a constructed object (b6 of the first tag byte)."""
        return is_constructed(self.tag)

    @property
    def length(self) -> int:
        """Length of the value in bytes, as the length field encodes it."""
        return len(self.value)


@lru_cache(maxsize=1024)
def encode_tag(tag: str) -> bytes:
    """The tag bytes of ``tag`` (given as hex text). (Memoised, as :func:`normalize_tag`.)"""
    return bytes.fromhex(normalize_tag(tag))


def encode_length(length: int) -> bytes:
    """The BER length field for ``length`` (Book 3 Annex B2): short form up to 127,
    then '81' + 1 byte up to 255, then '82' + 2 bytes up to 65535."""
    if length < 0 or length > _MAX_LENGTH:
        raise TlvError(f"length {length} is outside 0..{_MAX_LENGTH}", 0)
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    return bytes([0x82]) + length.to_bytes(2, "big")


def encode(items: Iterable[Tlv]) -> bytes:
    """The concatenated encodings of ``items``, in the given order."""
    out = bytearray()
    for item in items:
        out += encode_tag(item.tag) + encode_length(len(item.value)) + item.value
    return bytes(out)


def decode(data: bytes) -> list[Tlv]:
    """Parse ``data`` as a sequence of BER-TLV objects, constructed ones recursively.

    Raises :class:`TlvError` naming the offset (from the start of ``data``) and the tag
    when a tag or a length is truncated, a value runs past the end of its container, or
    a long length form is not '81' or '82'.
    """
    return _decode(bytes(data), 0, len(data))


def _decode(data: bytes, start: int, end: int) -> list[Tlv]:
    items: list[Tlv] = []
    offset = start
    while offset < end:
        if data[offset] == _PADDING:
            offset += 1
            continue
        tag, offset_after_tag = _read_tag(data, offset, end)
        length, value_start = _read_length(data, offset_after_tag, end, tag)
        value_end = value_start + length
        if value_end > end:
            raise TlvError(
                f"length {length} runs past the end of the data ({end - value_start} bytes left)",
                offset,
                tag,
            )
        value = data[value_start:value_end]
        children = tuple(_decode(data, value_start, value_end)) if data[offset] & _CONSTRUCTED else ()
        items.append(Tlv(tag, value, children))
        offset = value_end
    return items


def decode_flat(data: bytes) -> dict[str, bytes]:
    """``flatten(decode(data))`` in one pass, without building the objects: what a host or a terminal
    reading field 55 needs. The same checks and the same :class:`TlvError` as :func:`decode`."""
    flat: dict[str, bytes] = {}
    raw = bytes(data)
    _decode_flat_into(raw, 0, len(raw), flat)
    return flat


def _decode_flat_into(data: bytes, offset: int, end: int, flat: dict[str, bytes]) -> None:
    one_byte_tags, two_byte_tags = _ONE_BYTE_TAGS, _TWO_BYTE_TAGS
    while offset < end:
        first = data[offset]
        if first == _PADDING:
            offset += 1
            continue
        if first & _MULTI_BYTE_TAG != _MULTI_BYTE_TAG:
            tag, position = one_byte_tags[first], offset + 1
        elif offset + 1 < end and data[offset + 1] < _MORE_TAG_BYTES:
            tag, position = two_byte_tags[(first << 8) | data[offset + 1]], offset + 2
        else:
            tag, position = _read_tag(data, offset, end)
        if position < end and data[position] < 0x80:
            length, value_start = data[position], position + 1
        else:
            length, value_start = _read_length(data, position, end, tag)
        value_end = value_start + length
        if value_end > end:
            raise TlvError(
                f"length {length} runs past the end of the data ({end - value_start} bytes left)",
                offset,
                tag,
            )
        if first & _CONSTRUCTED:
            _decode_flat_into(data, value_start, value_end, flat)
        elif tag not in flat:
            flat[tag] = data[value_start:value_end]
        offset = value_end


def _read_tag(data: bytes, offset: int, end: int) -> tuple[str, int]:
    position = offset + 1
    if data[offset] & _MULTI_BYTE_TAG != _MULTI_BYTE_TAG:
        return _ONE_BYTE_TAGS[data[offset]], position
    while True:
        if position >= end:
            partial = data[offset:position].hex().upper()
            raise TlvError(f"tag truncated after {partial}", offset)
        more = data[position] & _MORE_TAG_BYTES
        position += 1
        if not more:
            break
    return data[offset:position].hex().upper(), position


def _read_length(data: bytes, offset: int, end: int, tag: str) -> tuple[int, int]:
    if offset >= end:
        raise TlvError("length missing (data ends after the tag)", offset, tag)
    first = data[offset]
    if first < 0x80:
        return first, offset + 1
    count = first & 0x7F
    if count not in (1, 2):
        raise TlvError(f"bad long length form {first:02X} (EMV allows 81 and 82 only)", offset, tag)
    if offset + 1 + count > end:
        raise TlvError(f"length truncated: {first:02X} announces {count} length bytes", offset, tag)
    length = int.from_bytes(data[offset + 1 : offset + 1 + count], "big")
    return length, offset + 1 + count


def walk(items: Sequence[Tlv]) -> Iterable[Tlv]:
    """Every object of ``items``, depth first, a constructed object before its children."""
    for item in items:
        yield item
        yield from walk(item.children)


def find(items: Sequence[Tlv], tag: str | int) -> Tlv | None:
    """The first object with ``tag``, searching inside constructed objects too."""
    wanted = normalize_tag(tag)
    return next((item for item in walk(items) if item.tag == wanted), None)


def get_value(items: Sequence[Tlv], tag: str | int) -> bytes | None:
    """The value of the first object with ``tag`` (searching nested objects), or None."""
    found = find(items, tag)
    return None if found is None else found.value


def flatten(items: Sequence[Tlv]) -> dict[str, bytes]:
    """Primitive objects, nested ones included, as ``{tag: value}`` in order of appearance.

    When a tag occurs twice the first occurrence wins, as EMV requires a tag to occur at
    most once in a record or template (Book 3 section 5.3).
    """
    flat: dict[str, bytes] = {}
    _flatten_into(items, flat)
    return flat


def _flatten_into(items: Sequence[Tlv], flat: dict[str, bytes]) -> None:
    for item in items:
        if item.children or is_constructed(item.tag):
            _flatten_into(item.children, flat)
        elif item.tag not in flat:
            flat[item.tag] = item.value
