"""Reading what can be read of a message that does not decode, to answer it with a format error.

The fields are decoded in bitmap order. A fixed-length field whose content is malformed (a bad
BCD digit in the amount, say) is skipped by its known length and decoding goes on; a variable
field that fails ends it (its length cannot be trusted). The MTI, the STAN (DE 11), DE 7 and the
terminal ID (DE 41) are then usually readable, which is enough to answer 30 (format error) to the
right request of the right terminal.
"""

from __future__ import annotations

from iso8583.dialect import Dialect, LengthKind
from iso8583.errors import Iso8583Error
from iso8583.message import FieldValue, Message


def salvage(data: bytes, dialect: Dialect) -> Message | None:
    """The MTI and the fields that decode before the first faulty one; None without a readable MTI."""
    compiled = dialect.compiled
    offset = dialect.header_length
    header = bytes(data[:offset])
    if len(header) != offset:
        return None
    try:
        mti, offset = compiled.mti.decode(data, offset)
    except (Iso8583Error, IndexError, ValueError):
        return None
    values: dict[int, FieldValue] = {}
    try:
        numbers, offset = compiled.bitmap.decode(data, offset)
    except (Iso8583Error, IndexError, ValueError):
        return Message(mti, values, header)
    for number in numbers:
        decoder = compiled.decoders[number] if number < len(compiled.decoders) else None
        spec = dialect.fields.get(number)
        if decoder is None or spec is None:
            break
        try:
            values[number], offset = decoder(data, offset)
        except (Iso8583Error, IndexError, ValueError):
            if spec.length_kind is not LengthKind.FIXED or offset + spec.max_encoded_length() > len(data):
                break
            offset += spec.max_encoded_length()  # a malformed fixed field: skip it, read on
    return Message(mti, values, header)
