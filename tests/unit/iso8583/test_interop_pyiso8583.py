"""Acceptance: iso87ascii and iso87binary are byte-compatible with pyiso8583's default_ascii and default.

pyiso8583 runs in a subprocess (see oracle.py); each test sends it a batch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso8583.codec import decode, encode
from iso8583.dialect import ContentClass, Dialect
from iso8583.dialects import get_dialect
from iso8583.message import Message
from tests.unit.iso8583.oracle import require_oracle, run_oracle
from tests.unit.iso8583.strategies import messages

PAIRS = {"iso87ascii": "default_ascii", "iso87binary": "default"}


@pytest.fixture(scope="module", autouse=True)
def oracle() -> Path:
    return require_oracle()


def to_pyiso8583(message: Message) -> dict[str, str]:
    """pyiso8583's form of a message: "t" for the MTI, string keys, b values as upper-case hex."""
    doc = {"t": message.mti}
    for number, value in message.fields.items():
        doc[str(number)] = value.hex().upper() if isinstance(value, bytes) else value
    return doc


def assert_interoperable(dialect: Dialect, batch: list[Message]) -> None:
    answers = run_oracle(PAIRS[dialect.name], "encode", [to_pyiso8583(m) for m in batch])
    for message, answer in zip(batch, answers, strict=True):
        assert "error" not in answer, answer
        theirs = bytes.fromhex(answer["hex"])
        assert decode(theirs, dialect) == message
        assert encode(message, dialect) == theirs


def extreme_message(dialect: Dialect, longest: bool) -> Message:
    """Every field of the dialect at its maximum (or minimum) length."""
    fields: dict[int, str | bytes] = {}
    for number, spec in dialect.fields.items():
        length = spec.max_length if longest or spec.is_fixed else 0
        if spec.content is ContentClass.B:
            fields[number] = bytes(range(256))[:length] if length <= 256 else b"\xAB" * length
        elif spec.content is ContentClass.XN:
            fields[number] = "D" + "7" * length
        elif spec.content is ContentClass.Z:
            fields[number] = ("1234567890=" * 100)[:length]
        elif spec.content is ContentClass.N:
            fields[number] = ("9876543210" * 100)[:length]
        else:
            fields[number] = ("Ab 9/^?~" * 200)[:length] if spec.content is ContentClass.ANS else ("Az09" * 300)[:length]
    return Message("0200", fields)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_field_at_its_maximum_and_minimum_length_matches_pyiso8583(name: str) -> None:
    dialect = get_dialect(name)
    assert_interoperable(dialect, [extreme_message(dialect, True), extreme_message(dialect, False)])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_typical_refund_request_matches_pyiso8583(name: str) -> None:
    refund = Message("0200", {
        2: "4761739001010119", 3: "200000", 4: "000000001234", 7: "1125114800", 11: "000123", 12: "114800",
        13: "1125", 14: "2512", 22: "051", 23: "001", 25: "00", 35: "4761739001010119=25122011143804400000",
        37: "532911000123", 41: "TERM0001", 42: "MERCHANT0000001", 49: "978", 52: bytes.fromhex("0123456789ABCDEF"),
        55: bytes.fromhex("9F2608A1B2C3D4E5F60718"), 64: bytes.fromhex("0011223344556677"),
    })
    assert_interoperable(get_dialect(name), [refund])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_pyiso8583_decodes_our_encoding_to_the_same_values(name: str) -> None:
    dialect = get_dialect(name)
    message = extreme_message(dialect, True)
    answers = run_oracle(PAIRS[name], "decode", [encode(message, dialect).hex()])
    doc = answers[0]["doc"]
    expected = to_pyiso8583(message)
    assert {k: v for k, v in doc.items() if k not in ("p", "1")} == expected


_BATCH = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=60, **_BATCH)
@given(batch=st.lists(messages(get_dialect("iso87ascii")), min_size=1, max_size=25))
def test_random_messages_encoded_by_pyiso8583_default_ascii_decode_and_encode_identically(batch: list[Message]) -> None:
    assert_interoperable(get_dialect("iso87ascii"), batch)


@settings(max_examples=60, **_BATCH)
@given(batch=st.lists(messages(get_dialect("iso87binary")), min_size=1, max_size=25))
def test_random_messages_encoded_by_pyiso8583_default_decode_and_encode_identically(batch: list[Message]) -> None:
    assert_interoperable(get_dialect("iso87binary"), batch)
