"""BER-TLV encoding and decoding (EMV 4.4 Book 3 Annex B).

Expected bytes are written from the encoding rules of Annex B (tag, then length in short
form up to 127, '81' + 1 byte up to 255, '82' + 2 bytes beyond), not from our encoder.
Random trees are cross-checked against pyemv.tlv.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyemv import tlv as pyemv_tlv

from emv import tlv
from emv.errors import EmvError, TlvError
from emv.tlv import Tlv


def test_decodes_a_one_byte_tag_with_short_length() -> None:
    assert tlv.decode(bytes.fromhex("9C0120")) == [Tlv("9C", b"\x20")]


def test_decodes_a_two_byte_tag() -> None:
    assert tlv.decode(bytes.fromhex("9F0206000000012345")) == [Tlv("9F02", bytes.fromhex("000000012345"))]


def test_decodes_a_three_byte_tag() -> None:
    # 'DF' announces more bytes; '81' has b8 set so another follows; '01' ends the tag.
    assert tlv.decode(bytes.fromhex("DF810102ABCD"))[0].tag == "DF8101"


def test_decodes_long_form_length_81() -> None:
    data = bytes.fromhex("9F1081C8") + bytes(200)
    assert tlv.decode(data)[0].value == bytes(200)


def test_decodes_long_form_length_82() -> None:
    data = bytes.fromhex("7082011D") + bytes.fromhex("DF01820118") + bytes(0x118)
    (record,) = tlv.decode(data)
    assert record.length == 0x11D and record.children[0].length == 0x118


def test_keeps_the_order_of_objects() -> None:
    data = bytes.fromhex("9F3704112233449F02060000000001009C0100")
    assert [item.tag for item in tlv.decode(data)] == ["9F37", "9F02", "9C"]


def test_decodes_constructed_objects_recursively() -> None:
    # Template '77' (constructed: b6 of '77' is set) holding CID and ATC.
    (template,) = tlv.decode(bytes.fromhex("77099F2701809F36020001"))
    assert template.constructed
    assert template.children == (Tlv("9F27", b"\x80"), Tlv("9F36", b"\x00\x01"))


def test_skips_zero_padding_between_objects() -> None:
    assert [item.tag for item in tlv.decode(bytes.fromhex("9C010000009A03240101"))] == ["9C", "9A"]


def test_decodes_the_pyemv_documentation_example() -> None:
    # pyemv.tlv.decode docstring: '9C0101E0055F2A0202089F0200'.
    items = tlv.decode(bytes.fromhex("9C0101E0055F2A0202089F0200"))
    assert tlv.flatten(items) == {"9C": b"\x01", "5F2A": b"\x02\x08", "9F02": b""}


def test_encodes_short_length() -> None:
    assert tlv.encode([Tlv.primitive("9F27", b"\x80")]) == bytes.fromhex("9F270180")


def test_encodes_length_128_with_81() -> None:
    assert tlv.encode([Tlv.primitive("9F10", bytes(128))])[:4] == bytes.fromhex("9F108180")


def test_encodes_length_256_with_82() -> None:
    assert tlv.encode([Tlv.primitive("9F10", bytes(256))])[:5] == bytes.fromhex("9F10820100")


def test_encodes_nested_templates() -> None:
    inner = Tlv.primitive("86", bytes.fromhex("8424000008"))
    outer = Tlv.nested("72", [Tlv.primitive("9F18", bytes(4)), inner])
    assert tlv.encode([outer]) == bytes.fromhex("720E9F180400000000" + "86058424000008")


def test_nested_refuses_a_primitive_tag() -> None:
    with pytest.raises(TlvError):
        Tlv.nested("9F02", [])


def test_primitive_refuses_a_constructed_tag() -> None:
    with pytest.raises(TlvError):
        Tlv.primitive("70", b"")


def test_truncated_tag_names_the_offset() -> None:
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex("9C01209F"))
    assert caught.value.offset == 3 and "truncated" in str(caught.value)


def test_missing_length_names_tag_and_offset() -> None:
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex("9C01209F02"))
    assert (caught.value.tag, caught.value.offset) == ("9F02", 5)


def test_truncated_long_length_is_refused() -> None:
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex("9F108201"))
    assert caught.value.tag == "9F10" and "truncated" in str(caught.value)


def test_length_beyond_data_names_tag_and_offset() -> None:
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex("9C01209F0206000000"))
    assert (caught.value.tag, caught.value.offset) == ("9F02", 3)
    assert "runs past the end" in str(caught.value)


@pytest.mark.parametrize("length_byte", ["80", "83", "84", "FF"])
def test_bad_long_length_form_is_refused(length_byte: str) -> None:
    with pytest.raises(TlvError, match="bad long length form"):
        tlv.decode(bytes.fromhex("9F10" + length_byte + "00000000"))


def test_error_inside_a_template_gives_the_absolute_offset() -> None:
    # '70 04' then '9F02 06 00' inside: the child claims 6 bytes but the template holds 1 more.
    with pytest.raises(TlvError) as caught:
        tlv.decode(bytes.fromhex("9A03240101" + "7004" + "9F020600"))
    assert (caught.value.tag, caught.value.offset) == ("9F02", 7)


def test_tlv_error_is_an_emv_error_and_a_value_error() -> None:
    assert issubclass(TlvError, EmvError) and issubclass(TlvError, ValueError)


def test_get_value_finds_nested_tags() -> None:
    items = tlv.decode(bytes.fromhex("77079F2701409F3600"))
    assert tlv.get_value(items, "9F27") == b"\x40"
    assert tlv.get_value(items, "9F26") is None


def test_flatten_keeps_the_first_occurrence() -> None:
    items = tlv.decode(bytes.fromhex("9C01009C0120"))
    assert tlv.flatten(items) == {"9C": b"\x00"}


def test_normalize_tag_accepts_ints_and_lower_case() -> None:
    assert tlv.normalize_tag(0x9F02) == "9F02" and tlv.normalize_tag("5f2a") == "5F2A"


def test_normalize_tag_refuses_a_malformed_multi_byte_tag() -> None:
    with pytest.raises(TlvError):
        tlv.normalize_tag("9F")


# --- property tests against pyemv.tlv -------------------------------------------------

_one_byte_primitive = st.integers(0x01, 0xFF).filter(lambda b: b & 0x20 == 0 and b & 0x1F != 0x1F)
_one_byte_constructed = st.integers(0x01, 0xFF).filter(lambda b: b & 0x20 and b & 0x1F != 0x1F)
_two_byte_primitive = st.tuples(st.sampled_from([0x5F, 0x9F, 0xDF]), st.integers(0x01, 0x7F))
_primitive_tag = st.one_of(
    _one_byte_primitive.map(lambda b: f"{b:02X}"),
    _two_byte_primitive.map(lambda t: f"{t[0]:02X}{t[1]:02X}"),
)
_constructed_tag = _one_byte_constructed.map(lambda b: f"{b:02X}")


def _tree(depth: int) -> st.SearchStrategy[dict[str, object]]:
    leaf = st.binary(max_size=300)
    if depth == 0:
        return st.dictionaries(_primitive_tag, leaf, max_size=5)
    return st.dictionaries(
        st.one_of(_primitive_tag, _constructed_tag), st.just(None), max_size=5
    ).flatmap(
        lambda keys: st.fixed_dictionaries(
            {tag: (_tree(depth - 1) if tlv.is_constructed(tag) else leaf) for tag in keys}
        )
    )


def _to_tlvs(tree: dict[str, object]) -> list[Tlv]:
    items = []
    for tag, value in tree.items():
        if isinstance(value, dict):
            items.append(Tlv.nested(tag, _to_tlvs(value)))
        else:
            assert isinstance(value, bytes)
            items.append(Tlv.primitive(tag, value))
    return items


def _to_tree(items: list[Tlv]) -> dict[str, object]:
    return {item.tag: (_to_tree(list(item.children)) if item.constructed else item.value) for item in items}


@given(_tree(2))
def test_encode_matches_pyemv(tree: dict[str, object]) -> None:
    assert tlv.encode(_to_tlvs(tree)) == pyemv_tlv.encode(tree)


@given(_tree(2))
def test_decode_reads_what_pyemv_encodes(tree: dict[str, object]) -> None:
    assert _to_tree(tlv.decode(pyemv_tlv.encode(tree))) == tree


@given(_tree(2))
def test_decode_then_encode_gives_back_the_bytes(tree: dict[str, object]) -> None:
    data = pyemv_tlv.encode(tree)
    assert tlv.encode(tlv.decode(data)) == data


@given(st.binary(max_size=64))
def test_decode_of_random_bytes_either_parses_or_raises_tlv_error(data: bytes) -> None:
    try:
        tlv.decode(data)
    except TlvError as error:
        assert 0 <= error.offset <= len(data)


def _flat_or_error(read: object, data: bytes) -> object:
    try:
        return read(data)  # type: ignore[operator]
    except TlvError as error:
        return ("TlvError", str(error), error.offset)


@given(_tree(2))
def test_decode_flat_is_flatten_of_decode_on_well_formed_data(tree: dict[str, object]) -> None:
    data = pyemv_tlv.encode(tree)
    assert tlv.decode_flat(data) == tlv.flatten(tlv.decode(data))


@given(st.binary(max_size=64))
def test_decode_flat_gives_the_same_values_or_the_same_error_as_decode_on_any_bytes(data: bytes) -> None:
    assert _flat_or_error(tlv.decode_flat, data) == _flat_or_error(lambda raw: tlv.flatten(tlv.decode(raw)), data)
