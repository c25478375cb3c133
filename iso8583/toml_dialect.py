"""User-defined dialects from TOML files (format: docs/dialects.md).

A file either defines a dialect from scratch or extends a built-in one with
``base = "terminal87"`` and overrides: top-level settings replace the base's,
a ``[fields.N]`` table replaces only the keys it names (a field the base does
not have must be complete), and ``remove = true`` drops a field. Every
mistake (unknown key, bad value, impossible field) is a
:class:`~iso8583.errors.DialectError` naming the file and the key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from iso8583.dialect import (
    BitmapEncoding,
    ContentClass,
    Dialect,
    Encoding,
    FieldSpec,
    LengthCount,
    LengthKind,
    PadSide,
    SecondaryBitmap,
)
from iso8583.dialects import get_dialect
from iso8583.errors import DialectError
from iso8583.tomlfile import read_toml

_TOP_KEYS = frozenset({"name", "base", "description", "protocol", "masked_fields", "mti_encoding", "bitmap_encoding", "secondary_bitmap",
                       "header_length", "fields"})
_FIELD_KEYS = frozenset({"name", "class", "length", "max", "data_encoding", "length_encoding", "length_count",
                         "pad", "pad_char", "remove"})
_REQUIRED_FIELD_KEYS = ("class", "length", "max", "data_encoding")
_LENGTH_KINDS = {"fixed": LengthKind.FIXED, "ll": LengthKind.LL, "lll": LengthKind.LLL, "llll": LengthKind.LLLL}

E = TypeVar("E", bound=enum.Enum)


def load_dialect_toml(path: str | Path) -> Dialect:
    """Read the dialect defined in the TOML file at ``path``."""
    path = Path(path)
    document = read_toml(path, DialectError, "the dialect file")
    return dialect_from_mapping(document, source=str(path))


def resolve_dialect(name: str | Path) -> Dialect:
    """The dialect ``name`` means: a built-in dialect by name, or the dialect in the TOML file ``name`` when it
    ends in ``.toml`` (read once per file version; every command that names a dialect goes through here)."""
    text = str(name)
    if not text.lower().endswith(".toml"):
        return get_dialect(text)
    path = Path(text).expanduser().resolve()
    try:
        version = path.stat().st_mtime_ns
    except OSError as error:
        raise DialectError(f"{text}: cannot read: {error.strerror or error}") from None
    return _load_version(path, version)


@lru_cache(maxsize=32)
def _load_version(path: Path, version: int) -> Dialect:
    """One file version's dialect (memoised, so its compiled codec is reused)."""
    return load_dialect_toml(path)


def dialect_from_mapping(document: Mapping[str, Any], source: str = "<dialect>") -> Dialect:
    """Build a dialect from an already parsed TOML document (see :func:`load_dialect_toml`)."""
    _reject_unknown(document, _TOP_KEYS, source)
    base_name = document.get("base")
    base: Dialect | None = None
    if base_name is not None:
        try:
            base = get_dialect(_string(document, "base", source))
        except DialectError as error:
            raise DialectError(f"{source}: base: {error}") from None
    if "name" not in document:
        raise DialectError(f"{source}: the dialect needs a name")
    fields = _merge_fields(document.get("fields", {}), base.fields if base else {}, source)
    settings: dict[str, Any] = {
        "name": _string(document, "name", source),
        "fields": fields,
        "description": _string(document, "description", source) if "description" in document else
        (f"{base.name} with overrides" if base else ""),
        "mti_encoding": _enum(document, "mti_encoding", Encoding, source, base.mti_encoding if base else Encoding.ASCII),
        "bitmap_encoding": _enum(document, "bitmap_encoding", BitmapEncoding, source,
                                 base.bitmap_encoding if base else BitmapEncoding.BINARY),
        "secondary_bitmap": _enum(document, "secondary_bitmap", SecondaryBitmap, source,
                                  base.secondary_bitmap if base else SecondaryBitmap.AUTO),
        "header_length": _integer(document, "header_length", source, base.header_length if base else 0),
        "protocol": _string(document, "protocol", source) if "protocol" in document else
        (base.protocol if base else Dialect.protocol),
        "masked_fields": _field_numbers(document, "masked_fields", source) if "masked_fields" in document else
        (base.masked_fields if base else frozenset()),
    }
    try:
        return Dialect(**settings)
    except DialectError as error:
        raise DialectError(f"{source}: {error}") from None


def _merge_fields(table: object, inherited: Mapping[int, FieldSpec], source: str) -> dict[int, FieldSpec]:
    if not isinstance(table, Mapping):
        raise DialectError(f"{source}: fields must be a table of [fields.N] tables")
    fields = dict(inherited)
    for key, entry in table.items():
        where = f"{source}: fields.{key}"
        if not (isinstance(key, str) and key.isdigit()):
            raise DialectError(f"{where}: field keys are numbers 2..128")
        number = int(key)
        if not isinstance(entry, Mapping):
            raise DialectError(f"{where}: must be a table")
        _reject_unknown(entry, _FIELD_KEYS, where)
        if entry.get("remove") is True:
            if len(entry) > 1:
                raise DialectError(f"{where}: 'remove = true' cannot be combined with other keys")
            fields.pop(number, None)
            continue
        if "remove" in entry and entry["remove"] is not False:
            raise DialectError(f"{where}: remove must be true or false")
        fields[number] = _field_spec(number, entry, fields.get(number), where)
    return fields


def _field_spec(number: int, entry: Mapping[str, Any], base: FieldSpec | None, where: str) -> FieldSpec:
    if base is None:
        missing = [key for key in _REQUIRED_FIELD_KEYS if key not in entry]
        if missing:
            raise DialectError(f"{where}: a new field needs {', '.join(missing)}")
    content = _enum(entry, "class", ContentClass, where, base.content if base else None)
    class_changed = base is not None and content is not base.content
    keep_pad = base is not None and not class_changed
    length = entry.get("length")
    if length is not None and (not isinstance(length, str) or length.lower() not in _LENGTH_KINDS):
        raise DialectError(f"{where}: length must be one of fixed, LL, LLL, LLLL")
    pad_side = _enum(entry, "pad", PadSide, where, None, required=False)
    settings: dict[str, Any] = {
        "number": number,
        "name": _string(entry, "name", where) if "name" in entry else (base.name if base else f"Field {number}"),
        "content": content,
        "length_kind": _LENGTH_KINDS[length.lower()] if length is not None else base.length_kind,  # type: ignore[union-attr]
        "max_length": _integer(entry, "max", where, base.max_length if base else 0),
        "data_encoding": _enum(entry, "data_encoding", Encoding, where, base.data_encoding if base else None),
        "length_encoding": _enum(entry, "length_encoding", Encoding, where,
                                 base.length_encoding if base else Encoding.ASCII),
        "length_count": _enum(entry, "length_count", LengthCount, where,
                              base.length_count if base else LengthCount.CONTENT),
        "pad_side": pad_side if pad_side is not None else (base.pad_side if keep_pad else None),  # type: ignore[union-attr]
        "pad_char": _string(entry, "pad_char", where) if "pad_char" in entry else
        (base.pad_char if keep_pad else None),  # type: ignore[union-attr]
    }
    try:
        return FieldSpec(**settings)
    except DialectError as error:
        raise DialectError(f"{where}: {error}") from None


def _reject_unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise DialectError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _string(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise DialectError(f"{where}: {key} must be a non-empty string")
    return value


def _field_numbers(table: Mapping[str, Any], key: str, where: str) -> frozenset[int]:
    value = table[key]
    if not isinstance(value, list) or any(isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 128
                                          for n in value):
        raise DialectError(f"{where}: {key} must be a list of field numbers 2..128")
    return frozenset(value)


def _integer(table: Mapping[str, Any], key: str, where: str, default: int) -> int:
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise DialectError(f"{where}: {key} must be an integer")
    return value


def _enum(table: Mapping[str, Any], key: str, kind: type[E], where: str, default: E | None,
          required: bool = True) -> E | None:
    if key not in table:
        if default is None and required:  # pragma: no cover - callers check required keys first
            raise DialectError(f"{where}: {key} is required")
        return default
    value = table[key]
    choices = [member.value for member in kind]
    if isinstance(value, str):
        for member in kind:
            if member.value == value.lower():
                return member
    raise DialectError(f"{where}: {key} must be one of {', '.join(choices)}")
