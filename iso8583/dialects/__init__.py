"""The built-in dialects, by name.

``get_dialect(name)`` returns a shared, immutable :class:`~iso8583.dialect.Dialect`
(built on first request and memoised, so its compiled codec is reused).
User dialects come from TOML files: see :func:`iso8583.toml_dialect.load_dialect_toml`
and docs/dialects.md.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from functools import cache

from iso8583.dialect import Dialect
from iso8583.dialects import cup_pos, iso87ascii, iso87binary, iso93, terminal87
from iso8583.errors import DialectError

_BUILDERS: Mapping[str, Callable[[], Dialect]] = types.MappingProxyType({
    iso87ascii.NAME: iso87ascii.build,
    iso87binary.NAME: iso87binary.build,
    terminal87.NAME: terminal87.build,
    terminal87.TPDU_NAME: terminal87.build_with_tpdu,
    cup_pos.NAME: cup_pos.build,
    iso93.BINARY_NAME: iso93.build_binary,
    iso93.EBCDIC_NAME: iso93.build_ebcdic,
    iso93.ISO2003_NAME: iso93.build_2003,
})


def dialect_names() -> tuple[str, ...]:
    """Names of the built-in dialects, sorted."""
    return tuple(sorted(_BUILDERS))


@cache
def get_dialect(name: str) -> Dialect:
    """The built-in dialect called ``name``; :class:`DialectError` for an unknown name."""
    builder = _BUILDERS.get(name)
    if builder is None:
        raise DialectError(f"unknown dialect {name!r} (built-in: {', '.join(dialect_names())})")
    return builder()
