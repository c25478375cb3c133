"""``possim txn ...`` and ``possim cards``: the terminal core with no UI, for scripts and CI.

Exit codes (design.md section 4): 0 the host answered (approved or declined), 1 the terminal
refused the transaction itself, 2 bad input, 3 communication failure.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field, fields
from decimal import Decimal, DecimalException
from typing import Any

from emv.cards import EntryMode, load_test_cards
from pos_terminal.cards import present_test_card
from pos_terminal.config import load_config
from pos_terminal.engine import RefundRequest, TerminalEngine
from pos_terminal.results import TxnResult
from pos_terminal.security import KeyScheme
from simulator.commands.output import InputError, add_json_flag, data_folder, emit

_MAX_MINOR_UNITS = 999_999_999_999
"""DE 4 is n 12."""
OPERATIONS = ("signon", "echo", "sale", "refund", "void", "settle")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim txn`` and ``possim cards``."""
    txn = subparsers.add_parser("txn", help="run one terminal transaction against a host, without the UI")
    txn.add_argument("operation", choices=OPERATIONS)
    txn.add_argument("--host", help="host URL, e.g. tcp://127.0.0.1:8583 (default: the data folder's config)")
    txn.add_argument("--data", required=True, type=data_folder, help="the terminal's data folder (journal, keys, config)")
    txn.add_argument("--card", help="a shipped test card (see `possim cards`)")
    txn.add_argument("--entry", choices=[mode.value for mode in EntryMode], default="chip")
    txn.add_argument("--amount", help="amount in major units, e.g. 12.34")
    txn.add_argument("--pin", type=pin_digits, help="the cardholder's PIN (never logged or journaled)")
    txn.add_argument("--original-rrn", help="refund: the original sale's RRN")
    txn.add_argument("--original-date", help="refund: the original sale's date, MMDD")
    txn.add_argument("--invoice", type=invoice_number, help="void: the invoice to void; refund: the original's invoice")
    txn.add_argument("--supervisor-password", default=None)
    txn.add_argument("--reason", help="refund reason code")
    txn.add_argument("--timeout", type=float, help="seconds to wait for the host's response")
    txn.add_argument("--dialect", help="ISO 8583 dialect (default: the data folder's config)")
    txn.add_argument("--key-scheme", choices=[scheme.value for scheme in KeyScheme])
    add_json_flag(txn)
    txn.set_defaults(handler=run_txn)

    cards = subparsers.add_parser("cards", help="list the shipped test cards")
    add_json_flag(cards)
    cards.set_defaults(handler=run_cards)


def invoice_number(text: str) -> int:
    """argparse type of ``--invoice``: 1 to 999999, as the terminal numbers invoices."""
    if not (text.isdigit() and 1 <= int(text) <= 999_999):
        raise argparse.ArgumentTypeError(f"invoice must be 1 to 999999, got {text[:20]!r}")
    return int(text)


def pin_digits(text: str) -> str:
    """argparse type of ``--pin``: 4 to 12 digits (ISO 9564-1); the message never repeats the PIN."""
    if not (text.isascii() and text.isdigit() and 4 <= len(text) <= 12):
        raise argparse.ArgumentTypeError(f"PIN must be 4 to 12 digits, got {len(text)} characters")
    return text


def parse_amount(text: str | None, exponent: int = 2) -> int:
    """Major units as typed ("12.34") to minor units (1234), exactly: no float on the way."""
    if text is None:
        raise InputError("--amount is required")
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InputError(f"--amount {text!r} is not a finite number")
        minor = value.scaleb(exponent)
    except DecimalException:
        raise InputError(f"--amount {text!r} is not a usable number") from None
    if minor != minor.to_integral_value() or not 0 < minor <= _MAX_MINOR_UNITS:
        raise InputError(f"--amount {text!r} must be positive, at most 12 digits with {exponent} decimals")
    return int(minor)


def _engine(args: argparse.Namespace) -> TerminalEngine:
    args.data.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host_url"] = args.host
    if args.timeout is not None:
        overrides["response_timeout"] = args.timeout
    if args.dialect:
        overrides["dialect"] = args.dialect
    if args.key_scheme:
        overrides["key_scheme"] = KeyScheme(args.key_scheme)
    config = load_config(args.data)
    return TerminalEngine.open(args.data, config.with_overrides(**overrides) if overrides else config)


@dataclass(frozen=True)
class TxnOptions:
    """What one operation needs, from the command line or from a scenario step."""

    card: str | None = None
    entry: str = "chip"
    amount: str | None = None
    pin: str | None = field(default=None, repr=False)
    original_rrn: str | None = None
    original_date: str | None = None
    invoice: int | None = None
    supervisor_password: str | None = field(default=None, repr=False)
    reason: str | None = None

    @classmethod
    def names(cls) -> frozenset[str]:
        """The option names (the same on the command line and in a scenario step)."""
        return frozenset(option.name for option in fields(cls))

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TxnOptions:
        return cls(**{name: getattr(args, name) for name in cls.names()})


async def run_operation(engine: TerminalEngine, operation: str, options: TxnOptions) -> TxnResult:
    """Run one of ``OPERATIONS`` on ``engine``; bad options raise :class:`InputError`."""
    if operation == "signon":
        return await engine.sign_on()
    if operation == "echo":
        return await engine.echo()
    if operation == "settle":
        return await engine.settle()
    if operation == "void":
        if options.invoice is None:
            raise InputError("void needs --invoice")
        return await engine.void(options.invoice, options.supervisor_password or "")
    if operation not in ("sale", "refund"):
        raise InputError(f"unknown operation {operation!r}; known: {', '.join(OPERATIONS)}")
    if not options.card:
        raise InputError(f"{operation} needs --card (see `possim cards`)")
    try:
        entry = EntryMode(options.entry)
    except ValueError:
        raise InputError(f"entry {options.entry!r}: expected one of {', '.join(m.value for m in EntryMode)}") from None
    card = present_test_card(options.card, entry)
    amount = parse_amount(options.amount)
    if operation == "sale":
        return await engine.sale(card, amount, options.pin)
    return await engine.refund(RefundRequest(
        card=card, amount=amount, supervisor_password=options.supervisor_password or "",
        original_rrn=options.original_rrn, original_date=options.original_date,
        original_invoice=options.invoice, reason=options.reason, pin=options.pin,
    ))


def run_txn(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        result = asyncio.run(run_operation(engine, args.operation, TxnOptions.from_args(args)))
    finally:
        engine.close()
    payload = result.to_json()
    emit(args, payload, _text(result))
    return result.exit_code


def _text(result: TxnResult) -> str:
    lines = [f"{result.operation}: " + ("APPROVED" if result.approved else result.error or
                                         f"DECLINED {result.response_code}")]
    for key, value in result.to_json().items():
        if value not in (None, {}, []) and key not in ("operation", "receipt"):
            lines.append(f"  {key}: {value}")
    return "\n".join(lines + list(result.receipt))


def run_cards(args: argparse.Namespace) -> int:
    cards = load_test_cards()
    rows = [
        {"name": name, "brand": card.brand.value, "pan": card.masked_pan,
         "entry_modes": sorted(mode.value for mode in card.entry_modes), "description": card.description}
        for name, card in cards.items()
    ]
    text = "\n".join(f"{row['name']:<22} {row['brand']:<11} {row['pan']:<20} {','.join(row['entry_modes'])}"
                     for row in rows)
    emit(args, {"cards": rows}, text)
    return 0
