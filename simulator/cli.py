"""The ``possim`` command line: one entry point, one module per command group.

Each module in :mod:`simulator.commands` exposes ``register(subparsers)``, which
adds its sub-command(s) and sets ``handler`` on the parsed arguments. A handler
returns the exit code. Contracts: exit 0 on success, 1 when the terminal refuses,
2 on bad input with one line on stderr (never a traceback for input errors), 3 on
a communication failure; ``--json`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from simulator.commands import COMMAND_MODULES
from pos_terminal.state.datafolder import DataFolderError, TerminalBusy
from pos_terminal.journal.errors import JournalError
from simulator.host.folderlock import HostBusy
from simulator.commands.output import EXIT_BAD_INPUT, EXIT_REFUSED, InputError
from simulator.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The full parser, assembled from every command module."""
    parser = _Parser(prog="possim", description="POS terminal refund simulator")
    parser.add_argument("--version", action="version", version=f"possim {possim_version()}",
                        help="print the version of possim and exit")
    parser.add_argument(
        "--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default=None,
        help="log to stderr at this level (card data masked); default: warnings only",
    )
    # Commands that run other command lines (the tour) get this one, instead of importing this module back.
    parser.set_defaults(command_line=main)
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def possim_version() -> str:
    """The installed distribution's version (pyproject.toml), or ``unknown`` when run from a bare checkout."""
    try:
        return metadata.version("possim")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a single line (the contract), not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``possim`` with ``argv`` (default: the process arguments); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log_level:
        configure_logging(args.log_level)
    try:
        return int(args.handler(args))
    except (InputError, ValueError) as error:
        # Every library error family (keys.errors.CryptoError, iso8583 and emv errors)
        # derives from ValueError and carries a message safe to show.
        sys.stderr.write(f"possim {args.command}: {error}\n")
        return EXIT_BAD_INPUT
    except (TerminalBusy, HostBusy) as error:  # another process has the data folder: refused (exit 1)
        sys.stderr.write(f"possim {args.command}: {error}\n")
        return EXIT_REFUSED
    except (DataFolderError, JournalError) as error:  # a corrupt, unreadable or half-lost data folder
        sys.stderr.write(f"possim {args.command}: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `possim ... | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
    except OSError as error:  # a data folder or file that cannot be used: one line, not a traceback
        sys.stderr.write(f"possim {args.command}: {error.strerror or error}: {error.filename or ''}\n")
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
