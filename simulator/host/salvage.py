"""Reading what can be read of a message that does not decode, to answer it with a format error.

The fields are decoded in bitmap order until the first one that fails; the MTI, the STAN
(DE 11), DE 7 and the terminal ID (DE 41) usually come before the faulty field, which is
enough to answer 30 (format error) to the right request of the right terminal.
"""

from __future__ import annotations

from iso8583.dialect import Dialect
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
        for number in numbers:
            decoder = compiled.decoders[number] if number < len(compiled.decoders) else None
            if decoder is None:
                break
            values[number], offset = decoder(data, offset)
    except (Iso8583Error, IndexError, ValueError):
        pass
    return Message(mti, values, header)
