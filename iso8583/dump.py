"""Messages rendered for people: a text dump and the ``possim decode --json`` object.

Each field is shown with its number, name, raw wire bytes (length prefix and
data) and interpreted value. Cardholder data is masked unless ``reveal`` is
true (see :data:`iso8583.masking.SENSITIVE_FIELDS`): PAN as first 6 and last
4 digits, track data, PIN block, MAC and ICC data entirely. The raw bytes of
a masked field are masked too (only the length prefix is shown), since ASCII
hex would spell the PAN out.

The JSON shape is the contract of design.md section 4: ``{"dialect", "mti",
"fields": {"2": ...}, "details": [...]}``; in ``fields`` the bitmaps are left
out, n/an/ans/z/x+n values are their characters and b values upper-case hex.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iso8583.bitmap import BIT
from iso8583.codec import encode
from iso8583.cup_header import CUP_HEADER_LENGTH, CupHeader
from iso8583.dialect import Dialect, FieldSpec, prefix_width
from iso8583.errors import Iso8583Error
from iso8583.masking import MASK, SENSITIVE_FIELDS, mask_all, mask_pan
from iso8583.message import FieldValue, Message
from iso8583.tpdu import TPDU_LENGTH, Tpdu


@dataclass(frozen=True)
class FieldView:
    """One field as people see it: the masked (or revealed) value and raw bytes as hex."""

    number: int
    spec: FieldSpec
    value: str
    prefix_hex: str
    data_hex: str
    masked: bool

    @property
    def raw_hex(self) -> str:
        """Length prefix and data, upper-case hex (data ``*`` when masked)."""
        return self.prefix_hex + self.data_hex

    def as_dict(self) -> dict[str, Any]:
        """The ``details`` entry of this field in the JSON dump."""
        spec = self.spec
        return {
            "field": self.number,
            "name": spec.name,
            "class": spec.content.value,
            "format": _format(spec),
            "length_prefix": self.prefix_hex or None,
            "raw": self.raw_hex,
            "value": self.value,
            "masked": self.masked,
        }


def display_value(spec: FieldSpec, value: FieldValue) -> str:
    """A field value as a string: the characters, or upper-case hex for bytes."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex().upper()
    return value


def field_views(message: Message, dialect: Dialect, reveal: bool = False) -> list[FieldView]:
    """Every field of ``message`` in ascending order, encoded with ``dialect`` to show raw bytes."""
    compiled = dialect.compiled
    views = []
    for number in sorted(message.fields):
        spec = dialect.fields.get(number)
        raw = compiled.encode_field(number, message.fields[number])  # raises EncodeError if undefined/invalid
        assert spec is not None
        width = prefix_width(spec.length_kind, spec.length_encoding)
        value = display_value(spec, message.fields[number])
        mask = None if reveal else SENSITIVE_FIELDS.get(number, mask_all if number in dialect.masked_fields else None)
        data_hex = raw[width:].hex().upper()
        if mask is not None:
            value = mask(value)
            data_hex = MASK * len(data_hex)
        views.append(FieldView(number, spec, value, raw[:width].hex().upper(), data_hex, mask is not None))
    return views


def to_json(message: Message, dialect: Dialect, reveal: bool = False) -> dict[str, Any]:
    """The ``possim decode --json`` object for ``message`` (design.md section 4)."""
    views = field_views(message, dialect, reveal)
    details: list[dict[str, Any]] = []
    if dialect.header_length:
        details.append(_header_detail(message.header))
    compiled = dialect.compiled
    details.append({"part": "mti", "name": "Message type indicator", "raw": compiled.mti.encode(message.mti).hex().upper(),
                    "value": message.mti})
    bitmap = compiled.bitmap.encode(sum(BIT[n] for n in message.fields))
    details.append({"part": "bitmap", "name": "Bitmaps (primary, secondary)", "raw": bitmap.hex().upper(),
                    "fields": [view.number for view in views]})
    details.extend(view.as_dict() for view in views)
    return {
        "dialect": dialect.name,
        "mti": message.mti,
        "fields": {str(view.number): view.value for view in views},
        "details": details,
    }


def render_text(message: Message, dialect: Dialect, reveal: bool = False) -> str:
    """A field-by-field dump of ``message`` for people, one field per line plus its raw bytes."""
    views = field_views(message, dialect, reveal)
    compiled = dialect.compiled
    lines = [f"{dialect.name}  MTI {message.mti}  {len(views)} fields" + ("" if reveal else "  (masked)")]
    if dialect.header_length:
        lines.append(f"  header  {message.header.hex().upper()}  {_describe_header(message.header)}")
    lines.append(f"  MTI     {compiled.mti.encode(message.mti).hex().upper()}  {message.mti}")
    bitmap = compiled.bitmap.encode(sum(BIT[n] for n in message.fields))
    lines.append(f"  bitmap  {bitmap.hex().upper()}  fields {' '.join(str(v.number) for v in views)}")
    name_width = max((len(view.spec.name) for view in views), default=0)
    for view in views:
        lines.append(f"  {view.number:>3}  {view.spec.name:<{name_width}}  {_format(view.spec):<9}  {view.value}")
        lines.append(f"       {'':<{name_width}}  {'raw':<9}  {_spaced(view.prefix_hex, view.data_hex)}")
    return "\n".join(lines)


def _format(spec: FieldSpec) -> str:
    """ISO 8583 attribute notation: ``n 6``, ``ans..999``, ``b 8`` (b counted in bytes here)."""
    separator = " " if spec.is_fixed else ".."
    return f"{spec.content.value}{separator}{spec.max_length}"


def _spaced(prefix_hex: str, data_hex: str) -> str:
    return f"{prefix_hex} {data_hex}" if prefix_hex else data_hex


def _header_detail(header: bytes) -> dict[str, Any]:
    """The header's JSON detail: a 5-byte TPDU, or the 11-byte ``cup-pos`` header (TPDU and CUP message header)."""
    detail: dict[str, Any] = {"part": "header", "name": "Header", "raw": header.hex().upper()}
    if len(header) == TPDU_LENGTH:
        tpdu = Tpdu.parse(header)
        detail["name"] = "TPDU"
        detail["tpdu"] = _tpdu_json(tpdu)
    cup = _cup_header(header)
    if cup is not None:
        detail["name"] = "TPDU and CUP message header"
        detail["tpdu"] = _tpdu_json(cup.tpdu)
        message = cup.message
        detail["message_header"] = {
            "application_type": message.application_type, "software_version": message.software_version,
            "terminal_status": message.terminal_status, "processing_request": message.processing_request,
            "reserved": message.reserved,
        }
    return detail


def _tpdu_json(tpdu: Tpdu) -> dict[str, str]:
    return {"id": f"{tpdu.id:02X}", "destination": f"{tpdu.destination:04X}", "source": f"{tpdu.source:04X}"}


def _cup_header(header: bytes) -> CupHeader | None:
    """The ``cup-pos`` header in ``header`` (11 bytes), or None when it is not one."""
    if len(header) != CUP_HEADER_LENGTH:
        return None
    try:
        return CupHeader.parse(header)
    except Iso8583Error:
        return None


def _describe_header(header: bytes) -> str:
    if len(header) == TPDU_LENGTH:
        tpdu = Tpdu.parse(header)
        return f"TPDU id {tpdu.id:02X} destination {tpdu.destination:04X} source {tpdu.source:04X}"
    cup = _cup_header(header)
    if cup is None:
        return ""
    tpdu, message = cup.tpdu, cup.message
    return (f"TPDU id {tpdu.id:02X} destination {tpdu.destination:04X} source {tpdu.source:04X} | "
            f"application {message.application_type} version {message.software_version} "
            f"status {message.terminal_status} request {message.processing_request} reserved {message.reserved}")


def masked_frame_hex(message: Message, dialect: Dialect) -> str:
    """The message's frame in hex, with cardholder data and secrets masked *so that it still decodes*: paste it
    into ``possim decode`` to see the layout of what went over the wire (DEBUG logs print it).

    Masking keeps every length and the encoding: a PAN keeps its first 6 and last 4 digits with zeros between,
    track data its PAN masked so and zeros after the separator, binary secrets (PIN block, ICC data, MAC, the
    dialect's ``masked_fields``) become zero bytes, other text keeps its characters' class (letters X, digits 0).
    The MAC therefore does not verify on the masked frame; nothing else differs from the wire.
    """
    masked = {number: _wire_mask(number, value, dialect) for number, value in message.fields.items()}
    return encode(Message(message.mti, masked, message.header), dialect).hex().upper()


def _wire_mask(number: int, value: FieldValue, dialect: Dialect) -> FieldValue:
    if number not in SENSITIVE_FIELDS and number not in dialect.masked_fields:
        return value
    if isinstance(value, bytes):
        return bytes(len(value))
    if number in (2, 34):
        return _zero_middle(value)
    if number == 35:
        pan, separator, rest = value.partition("=") if "=" in value else value.partition("D")
        return _zero_middle(pan) + separator + "0" * len(rest)
    return "".join("0" if char.isdigit() else "X" if char.isalpha() else char for char in value)


def _zero_middle(pan: str) -> str:
    """The display mask of a PAN (:func:`~keys.masking.mask_pan`: PCI DSS 3.4) with zeros for its ``*``, so the
    masked value still encodes as digits."""
    return mask_pan(pan).replace(MASK, "0")
