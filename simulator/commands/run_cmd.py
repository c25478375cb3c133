"""``possim run``: the main job that ``make run`` starts.

Until the device UI lands (issue 7) this is a guided tour of the calculator on
the published test keys, so a newcomer sees real output from a fresh clone:
each line shows the command a user would type and its answer.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
import sys

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
    """Add ``possim run``."""
    parser = subparsers.add_parser("run", help="the main job of `make run` (for now: a tour of the calculator)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run each tour step through the real command line and print it with its answer."""
    from simulator.cli import main  # late import: cli imports this module

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))
