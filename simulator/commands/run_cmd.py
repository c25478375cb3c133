"""``possim run`` (the main job of ``make run``) and ``possim tour``.

``possim run [--data DIR]`` starts the acquirer host emulator in this process on a free port
of 127.0.0.1 (host data in ``DIR/host``, terminal data in ``DIR/terminal``; default
``./possim-data``), with the test keys and cards, and opens the device UI against it. The
host stops when the UI exits.

``possim tour`` is a guided tour of the calculator on the published test keys: each line
shows the command a user would type and its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.commands.output import data_folder

DEFAULT_DATA = Path("possim-data")

# The demonstration inputs are the standards' own public test data.
_TOUR: tuple[tuple[str, list[str]], ...] = (
    ("TDES key check value of the classic test key",
     ["keys", "kcv", "--key", "0123456789ABCDEFFEDCBA9876543210"]),
    ("DUKPT TDES keys, ANSI X9.24-1:2009 Annex A test BDK and KSN",
     ["keys", "dukpt", "--bdk", "0123456789ABCDEFFEDCBA9876543210", "--ksn", "FFFF9876543210E00001"]),
    ("DUKPT AES keys, ANSI X9.24-3-2017 sample BDK and KSN",
     ["keys", "dukpt", "--bdk", "FEDCBA9876543210F1F1F1F1F1F1F1F1", "--ksn", "123456789012345600000001"]),
    ("ISO 9564-1 format 0 PIN block, enciphered under a TDES key",
     ["keys", "pinblock", "--format", "0", "--pin", "1234", "--pan", "4111111111111111",
      "--key", "0123456789ABCDEFFEDCBA9876543210"]),
    ("ANSI X9.19 retail MAC (ISO 9797-1 algorithm 3)",
     ["keys", "mac", "--alg", "iso9797-1-alg3", "--key", "0123456789ABCDEFFEDCBA9876543210",
      "--data", "4E6F77206973207468652074696D6520666F7220616C6C20"]),
    ("AES-CMAC, RFC 4493 example 2",
     ["keys", "mac", "--alg", "aes-cmac", "--key", "2B7E151628AED2A6ABF7158809CF4F3C",
      "--data", "6BC1BEE22E409F96E93D7E117393172A"]),
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim run`` and ``possim tour``."""
    parser = subparsers.add_parser("run", help="the main job of `make run`: the device UI with the embedded "
                                               "host emulator on 127.0.0.1")
    parser.add_argument("--data", type=data_folder, default=DEFAULT_DATA,
                        help=f"data folder: DATA/host for the host, DATA/terminal for the terminal "
                             f"(default: ./{DEFAULT_DATA})")
    parser.set_defaults(handler=run)
    tour = subparsers.add_parser("tour", help="a guided tour of the calculator on published test data")
    tour.set_defaults(handler=run_tour)


def run(args: argparse.Namespace) -> int:
    """Run the embedded host and the UI in one event loop until the user quits."""
    from simulator.tui.launch import run_embedded  # late import: Textual only for the UI commands

    url = asyncio.run(run_embedded(args.data))
    print(f"possim: the embedded host on {url} stopped; data kept in {args.data}")
    return 0


def run_tour(args: argparse.Namespace) -> int:
    """Run each tour step through the real command line and print it with its answer.

    The command line hands itself over as ``args.command_line`` (see :func:`simulator.cli.build_parser`):
    this module is one of its parts and does not import it back.
    """
    main: Callable[[Sequence[str]], int] = args.command_line
    print("possim: a POS terminal refund simulator. A tour of the calculator on published test data.\n")
    failures = 0
    for title, argv in _TOUR:
        answer = io.StringIO()
        with contextlib.redirect_stdout(answer):
            code = main(argv)
        failures += code != 0
        print(f"# {title}\n$ possim {shlex.join(argv)}")
        print(answer.getvalue().rstrip() + "\n")
    print("Try `possim --help` and `possim keys --help` for more.")
    return 1 if failures else 0
