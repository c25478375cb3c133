"""The ``possim`` console script: make sure ``iso8583`` is possim's codec, then run the command line.

pyiso8583 installs a top-level package named ``iso8583`` too. Installed into the same environment, one
overwrites or shadows the other, and possim would fail on its first import with a traceback that says
nothing useful. This check says it in one line (exit 2) before anything else is imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence

EXIT_BAD_ENVIRONMENT = 2


def foreign_codec() -> str | None:
    """Why the importable ``iso8583`` is not possim's codec, or None when it is."""
    spec = importlib.util.find_spec("iso8583")
    if spec is None:
        return "the package 'iso8583' (possim's ISO 8583 codec) is missing: reinstall possim"
    where = spec.origin or (list(spec.submodule_search_locations or []) or ["?"])[0]
    try:
        codec = importlib.import_module("iso8583")
        ours = callable(getattr(codec, "resolve_dialect", None)) and callable(getattr(codec, "get_dialect", None))
    except Exception:  # the foreign package fails to import at all
        ours = False
    if not ours:
        return (f"the package 'iso8583' at {where} is not possim's codec (pyiso8583 installs a package of the "
                "same name): install possim in a virtual environment of its own")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Check the codec, then hand over to :func:`simulator.cli.main`."""
    problem = foreign_codec()
    if problem is not None:
        sys.stderr.write(f"possim: {problem}\n")
        return EXIT_BAD_ENVIRONMENT
    from simulator.cli import main as cli_main

    return cli_main(argv)
