"""iso93binary and iso93ebcdic against pyiso8583 with an independent ISO 8583:1993 spec; iso2003's LLLL fields.

pyiso8583 runs in a subprocess (oracle.py) with the specs of ``iso93_spec.py``, transcribed from the
1993 field table: both encoders must produce the same bytes for the same message, and each decodes
the other's frames to the same values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso8583.codec import decode, encode
from iso8583.dialect import ContentClass, Dialect, LengthKind
from iso8583.dialects import get_dialect
from iso8583.errors import DecodeError
from iso8583.message import Message
from tests.unit.iso8583 import iso93_spec
from tests.unit.iso8583.oracle import require_oracle, run_oracle
from tests.unit.iso8583.strategies import messages

SPECS = {"iso93binary": iso93_spec.binary_spec, "iso93ebcdic": iso93_spec.ebcdic_spec}


@pytest.fixture(scope="module", autouse=True)
def oracle() -> Path:
    return require_oracle()


def to_pyiso8583(message: Message) -> dict[str, str]:
    doc = {"t": message.mti}
    for number, value in message.fields.items():
        doc[str(number)] = value.hex().upper() if isinstance(value, bytes) else value
    return doc


def assert_interoperable(dialect: Dialect, batch: list[Message]) -> None:
    answers = run_oracle(SPECS[dialect.name](), "encode", [to_pyiso8583(m) for m in batch])
    for message, answer in zip(batch, answers, strict=True):
        assert "error" not in answer, answer
        theirs = bytes.fromhex(answer["hex"])
        assert encode(message, dialect) == theirs
        assert decode(theirs, dialect) == message


def full_message(dialect: Dialect, longest: bool, mti: str = "1200") -> Message:
    """Every field of the dialect at its maximum (or minimum) length (BCD-safe values for n fields)."""
    fields: dict[int, str | bytes] = {}
    for number, spec in dialect.fields.items():
        length = spec.max_length if longest or spec.is_fixed else 1
        if spec.content is ContentClass.B:
            fields[number] = (bytes(range(256)) * 4)[:length]
        elif spec.content is ContentClass.XN:
            fields[number] = "C" + "4" * length
        elif spec.content is ContentClass.Z:
            fields[number] = ("4761739001=" * 20)[:length]
        elif spec.content is ContentClass.N:
            fields[number] = ("1234567890" * 10)[:length]
        elif spec.content is ContentClass.AN:
            fields[number] = ("Ab9Z" * 10)[:length]
        else:
            fields[number] = ("Ab 9/-?" * 200)[:length]
    return Message(mti, fields)


def test_the_1993_dialects_name_the_iso93_network() -> None:
    assert {get_dialect(n).protocol for n in SPECS} == {"iso93"}


def test_the_1993_table_is_the_standards_field_for_field() -> None:
    """Our table against the independent transcription: class family, prefix digits and length."""
    dialect = get_dialect("iso93binary")
    theirs = iso93_spec.table()
    assert sorted(dialect.fields) == sorted(theirs)
    for number, spec in dialect.fields.items():
        content, digits, length = theirs[number]
        assert (spec.length_kind.digits, spec.max_length) == (digits, length), number
        family = {"anp": "an", "ns": "ans"}.get(content, content)
        assert spec.content.value.replace("+", "") in (family, "ans" if family == "an" else family), number


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("longest", [True, False], ids=["maximum", "minimum"])
def test_every_field_matches_pyiso8583_with_a_1993_spec(name: str, longest: bool) -> None:
    dialect = get_dialect(name)
    assert_interoperable(dialect, [full_message(dialect, longest)])


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_refund_with_its_original_data_elements_matches_pyiso8583(name: str) -> None:
    refund = Message("1200", {
        3: "200000", 4: "000000001234", 7: "1207114800", 11: "000124", 12: "261207114800", 22: "510101513344",
        24: "200", 35: "4761739001010119=25122011143804400000", 41: "POSSIM01", 42: "POSSIM000000001",
        49: "978", 52: bytes.fromhex("0123456789ABCDEF"), 55: bytes.fromhex("9F2608A1B2C3D4E5F60718"),
        56: "120000012326120711470000000", 128: bytes.fromhex("0011223344556677"),
    })
    assert_interoperable(get_dialect(name), [refund])


def test_iso93binary_packs_an_odd_numeric_with_a_leading_zero_nibble() -> None:
    frame = encode(Message("1804", {11: "000001", 24: "831"}), get_dialect("iso93binary"))
    assert frame.hex().endswith("0000010831")


def test_iso93ebcdic_writes_the_mti_and_lengths_in_ebcdic() -> None:
    frame = encode(Message("1804", {2: "4761", 24: "831"}), get_dialect("iso93ebcdic"))
    assert frame[:4] == b"\xf1\xf8\xf0\xf4"
    assert frame[12:18] == b"\xf0\xf4\xf4\xf7\xf6\xf1"


def test_iso2003_reads_a_four_digit_length() -> None:
    dialect = get_dialect("iso2003")
    assert dialect.fields[48].length_kind is LengthKind.LLLL and dialect.fields[48].max_length == 9999
    message = Message("2200", {11: "000001", 48: "X" * 1500})
    frame = encode(message, dialect)
    assert frame[-1502:-1500] == bytes.fromhex("1500")
    assert decode(frame, dialect) == message


def test_a_bad_bcd_digit_is_refused_naming_field_and_offset() -> None:
    frame = bytearray(encode(Message("1200", {3: "000000", 11: "000001"}), get_dialect("iso93binary")))
    frame[10] = 0x0A
    with pytest.raises(DecodeError, match=r"field 3: offset 10"):
        decode(bytes(frame), get_dialect("iso93binary"))


_BATCH: dict[str, Any] = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=30, **_BATCH)
@given(batch=st.lists(messages(get_dialect("iso93binary")), min_size=1, max_size=20))
def test_random_iso93binary_messages_match_pyiso8583(batch: list[Message]) -> None:
    assert_interoperable(get_dialect("iso93binary"), batch)


@settings(max_examples=30, **_BATCH)
@given(batch=st.lists(messages(get_dialect("iso93ebcdic")), min_size=1, max_size=20))
def test_random_iso93ebcdic_messages_match_pyiso8583(batch: list[Message]) -> None:
    assert_interoperable(get_dialect("iso93ebcdic"), batch)


ECHO_TEST = Message("1804", {7: "1207114800", 11: "000001", 12: "261207114800", 24: "831", 41: "POSSIM01",
                             42: "POSSIM000000001"})
"""A 1804 echo test: bits 7, 11, 12, 24, 41 and 42, so the bitmap is 02 30 01 00 00 C0 00 00."""


def test_a_1804_echo_test_is_byte_exact_in_iso93binary() -> None:
    golden = bytes.fromhex(
        "1804" "0230010000C00000" "1207114800" "000001" "261207114800" "0831"
    ) + b"POSSIM01" + b"POSSIM000000001"
    assert encode(ECHO_TEST, get_dialect("iso93binary")) == golden
    assert decode(golden, get_dialect("iso93binary")) == ECHO_TEST


def test_a_1804_echo_test_is_byte_exact_in_iso93ebcdic() -> None:
    def ebcdic(text: str) -> bytes:
        return text.encode("cp500")

    golden = (ebcdic("1804") + bytes.fromhex("0230010000C00000") + ebcdic("1207114800000001261207114800831")
              + ebcdic("POSSIM01POSSIM000000001"))
    assert encode(ECHO_TEST, get_dialect("iso93ebcdic")) == golden
    assert decode(golden, get_dialect("iso93ebcdic")) == ECHO_TEST
