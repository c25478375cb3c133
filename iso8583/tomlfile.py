"""Reading possim's TOML files (dialects, terminal.toml, host.toml, rules, scenarios): one typed error per failure.

A file that cannot be read, is not UTF-8, is not TOML, or nests tables or arrays so deeply that the
parser runs out of stack (``RecursionError``) is a bad input like any other: the caller's error class
(a ``ValueError`` subclass; the commands exit 2 with one line naming the file), never a traceback.
It lives in the lowest layer that reads TOML (dialect files) so every layer above shares it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

__all__ = ["read_toml"]


def read_toml(
    path: Path, error: type[ValueError], what: str = "the file", *, missing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The parsed document of ``path``; ``error`` naming ``path`` when it cannot be read or parsed.

    ``missing``: what an absent file means (e.g. ``{}`` for a data folder without a configuration);
    when None an absent file is an error like any unreadable one.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        if missing is not None:
            return dict(missing)
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not valid TOML: {what} is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: not valid TOML: tables or arrays nested too deeply") from None
