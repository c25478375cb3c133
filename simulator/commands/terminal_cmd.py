"""``possim terminal --host URL --data DIR [--dialect NAME]``: the device UI against any host (ours, or your test host)."""

from __future__ import annotations

import argparse
import asyncio

from simulator.commands.output import EXIT_OK, data_folder, dialect_name, host_url

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim terminal``."""
    parser = subparsers.add_parser("terminal", help="the device UI (keypad, card reader, printer, message log) "
                                                    "against a host")
    parser.add_argument("--host", type=host_url, help="host URL, e.g. tcp://127.0.0.1:8583 or serial:///dev/ttyUSB0?baud=9600 "
                                       "(default: the data folder's terminal.toml)")
    parser.add_argument("--data", required=True, type=data_folder, help="the terminal's data folder (journal, keys, config)")
    parser.add_argument("--dialect", type=dialect_name,
                        help="ISO 8583 dialect: terminal87, iso87ascii, iso87binary, cup-pos or a TOML dialect "
                             "(default: terminal.toml)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the UI until the user quits (ctrl+q)."""
    from simulator.tui.launch import run_terminal  # late import: Textual only for the UI commands

    asyncio.run(run_terminal(args.data, args.host, getattr(args, "dialect", None)))
    return EXIT_OK
