"""Dialect definitions: validation of field specs, defaults, the registry."""

from __future__ import annotations

import pytest

from iso8583.dialect import (
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
from iso8583.errors import DialectError


def spec(**changes: object) -> FieldSpec:
    settings: dict[str, object] = dict(number=2, name="PAN", content=ContentClass.N, length_kind=LengthKind.LL,
                                       max_length=19)
    settings.update(changes)
    return FieldSpec(**settings)  # type: ignore[arg-type]


def test_numeric_bcd_fields_pad_with_a_leading_zero_by_default() -> None:
    assert (spec().pad_side, spec().pad_char) == (PadSide.LEFT, "0")


def test_track_fields_pad_with_a_trailing_f_by_default() -> None:
    track = spec(number=35, content=ContentClass.Z, max_length=37)
    assert (track.pad_side, track.pad_char) == (PadSide.RIGHT, "F")


@pytest.mark.parametrize(("content", "encoding"), [
    (ContentClass.N, Encoding.BINARY), (ContentClass.AN, Encoding.BCD), (ContentClass.B, Encoding.BCD),
])
def test_a_class_refuses_a_data_encoding_it_cannot_carry(content: ContentClass, encoding: Encoding) -> None:
    with pytest.raises(DialectError, match=f"class {content.value} cannot use {encoding.value} data"):
        spec(content=content, data_encoding=encoding)


def test_signed_amounts_are_fixed_length_only() -> None:
    with pytest.raises(DialectError, match="x\\+n is fixed length only"):
        spec(content=ContentClass.XN)


def test_maximum_must_fit_the_length_prefix() -> None:
    with pytest.raises(DialectError, match="a LL ascii prefix holds at most 99, max_length needs 100"):
        spec(max_length=100)


def test_byte_counted_hex_field_checks_its_encoded_maximum_against_the_prefix() -> None:
    with pytest.raises(DialectError, match="a LL ascii prefix holds at most 99, max_length needs 100"):
        spec(content=ContentClass.B, max_length=50, length_count=LengthCount.ENCODED)


def test_binary_ll_prefix_holds_up_to_255() -> None:
    assert spec(content=ContentClass.B, data_encoding=Encoding.BINARY, length_encoding=Encoding.BINARY,
                max_length=255).max_length == 255


@pytest.mark.parametrize("number", [0, 1, 129])
def test_field_numbers_are_2_to_128(number: int) -> None:
    with pytest.raises(DialectError, match="number must be 2..128"):
        spec(number=number)


def test_fixed_field_needs_a_positive_length() -> None:
    with pytest.raises(DialectError, match="fixed field needs a length of at least 1"):
        spec(length_kind=LengthKind.FIXED, max_length=0)


def test_pad_char_must_be_a_hex_digit() -> None:
    with pytest.raises(DialectError, match="pad_char must be one hexadecimal digit"):
        spec(data_encoding=Encoding.BCD, pad_char="X")


def test_dialect_rejects_a_spec_filed_under_another_number() -> None:
    with pytest.raises(DialectError, match="field 3 is declared as number 2"):
        Dialect("d", {3: spec()})


def test_dialect_without_secondary_bitmap_rejects_fields_above_64() -> None:
    with pytest.raises(DialectError, match="field 70 needs a secondary bitmap"):
        Dialect("d", {70: spec(number=70)}, secondary_bitmap=SecondaryBitmap.NEVER)


def test_dialect_fields_are_read_only_and_sorted() -> None:
    dialect = Dialect("d", {35: spec(number=35, content=ContentClass.Z, max_length=37), 2: spec()})
    assert list(dialect.fields) == [2, 35]
    with pytest.raises(TypeError):
        dialect.fields[3] = spec(number=3)  # type: ignore[index]


def test_registry_lists_the_built_in_dialects() -> None:
    assert dialect_names() == ("cup-pos", "iso2003", "iso87ascii", "iso87binary", "iso93binary", "iso93ebcdic",
                               "terminal87", "terminal87-tpdu")


def test_registry_returns_the_same_dialect_object_so_its_compiled_codec_is_reused() -> None:
    assert get_dialect("terminal87") is get_dialect("terminal87")
    assert get_dialect("terminal87").compiled is get_dialect("terminal87").compiled


def test_unknown_dialect_name_lists_the_known_ones() -> None:
    with pytest.raises(DialectError, match="unknown dialect 'iso99' \\(built-in: cup-pos, iso2003, iso87ascii, iso87binary"):
        get_dialect("iso99")


def test_terminal87_tpdu_differs_from_terminal87_only_by_its_header() -> None:
    plain, tpdu = get_dialect("terminal87"), get_dialect("terminal87-tpdu")
    assert (plain.header_length, tpdu.header_length) == (0, 5)
    assert plain.fields == tpdu.fields


def test_built_in_iso87_dialects_define_every_field_but_1_and_65() -> None:
    for name in ("iso87ascii", "iso87binary", "terminal87", "terminal87-tpdu"):
        assert set(get_dialect(name).fields) == set(range(2, 129)) - {65}
