"""Property: for every dialect, decoding an encoded message gives the message back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso8583.codec import decode, encode
from iso8583.dialect import ContentClass, Dialect, Encoding, LengthCount, PadSide
from iso8583.message import Message
from tests.unit.iso8583.dialect_zoo import all_dialects
from tests.unit.iso8583.strategies import messages

DIALECTS = {dialect.name: dialect for dialect in all_dialects()}


def expected_after_decode(message: Message, dialect: Dialect) -> Message:
    """A byte-counted BCD n field cannot tell a leading pad 0 from a digit: it decodes with it."""
    fields = dict(message.fields)
    for number, value in fields.items():
        spec = dialect.fields[number]
        if (spec.length_count is LengthCount.ENCODED and spec.data_encoding is Encoding.BCD
                and spec.content is ContentClass.N and spec.pad_side is PadSide.LEFT and len(value) % 2):
            fields[number] = spec.pad_char + value  # type: ignore[operator]
    return Message(message.mti, fields, message.header)


@pytest.mark.parametrize("name", sorted(DIALECTS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decode_of_encode_returns_the_message(name: str, data: st.DataObject) -> None:
    dialect = DIALECTS[name]
    message = data.draw(messages(dialect))
    encoded = encode(message, dialect)
    assert decode(encoded, dialect) == expected_after_decode(message, dialect)
    assert encode(decode(encoded, dialect), dialect) == encoded
