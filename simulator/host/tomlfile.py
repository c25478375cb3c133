"""Reading the host's TOML files (host.toml, a rules file): every failure one typed error naming the file.

A file that cannot be read, is not UTF-8, is not TOML, or nests tables or arrays so deeply that
the parser runs out of stack (``RecursionError``) is a bad input like any other: the caller's
error class (a ``ValueError``: ``possim host`` exits 2 with one line), never a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

__all__ = ["read_toml"]


def read_toml(path: Path, error: type[ValueError], what: str = "configuration") -> dict[str, Any]:
    """The parsed document of ``path``; ``error`` (naming ``path``) when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {what} is not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: {what} nests tables or arrays too deeply") from None
