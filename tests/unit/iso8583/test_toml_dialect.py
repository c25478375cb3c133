"""User dialects from TOML: extending a built-in, defining from scratch, and precise errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iso8583.codec import decode, encode
from iso8583.dialect import ContentClass, Encoding, LengthKind, PadSide
from iso8583.dialects import get_dialect
from iso8583.errors import DialectError
from iso8583.message import Message
from iso8583.toml_dialect import load_dialect_toml

DOCS = Path(__file__).resolve().parents[3] / "docs" / "dialects.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dialect.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_extending_a_built_in_overrides_only_the_named_keys(tmp_path: Path) -> None:
    dialect = load_dialect_toml(write(tmp_path, """
        name = "acme"
        base = "terminal87"
        header_length = 5
        [fields.62]
        data_encoding = "ebcdic"
    """))
    base = get_dialect("terminal87")
    assert (dialect.name, dialect.header_length, dialect.mti_encoding) == ("acme", 5, Encoding.BCD)
    assert dialect.fields[62].data_encoding is Encoding.EBCDIC
    assert dialect.fields[62].length_encoding is base.fields[62].length_encoding
    assert {n: s for n, s in dialect.fields.items() if n != 62} == {n: s for n, s in base.fields.items() if n != 62}


def test_removed_field_is_no_longer_defined(tmp_path: Path) -> None:
    dialect = load_dialect_toml(write(tmp_path, 'name = "x"\nbase = "iso87ascii"\n[fields.48]\nremove = true\n'))
    assert 48 not in dialect.fields


def test_changing_a_field_class_resets_its_padding_to_the_class_default(tmp_path: Path) -> None:
    dialect = load_dialect_toml(write(tmp_path, 'name = "x"\nbase = "terminal87"\n[fields.36]\nclass = "n"\n'))
    assert (dialect.fields[36].pad_side, dialect.fields[36].pad_char) == (PadSide.LEFT, "0")


def test_dialect_from_scratch_encodes_and_decodes(tmp_path: Path) -> None:
    dialect = load_dialect_toml(write(tmp_path, """
        name = "tiny"
        mti_encoding = "bcd"
        bitmap_encoding = "hex-ascii"
        secondary_bitmap = "never"
        [fields.3]
        class = "n"
        length = "fixed"
        max = 6
        data_encoding = "bcd"
        [fields.41]
        name = "Terminal ID"
        class = "ans"
        length = "fixed"
        max = 8
        data_encoding = "ebcdic"
    """))
    assert dialect.fields[41].length_kind is LengthKind.FIXED and dialect.fields[3].content is ContentClass.N
    message = Message("0800", {3: "990000", 41: "TERM0001"})
    assert encode(message, dialect).hex().upper() == "0800" + "2000000000800000".encode().hex().upper() \
        + "990000" + "E3C5D9D4F0F0F0F1"
    assert decode(encode(message, dialect), dialect) == message


def test_new_field_must_name_its_class_length_max_and_encoding(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match=r"fields\.3: a new field needs length, max, data_encoding"):
        load_dialect_toml(write(tmp_path, 'name = "x"\n[fields.3]\nclass = "n"\n'))


def test_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match=r"fields\.2: unknown key 'maximum'"):
        load_dialect_toml(write(tmp_path, 'name = "x"\nbase = "iso87ascii"\n[fields.2]\nmaximum = 19\n'))


def test_bad_enum_value_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match="bitmap_encoding must be one of binary, hex-ascii"):
        load_dialect_toml(write(tmp_path, 'name = "x"\nbitmap_encoding = "hex"\n'))


def test_impossible_field_is_reported_with_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "x"\nbase = "iso87ascii"\n[fields.2]\nmax = 100\n')
    with pytest.raises(DialectError, match=re.escape(f"{path}: fields.2: field 2 (Primary account number (PAN)): "
                                                     "a LL ascii prefix holds at most 99")):
        load_dialect_toml(path)


def test_unknown_base_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match="base: unknown dialect 'iso93'"):
        load_dialect_toml(write(tmp_path, 'name = "x"\nbase = "iso93"\n'))


def test_invalid_toml_is_a_dialect_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "name = \n")
    with pytest.raises(DialectError, match=f"^{re.escape(str(path))}: not valid TOML"):
        load_dialect_toml(path)


def test_missing_file_is_a_dialect_error(tmp_path: Path) -> None:
    with pytest.raises(DialectError, match="cannot read"):
        load_dialect_toml(tmp_path / "absent.toml")


def test_the_example_in_docs_dialects_md_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/dialects.md has no toml example"
    for block in blocks:
        load_dialect_toml(write(tmp_path, block))
