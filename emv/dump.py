"""Person-readable dumps of TLV data (field 55, card records), masked by default.

:func:`describe` turns TLV bytes into a list of dicts (tag, name, length, value hex,
interpreted value, children for templates), which the CLI prints as text or JSON. PAN
('5A'), track 2 equivalent data ('57'), cardholder name ('5F20') and track discretionary
data are masked unless ``reveal=True`` (PCI DSS 3.4: at most first 6 and last 4 digits).
"""

from __future__ import annotations

from typing import Any

from emv import tlv
from emv.masking import MASK_CHAR, mask_pan
from emv.tags import TagFormat, lookup

_CRYPTOGRAM_TYPES = {0x00: "AAC", 0x40: "TC", 0x80: "ARQC", 0xC0: "RFU"}
"""Book 3 section 6.5.5.4, Table 14: bits 8-7 of the Cryptogram Information Data."""

_TRANSACTION_TYPES = {0x00: "purchase", 0x01: "cash", 0x09: "purchase with cashback", 0x20: "refund"}
"""ISO 8583:1987 processing code, first two digits, as tag '9C' carries them (Book 3 Annex A1)."""


def describe(data: bytes, reveal: bool = False) -> list[dict[str, Any]]:
    """One dict per top-level object of ``data``; templates carry their ``children``.

    Keys: ``tag``, ``name`` (None for unknown tags), ``length`` (bytes), ``value`` (upper-case
    hex, masked for sensitive tags unless ``reveal``), ``interpreted`` (a readable form or
    None), and ``children`` for constructed objects. Malformed data raises TlvError.
    """
    return [_describe_one(item, reveal) for item in tlv.decode(data)]


def _describe_one(item: tlv.Tlv, reveal: bool) -> dict[str, Any]:
    info = lookup(item.tag)
    sensitive = info is not None and info.sensitive and not reveal
    entry: dict[str, Any] = {
        "tag": item.tag,
        "name": None if info is None else info.name,
        "length": item.length,
        "value": _masked_hex(item) if sensitive else item.value.hex().upper(),
        "interpreted": _interpret(item, info.format if info else None, sensitive),
    }
    if item.constructed:
        entry["children"] = [_describe_one(child, reveal) for child in item.children]
        if not reveal:  # the template's own octets would spell out the children it holds
            entry["value"] = "".join(_template_hex(child, child_entry)
                                     for child, child_entry in zip(item.children, entry["children"], strict=True))
    return entry


def _template_hex(child: tlv.Tlv, described: dict[str, Any]) -> str:
    """A child's tag, length and (masked) value as hex: a template's value rebuilt from what may be shown."""
    encoded = tlv.encode([child]).hex().upper()
    return encoded[: len(encoded) - 2 * child.length] + described["value"]


def _masked_hex(item: tlv.Tlv) -> str:
    """Hex of a sensitive value with the hidden digits replaced by '*'."""
    text = item.value.hex().upper()
    if item.tag == "5A":
        digits = text.rstrip("F")
        return mask_pan(digits) + text[len(digits) :]
    if item.tag in ("57", "9F6B"):
        pan, separator, rest = text.partition("D")
        if not separator:
            return MASK_CHAR * len(text)
        # Keep the expiry date and service code (7 digits); hide discretionary data.
        return mask_pan(pan) + "D" + rest[:7] + MASK_CHAR * len(rest[7:])
    return MASK_CHAR * len(text)


def _interpret(item: tlv.Tlv, fmt: TagFormat | None, sensitive: bool) -> str | None:
    value = item.value
    if item.tag == "9F27" and len(value) == 1:
        return _CRYPTOGRAM_TYPES[value[0] & 0xC0]
    if item.tag == "9C" and len(value) == 1:
        return _TRANSACTION_TYPES.get(value[0], f"transaction type {value[0]:02X}")
    if item.tag == "9A" and len(value) == 3:
        text = value.hex()
        return f"20{text[0:2]}-{text[2:4]}-{text[4:6]}" if text.isdigit() else None
    if item.tag == "9F36" and len(value) == 2:
        return str(int.from_bytes(value, "big"))
    if item.tag in ("57", "9F6B"):
        text = _masked_hex(item) if sensitive else value.hex().upper()
        return text.rstrip("F").replace("D", "=")
    if sensitive and item.tag == "5A":
        return _masked_hex(item).rstrip("F")
    if sensitive:
        return f"<masked, {len(value)} bytes>"
    if fmt is TagFormat.N:
        return value.hex()
    if fmt is TagFormat.CN:
        return value.hex().upper().rstrip("F")
    if fmt in (TagFormat.A, TagFormat.AN, TagFormat.ANS):
        return value.decode("latin-1")
    return None
