"""The straight-line plans (iso8583/plans.py, iso8583/fieldsource.py): the same bytes, values and errors as the
general path, learnt per field set, bounded, and readable.

The properties run a plan written for a message's field set directly against the general path
(``CompiledDialect._encode`` / ``_decode``) over every dialect of the zoo, valid messages and mutated
ones: a plan either answers exactly what the general path answers, or declines (None or one of
PLAN_FAULTS) so that the general path runs; it never answers where the general path raises.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iso8583.bitmap import BIT
from iso8583.codec import decode, encode
from iso8583.compiler import CompiledDialect
from iso8583.dialect import ContentClass, Dialect, Encoding, FieldSpec, LengthKind
from iso8583.dialects import get_dialect
from iso8583.errors import DecodeError, EncodeError, Iso8583Error
from iso8583.fieldsource import BCD_VALUE
from iso8583.message import FieldValue, Message
from iso8583.plans import LEARN_AFTER, MAX_PLANS, PLAN_FAULTS
from tests.unit.iso8583 import test_cup_pos_golden as cup_golden
from tests.unit.iso8583 import test_terminal87_golden as terminal87_golden
from tests.unit.iso8583.dialect_zoo import all_dialects
from tests.unit.iso8583.strategies import messages, mutated

DIALECTS = {dialect.name: dialect for dialect in all_dialects()}
_PROPERTY = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHIP_SALE = Message("0200", {
    3: "000000", 4: "000000001000", 7: "1207165739", 11: "570345", 12: "165739", 13: "1207", 22: "051",
    23: "001", 25: "00", 35: "4761739001010010=311220100000", 41: "LOAD0001", 42: "POSSIM000000001", 49: "840",
    52: bytes.fromhex("C7D8AA57ED03843B"), 55: bytes.fromhex("9F26084625DA4A991E3F369F270180"), 60: "000001",
    62: "000001", 64: bytes(8),
})
CHIP_SALE_ANSWER = Message("0210", {
    3: "000000", 4: "000000001000", 7: "1207165739", 11: "570345", 12: "165739", 13: "1207", 22: "051",
    25: "00", 37: "000000000001", 38: "079401", 39: "00", 41: "LOAD0001", 42: "POSSIM000000001", 49: "840",
    55: bytes.fromhex("910809797B4E00800000"), 60: "000001", 62: "000001", 64: bytes(8),
})
"""The signed chip sale of the host and the light terminal (terminal87) and its answer, as they travel."""


def fresh(name: str) -> Dialect:
    """A copy of a built-in dialect with its own compiled codec, so no other test's plans are in it."""
    return get_dialect(name).replace(name=f"{name}-fresh")


def general_encode(compiled: CompiledDialect, message: Message) -> bytes | Iso8583Error:
    try:
        return compiled._encode(message)
    except EncodeError as error:
        return error


def general_decode(compiled: CompiledDialect, data: bytes) -> Message | Iso8583Error:
    try:
        return compiled._decode(data)
    except DecodeError as error:
        return error


def planned_encode(compiled: CompiledDialect, message: Message) -> bytes | None:
    plan = compiled.plan_writer.encoder(list(message.fields))
    try:
        return plan(message.fields, message.mti, message.header)
    except PLAN_FAULTS:
        return None


def planned_decode(compiled: CompiledDialect, numbers: list[int], data: bytes) -> Message | None:
    try:
        return compiled.plan_writer.decoder(numbers)(data)
    except PLAN_FAULTS:
        return None


def _bitmap(compiled: CompiledDialect, message: Message) -> bytes:
    return compiled.bitmap.encode(sum(BIT[n] for n in message.fields))


# -- the same answers as the general path ---------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DIALECTS))
@settings(max_examples=60, **_PROPERTY)
@given(data=st.data())
def test_a_plan_encodes_a_valid_message_to_the_bytes_of_the_general_path_or_declines(
        name: str, data: st.DataObject) -> None:
    compiled = DIALECTS[name].compiled
    message = data.draw(messages(DIALECTS[name]))
    assert planned_encode(compiled, message) in (None, general_encode(compiled, message))


@pytest.mark.parametrize("name", sorted(DIALECTS))
@settings(max_examples=60, **_PROPERTY)
@given(data=st.data())
def test_a_plan_decodes_a_valid_message_to_the_message_of_the_general_path_or_declines(
        name: str, data: st.DataObject) -> None:
    compiled = DIALECTS[name].compiled
    message = data.draw(messages(DIALECTS[name]))
    wire = compiled._encode(message)
    assert planned_decode(compiled, list(message.fields), wire) in (None, general_decode(compiled, wire))


def _bad_values(spec: FieldSpec) -> list[object]:
    """Values the field may refuse: wrong type, length or characters; a bytes-like b value; edge cases."""
    size = spec.max_length
    return [None, 12, "1" * (size + 1), "1" * (size - 1), "", "\u0663" * size, "=" * size, "1=" * size, " " * size,
            "a" * size, "\u00e9" * size, "\x7f" * size, bytearray(size), bytes(size + 1), bytes(size - 1),
            "D" + "1" * size, "C" + "1" * size, "1D" * size]


@pytest.mark.parametrize("name", sorted(DIALECTS))
@settings(max_examples=60, **_PROPERTY)
@given(data=st.data())
def test_a_plan_never_encodes_a_value_the_general_path_refuses(name: str, data: st.DataObject) -> None:
    dialect = DIALECTS[name]
    message = data.draw(messages(dialect, max_fields=8))
    if message.fields:
        number = data.draw(st.sampled_from(sorted(message.fields)))
        message.fields[number] = data.draw(st.sampled_from(_bad_values(dialect.fields[number])))  # type: ignore[assignment]
    if data.draw(st.booleans()):
        message.mti = data.draw(st.sampled_from(["02000", "020", "02a0", "\u0663200", 200]))  # type: ignore[assignment]
    planned, general = planned_encode(dialect.compiled, message), general_encode(dialect.compiled, message)
    assert planned is None or planned == general


@pytest.mark.parametrize("name", sorted(DIALECTS))
@settings(max_examples=60, **_PROPERTY)
@given(data=st.data())
def test_a_plan_never_decodes_bytes_the_general_path_refuses(name: str, data: st.DataObject) -> None:
    dialect = DIALECTS[name]
    compiled = dialect.compiled
    message = data.draw(messages(dialect, max_fields=12))
    wire = compiled._encode(message)
    bitmap = slice(compiled.bitmap_start, compiled.bitmap_start + len(_bitmap(compiled, message)))
    raw = data.draw(mutated(wire))
    if raw[bitmap] != wire[bitmap]:  # the codec looks a plan up by the bitmap: only the same bitmap reaches it
        return
    planned = planned_decode(compiled, list(message.fields), raw)
    assert planned is None or planned == general_decode(compiled, raw)


@pytest.mark.parametrize(("name", "message"), [
    ("terminal87", CHIP_SALE), ("terminal87", terminal87_golden.REFUND), ("cup-pos", cup_golden.SALE),
    ("cup-pos", cup_golden.SIGN_ON_ANSWER), ("iso87ascii", terminal87_golden.REFUND),
])
def test_a_plan_never_decodes_a_message_with_any_one_byte_changed_that_the_general_path_refuses(
        name: str, message: Message) -> None:
    compiled = get_dialect(name).compiled
    wire = compiled._encode(message)
    plan = compiled.plan_writer.decoder(list(message.fields))
    bitmap = range(compiled.bitmap_start, compiled.bitmap_start + len(_bitmap(compiled, message)))
    for position in range(len(wire)):
        if position in bitmap:  # the codec looks a plan up by the bitmap: only the same bitmap reaches it
            continue
        for value in {0x00, 0xFF, 0x0A, 0xA0, 0x3D, 0xD0, 0x0F, 0xF0, wire[position] ^ 0x01, wire[position] ^ 0x20,
                      wire[position] ^ 0x80}:  # 0x20: a letter's case
            raw = wire[:position] + bytes([value]) + wire[position + 1:]
            try:
                planned = plan(raw)
            except PLAN_FAULTS:
                continue
            assert planned is None or planned == general_decode(compiled, raw), (position, value)


@pytest.mark.parametrize(("name", "prefix_and_digits"), [
    ("terminal87", "20" + "44" * 10), ("terminal87", "A0" + "44" * 10), ("iso87binary", (b"20" + b"4" * 20).hex()),
])
def test_a_plan_refuses_a_length_prefix_over_the_fields_maximum_or_not_a_number(
        name: str, prefix_and_digits: str) -> None:
    compiled = get_dialect(name).compiled  # DE 2, the PAN: n..19
    start = compiled.bitmap_start + 8
    raw = compiled._encode(Message("0200", {2: "4" * 19}))[:start] + bytes.fromhex(prefix_and_digits)
    assert isinstance(general_decode(compiled, raw), DecodeError)
    assert planned_decode(compiled, [2], raw) is None


_ALPHABET = {ContentClass.N: "1234567890", ContentClass.AN: "A1b2", ContentClass.ANS: "a =~", ContentClass.Z: "12=3",
             ContentClass.XN: "123"}


def _good_values(spec: FieldSpec) -> list[FieldValue]:
    """Valid values of several lengths: the maximum, and for a variable field also 0, 1 and one less."""
    lengths = [spec.max_length] if spec.is_fixed else sorted({0, 1, spec.max_length - 1, spec.max_length} - {-1})
    if spec.content is ContentClass.B:
        return [bytes(range(256))[:n] for n in lengths]
    if spec.content is ContentClass.XN:
        return ["C" + "1" * spec.max_length, "D" + "0" * spec.max_length]
    return [(_ALPHABET[spec.content] * spec.max_length)[:n] for n in lengths]


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_field_of_every_dialect_is_encoded_by_its_plan_as_by_the_general_path(name: str) -> None:
    compiled = DIALECTS[name].compiled
    for number, spec in DIALECTS[name].fields.items():
        plan = compiled.plan_writer.encoder([number])
        for value in _good_values(spec) + _bad_values(spec):
            message = Message("0200", {number: value}, bytes(compiled.header_length))  # type: ignore[dict-item]
            try:
                planned = plan(message.fields, message.mti, message.header)
            except PLAN_FAULTS:
                continue
            assert planned is None or planned == general_encode(compiled, message), (number, value)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_field_of_every_dialect_is_decoded_by_its_plan_as_by_the_general_path(name: str) -> None:
    compiled = DIALECTS[name].compiled
    for number, spec in DIALECTS[name].fields.items():
        plan = compiled.plan_writer.decoder([number])
        for value in _good_values(spec):
            message = Message("0200", {number: value}, bytes(compiled.header_length))
            wire = compiled._encode(message)
            expected = general_decode(compiled, wire)  # the message (a byte-counted BCD n value keeps its pad 0)
            assert plan(wire) == expected or (value == "" and plan(wire) is None), number  # "" is left to the general
            start = compiled.bitmap_start + len(_bitmap(compiled, message))
            for position in {*range(start, min(start + 24, len(wire))), *range(max(start, len(wire) - 8), len(wire))}:
                for byte in {0x00, 0xFF, 0x0A, 0xA0, 0x3D, 0xD0, 0x0F, 0xF0, 0x61, 0x7F}:
                    raw = wire[:position] + bytes([byte]) + wire[position + 1:]
                    try:
                        planned = plan(raw)
                    except PLAN_FAULTS:
                        continue
                    assert planned is None or planned == general_decode(compiled, raw), (number, position, byte)


@pytest.mark.parametrize("name", ["terminal87", "iso87ascii"])
def test_a_plan_refuses_printable_text_that_is_not_ascii_in_an_ans_field(name: str) -> None:
    compiled = get_dialect(name).compiled  # DE 41, the terminal ID: ans 8
    wire = compiled._encode(Message("0800", {41: "TERM0001"}))
    raw = wire[:-8] + "TERM\u00e901".encode()  # 8 bytes of UTF-8, é printable
    assert isinstance(general_decode(compiled, raw), DecodeError)
    assert planned_decode(compiled, [41], raw) is None


def test_a_bcd_prefix_byte_is_its_two_digits_or_above_any_limit() -> None:
    assert [BCD_VALUE[int(f"{n:02d}", 16)] for n in range(100)] == list(range(100))
    assert all(BCD_VALUE[b] > 9999 for b in range(256) if (b >> 4) > 9 or (b & 15) > 9)


# -- plans for the messages possim sends ----------------------------------------------------------

@pytest.mark.parametrize(("name", "message"), [
    ("terminal87", CHIP_SALE), ("terminal87", CHIP_SALE_ANSWER), ("terminal87", terminal87_golden.REFUND),
    ("terminal87", terminal87_golden.RESPONSE), ("cup-pos", cup_golden.SALE), ("cup-pos", cup_golden.REFUND),
    ("iso87binary", terminal87_golden.RESPONSE),
])
def test_the_plans_of_possims_messages_take_them_in_one_step_with_every_field_inline(
        name: str, message: Message) -> None:
    compiled = get_dialect(name).compiled
    wire = compiled._encode(message)
    assert [n for n in message.fields if compiled.plan_writer.fields[n].kind == "call"] == []
    assert planned_encode(compiled, message) == wire
    assert planned_decode(compiled, list(message.fields), wire) == message


def test_offsets_before_the_first_variable_field_are_constants_in_the_plan() -> None:
    source = get_dialect("terminal87").compiled.plan_writer.decoder_source([3, 4, 35, 41])
    # header 0, MTI 2 bytes, bitmap 8: DE 3 at 10..13, DE 4 at 13..19, DE 35's prefix at 19, DE 41 after it.
    assert "data[10:13].hex()" in source and "data[13:19].hex()" in source
    assert "BCD_VALUE[data[19]]" in source and "data[o:o + 8]" in source


def test_a_plan_source_reads_as_a_function_of_the_field_set() -> None:
    writer = get_dialect("cup-pos").compiled.plan_writer
    assert writer.decoder_source([3, 64]).startswith("def decode(data):\n")
    assert writer.encoder_source([3, 64]).startswith("def encode(fields, mti, header):\n")
    assert "# field 64: b FIXED 8, binary (bytes)" in writer.decoder_source([3, 64])


def test_a_dialect_name_of_any_text_stays_inside_the_plans_docstring() -> None:
    dialect = get_dialect("terminal87").replace(name='x\'"""\n    raise SystemExit  # ')
    plain = get_dialect("terminal87").compiled.plan_writer.decoder_source([3])
    assert len(dialect.compiled.plan_writer.decoder_source([3]).splitlines()) == len(plain.splitlines())
    assert dialect.compiled.plan_writer.decoder([3])(encode(Message("0200", {3: "000000"}), dialect)) is not None


# -- learning -------------------------------------------------------------------------------------

def test_a_field_set_gets_its_encode_plan_once_the_general_path_has_encoded_it_learn_after_times() -> None:
    dialect = fresh("terminal87")
    for _ in range(LEARN_AFTER - 1):
        encode(CHIP_SALE, dialect)
    assert len(dialect.compiled.encode_plans) == 0
    encode(CHIP_SALE, dialect)
    assert list(dialect.compiled.encode_plans) == [bytes(CHIP_SALE.fields)]


def test_a_field_set_gets_its_decode_plan_once_the_general_path_has_decoded_it_learn_after_times() -> None:
    dialect = fresh("terminal87")
    wire = encode(CHIP_SALE, dialect)
    for _ in range(LEARN_AFTER - 1):
        decode(wire, dialect)
    assert len(dialect.compiled.decode_plans) == 0
    decode(wire, dialect)
    assert list(dialect.compiled.decode_plans) == [wire[2:10]]  # keyed by the primary bitmap


def test_a_dialect_keeps_at_most_max_plans_in_each_direction() -> None:
    specs = {n: FieldSpec(n, f"field {n}", ContentClass.N, LengthKind.FIXED, 2, Encoding.BCD) for n in range(2, 9)}
    dialect = Dialect("seven-fields", specs, mti_encoding=Encoding.BCD)
    field_sets = [[n for n in range(2, 9) if mask >> (n - 2) & 1] for mask in range(1, MAX_PLANS + 2)]
    for numbers in field_sets:
        message = Message("0100", {n: "12" for n in numbers})
        for _ in range(LEARN_AFTER):
            assert decode(encode(message, dialect), dialect) == message
    assert (len(dialect.compiled.encode_plans), len(dialect.compiled.decode_plans)) == (MAX_PLANS, MAX_PLANS)


def test_a_message_of_a_planned_field_set_in_a_bytearray_decodes_alike() -> None:
    dialect = fresh("cup-pos")
    for _ in range(LEARN_AFTER):
        decode(cup_golden.SALE_BYTES, dialect)
    assert decode(bytearray(cup_golden.SALE_BYTES), dialect) == decode(memoryview(cup_golden.SALE_BYTES), dialect) \
        == cup_golden.SALE


# -- the errors of a planned field set are those of the general path --------------------------------

def _planned(name: str, message: Message) -> Dialect:
    dialect = fresh(name)
    for _ in range(LEARN_AFTER):
        decode(encode(message, dialect), dialect)
    assert dialect.compiled.encode_plans and dialect.compiled.decode_plans
    return dialect


def test_a_bad_value_in_a_planned_field_set_names_its_field_as_before() -> None:
    dialect = _planned("terminal87", CHIP_SALE)
    bad = Message("0200", {**CHIP_SALE.fields, 4: "00000000100A"})
    with pytest.raises(EncodeError, match=r"^field 4: character 12 is not a digit$"):
        encode(bad, dialect)


def test_a_float_key_in_a_planned_field_set_is_refused_as_before() -> None:
    dialect = _planned("terminal87", CHIP_SALE)
    fields: dict[object, FieldValue] = dict(CHIP_SALE.fields)
    fields[3.0] = fields.pop(3)  # equal and of equal hash to 3: the plan of the set must not take it
    with pytest.raises(EncodeError, match=r"^3.0: field keys must be integers 2..128$"):
        encode(Message("0200", fields), dialect)  # type: ignore[arg-type]


def test_a_bad_nibble_in_a_planned_field_set_names_its_field_and_offset_as_before() -> None:
    dialect = _planned("terminal87", CHIP_SALE)
    wire = bytearray(encode(CHIP_SALE, dialect))
    wire[15] = 0x0A  # DE 4 starts at offset 13: its third byte
    with pytest.raises(DecodeError, match=r"^field 4: offset 15: bad BCD nibble 0xA$"):
        decode(bytes(wire), dialect)


def test_a_truncated_message_of_a_planned_field_set_names_the_field_it_ends_in() -> None:
    dialect = _planned("terminal87", CHIP_SALE)
    wire = encode(CHIP_SALE, dialect)
    with pytest.raises(DecodeError, match=r"^field 64: offset \d+: needs 8 bytes, only 3 left$"):
        decode(wire[:-5], dialect)


def test_a_trailing_byte_after_a_planned_field_set_is_refused_as_before() -> None:
    dialect = _planned("terminal87", CHIP_SALE)
    wire = encode(CHIP_SALE, dialect)
    with pytest.raises(DecodeError, match=rf"^1 trailing byte after the last field at offset {len(wire)}$"):
        decode(wire + b"\x00", dialect)
