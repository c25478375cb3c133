"""ISO 8583 messages: dialects as data, a fast validating codec, and dumps for people.

>>> from iso8583 import Message, decode, encode, get_dialect
>>> dialect = get_dialect("iso87ascii")
>>> encode(Message("0210", {3: "200000", 39: "00"}), dialect)
b'0210200000000200000020000000'

(see docs/dialects.md for the built-in dialects and the TOML format of user dialects).
"""

from __future__ import annotations

from iso8583.codec import decode, encode
from iso8583.dialect import (
    BitmapEncoding,
    ContentClass,
    Dialect,
    Encoding,
    FieldSpec,
    LengthCount,
    LengthKind,
    PadSide,
    SecondaryBitmap,
)
from iso8583.dialects import dialect_names, get_dialect
from iso8583.dump import render_text, to_json
from iso8583.errors import DecodeError, DialectError, EncodeError, Iso8583Error
from iso8583.message import FieldValue, Message
from iso8583.toml_dialect import load_dialect_toml, resolve_dialect

__all__ = [
    "BitmapEncoding", "ContentClass", "DecodeError", "Dialect", "DialectError", "EncodeError", "Encoding",
    "FieldSpec", "FieldValue", "Iso8583Error", "LengthCount", "LengthKind", "Message", "PadSide",
    "SecondaryBitmap", "decode", "dialect_names", "encode", "get_dialect", "load_dialect_toml", "render_text",
    "resolve_dialect", "to_json",
]
