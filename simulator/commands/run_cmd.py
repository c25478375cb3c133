"""``possim run`` (the main job of ``make run``) and ``possim tour``.

``possim run [--data DIR]`` starts the acquirer host emulator in this process on a free port
of 127.0.0.1 (host data in ``DIR/host``, terminal data in ``DIR/terminal``; default
``./possim-data``), with the test keys and cards, and opens the device UI against it. The
host stops when the UI exits. ``--dialect NAME`` makes both speak ``NAME`` (cup-pos...).

``possim tour`` (:mod:`simulator.commands.tour`) is a guided tour on published test data: each
step shows the command a user would type and its answer (keys, cards, decode, emv).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from simulator.commands.output import data_folder, dialect_name
from simulator.commands.tour import run_tour

DEFAULT_DATA = Path("possim-data")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim run`` and ``possim tour``."""
    parser = subparsers.add_parser("run", help="the main job of `make run`: the device UI with the embedded "
                                               "host emulator on 127.0.0.1")
    parser.add_argument("--data", type=data_folder, default=DEFAULT_DATA,
                        help=f"data folder: DATA/host for the host, DATA/terminal for the terminal "
                             f"(default: ./{DEFAULT_DATA})")
    parser.add_argument("--dialect", type=dialect_name,
                        help="the dialect both the device and the embedded host speak: terminal87, iso87ascii, "
                             "iso87binary, cup-pos or a TOML dialect (default: each data folder's TOML file)")
    parser.set_defaults(handler=run)
    tour = subparsers.add_parser("tour", help="a guided tour on published test data: keys, cards, decode, emv")
    tour.set_defaults(handler=run_tour)


def run(args: argparse.Namespace) -> int:
    """Run the embedded host and the UI in one event loop until the user quits."""
    from simulator.tui.launch import run_embedded  # late import: Textual only for the UI commands

    url = asyncio.run(run_embedded(args.data, getattr(args, "dialect", None)))
    print(f"possim: the embedded host on {url} stopped; data kept in {args.data}")
    return 0
