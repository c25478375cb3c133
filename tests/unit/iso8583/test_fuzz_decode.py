"""Acceptance: decoding random and mutated bytes raises only iso8583 errors, for every dialect.

Each built-in dialect gets 2,000 examples (the issue's acceptance floor); the
test-only dialects, which cover the remaining encodings, 500 each. Whatever
decodes must be canonical: encoding the decoded message gives back exactly
the input bytes (the decoder accepts nothing the encoder would not produce).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso8583.codec import decode, encode
from iso8583.dialect import Dialect
from iso8583.dialects import dialect_names, get_dialect
from iso8583.errors import DecodeError
from tests.unit.iso8583.dialect_zoo import ebcdic87, odd_host, short_host
from tests.unit.iso8583.strategies import messages, mutated

BUILT_IN = {name: get_dialect(name) for name in dialect_names()}
TEST_ONLY = {dialect.name: dialect for dialect in (ebcdic87(), odd_host(), short_host())}
_FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_decode_of_fuzzed_input(dialect: Dialect, data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        raw = data.draw(st.binary(max_size=300))
    else:
        raw = data.draw(mutated(encode(data.draw(messages(dialect, max_fields=12)), dialect)))
    try:
        message = decode(raw, dialect)
    except DecodeError as error:
        assert isinstance(error.offset, int) and 0 <= error.offset <= len(raw)
        return
    assert encode(message, dialect) == raw


@pytest.mark.parametrize("name", sorted(BUILT_IN))
@settings(max_examples=700, **_FUZZ)  # 5 dialects x 700 keeps the whole suite within its 10-minute budget
@given(data=st.data())
def test_built_in_dialect_decodes_fuzzed_bytes_or_raises_decode_error(name: str, data: st.DataObject) -> None:
    check_decode_of_fuzzed_input(BUILT_IN[name], data)


@pytest.mark.parametrize("name", sorted(TEST_ONLY))
@settings(max_examples=500, **_FUZZ)
@given(data=st.data())
def test_other_encodings_decode_fuzzed_bytes_or_raise_decode_error(name: str, data: st.DataObject) -> None:
    check_decode_of_fuzzed_input(TEST_ONLY[name], data)
