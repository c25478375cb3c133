"""``possim tour``: a guided tour on published test data, offline and in well under a second.

Each step is a real command run through the command line (handed over as ``args.command_line``)
and printed with its real answer: the calculator (``possim keys``), the shipped test cards
(``possim cards``), an ISO 8583 message (``possim decode``) and EMV data (``possim emv tlv``).
The commands that start a host or the device UI are only named at the end: the tour starts no
server. ``STEPS`` is public so that a test can run every command shown on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
from collections.abc import Callable, Sequence
from typing import NamedTuple

from iso8583.codec import encode
from iso8583.dialects import get_dialect
from iso8583.message import Message


class Step(NamedTuple):
    """One tour step: the command group it shows, a title, and the arguments after ``possim``."""

    group: str
    title: str
    argv: list[str]


_TEST_KEY = "0123456789ABCDEFFEDCBA9876543210"

# A network management echo test (0800, DE 70 = 301) as a terminal sends it, in the terminal87 layout.
ECHO_HEX = encode(Message("0800", {7: "1207101500", 11: "000001", 41: "TERM0001", 70: "301"}),
                  get_dialect("terminal87")).hex().upper()

_GROUPS = {
    "keys": "The calculator: keys, PIN blocks and MACs (`possim keys`)",
    "cards": "The shipped test cards (`possim cards`)",
    "decode": "ISO 8583 messages, field by field (`possim decode`)",
    "emv": "EMV data: BER-TLV with tag names (`possim emv`)",
}

# The demonstration inputs are the standards' own public test data.
STEPS: tuple[Step, ...] = (
    Step("keys", "TDES key check value of the classic test key", ["keys", "kcv", "--key", _TEST_KEY]),
    Step("keys", "DUKPT TDES keys, ANSI X9.24-1:2009 Annex A test BDK and KSN",
         ["keys", "dukpt", "--bdk", _TEST_KEY, "--ksn", "FFFF9876543210E00001"]),
    Step("keys", "DUKPT AES keys, ANSI X9.24-3-2017 sample BDK and KSN",
         ["keys", "dukpt", "--bdk", "FEDCBA9876543210F1F1F1F1F1F1F1F1", "--ksn", "123456789012345600000001"]),
    Step("keys", "ISO 9564-1 format 0 PIN block, enciphered under a TDES key",
         ["keys", "pinblock", "--format", "0", "--pin", "1234", "--pan", "4111111111111111", "--key", _TEST_KEY]),
    Step("keys", "ANSI X9.19 retail MAC (ISO 9797-1 algorithm 3)",
         ["keys", "mac", "--alg", "iso9797-1-alg3", "--key", _TEST_KEY,
          "--data", "4E6F77206973207468652074696D6520666F7220616C6C20"]),
    Step("keys", "AES-CMAC, RFC 4493 example 2",
         ["keys", "mac", "--alg", "aes-cmac", "--key", "2B7E151628AED2A6ABF7158809CF4F3C",
          "--data", "6BC1BEE22E409F96E93D7E117393172A"]),
    Step("cards", "The test cards a transaction can use (--card NAME), PANs masked", ["cards"]),
    Step("decode", "An echo test (0800, network code 301) in the terminal87 layout",
         ["decode", "--dialect", "terminal87", ECHO_HEX]),
    Step("emv", "Amount, authorised (9F02) and application transaction counter (9F36)",
         ["emv", "tlv", "9F02060000000010009F36020001"]),
)

_NEXT = """\
## A host and a terminal (named, not run: they start a server or the device UI)
possim run                     # the device UI with an embedded host on 127.0.0.1 (what `make run` starts)
possim host --listen tcp://127.0.0.1:0 --data ./host-data       # the acquirer host emulator on its own
possim txn signon --host tcp://127.0.0.1:PORT --data ./term-data  # then one sale against it, no UI:
possim txn sale --host tcp://127.0.0.1:PORT --data ./term-data --card visa_credit --amount 20.00 --pin 1234

Try `possim --help` and `possim COMMAND --help` (e.g. `possim txn sale --help`) for more."""


def run_tour(args: argparse.Namespace) -> int:
    """Run each tour step through the real command line and print it with its answer.

    The command line hands itself over as ``args.command_line`` (see :func:`simulator.cli.build_parser`):
    this module is one of its parts and does not import it back.
    """
    main: Callable[[Sequence[str]], int] = args.command_line
    print("possim: a POS terminal refund simulator. A tour on published test data.\n")
    failures = 0
    group = ""
    for step in STEPS:
        if step.group != group:
            group = step.group
            print(f"## {_GROUPS[group]}\n")
        answer = io.StringIO()
        with contextlib.redirect_stdout(answer):
            code = main(step.argv)
        failures += code != 0
        print(f"# {step.title}\n$ possim {shlex.join(step.argv)}")
        print(answer.getvalue().rstrip() + "\n")
    print(_NEXT)
    return 1 if failures else 0
