"""``possim decode``: dissect a hex dump of an ISO 8583 message.

``possim decode --dialect NAME [--reveal] [--json] HEX|-`` decodes the
message with a built-in dialect (or a dialect TOML file) and prints it field
by field, masking cardholder data unless ``--reveal``. ``-`` reads the hex
from stdin; whitespace in the hex is ignored, so pasted dumps work. Bad hex,
an unknown dialect or an undecodable message raise a ValueError subclass
(``InputError`` or an :mod:`iso8583.errors` class) that
:func:`simulator.cli.main` prints as one line with exit 2.
"""

from __future__ import annotations

import argparse
import sys

from iso8583.codec import decode
from iso8583.dialects import dialect_names
from iso8583.dump import render_text, to_json
from iso8583.toml_dialect import resolve_dialect
from simulator.commands.output import EXIT_OK, InputError, add_json_flag, emit

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim decode``."""
    parser = subparsers.add_parser(
        "decode", help="dissect an ISO 8583 message given in hex",
        description="Decode an ISO 8583 message and show it field by field (PAN, track data, "
                    "PIN block, MAC and ICC data masked unless --reveal).",
    )
    parser.add_argument("--dialect", required=True,
                        help=f"built-in dialect ({', '.join(dialect_names())}) or a dialect .toml file")
    parser.add_argument("--reveal", action="store_true", help="show cardholder data unmasked")
    add_json_flag(parser)
    parser.add_argument("hex", metavar="HEX", help="the message in hex, or - to read it from stdin")
    parser.set_defaults(handler=run_decode)


def run_decode(args: argparse.Namespace) -> int:
    """Decode ``args.hex`` with ``args.dialect`` and print it; return the exit code."""
    dialect = resolve_dialect(args.dialect)
    text = sys.stdin.read() if args.hex == "-" else args.hex
    message = decode(parse_message_hex(text), dialect)
    emit(args, to_json(message, dialect, reveal=args.reveal),
         text=render_text(message, dialect, reveal=args.reveal))
    return EXIT_OK



def parse_message_hex(text: str) -> bytes:
    """The bytes a hex dump spells; whitespace is ignored. The message never echoes the input."""
    cleaned = "".join(text.split())
    if not cleaned:
        raise InputError("no message: expected hex digits")
    for index, char in enumerate(cleaned):
        if char not in _HEX_DIGITS:
            raise InputError(f"HEX: character {index + 1} is not a hex digit")
    if len(cleaned) % 2:
        raise InputError(f"HEX: odd number of hex digits ({len(cleaned)})")
    return bytes.fromhex(cleaned)
