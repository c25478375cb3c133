"""``possim run`` (the main job of ``make run``) and ``possim tour``.

``possim run [--data DIR]`` starts the acquirer host emulator in this process on a free port
of 127.0.0.1 (host data in ``DIR/host``, terminal data in ``DIR/terminal``; default
``./possim-data``), with the test keys and cards, and opens the device UI against it. The
host stops when the UI exits. ``--http ADDR:PORT`` opens the host's web console beside it;
``--dialect NAME`` makes both speak ``NAME`` (cup-pos...).

``possim tour`` (:mod:`simulator.commands.tour`) is a guided tour on published test data: each
step shows the command a user would type and its answer (keys, cards, decode, emv).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from simulator.commands.output import InputError, data_folder, dialect_name
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
    parser.add_argument("--http", metavar="ADDR:PORT", help="also serve the host's HTTP API and web console, e.g. "
                        "127.0.0.1:8080 (docs/host-api.md); default: DATA/host/host.toml, else off")
    parser.add_argument("--http-token-file", metavar="FILE", help="the console's token (required for a "
                        "non-loopback --http address)")
    parser.set_defaults(handler=run)
    tour = subparsers.add_parser("tour", help="a guided tour on published test data: keys, cards, decode, emv")
    tour.set_defaults(handler=run_tour)


def run(args: argparse.Namespace) -> int:
    """Run the embedded host and the UI in one event loop until the user quits."""
    from simulator.commands.host_cmd import console_options
    from simulator.host.config import load_host_config
    from simulator.host.httpaddress import ConsoleConfigError
    from simulator.tui.launch import run_embedded  # late import: Textual only for the UI commands

    console = console_options(args, load_host_config(args.data / "host"))
    try:
        url = asyncio.run(run_embedded(args.data, console, getattr(args, "dialect", None)))
    except ConsoleConfigError as error:  # the console's address cannot be bound
        raise InputError(str(error)) from None
    print(f"possim: the embedded host on {url} stopped; data kept in {args.data}")
    return 0
