"""``possim txn ...`` and ``possim cards``: the terminal core with no UI, for scripts and CI.

One sub-command per operation, each with its own options, help and examples
(``possim txn refund --help``). Exit codes: 0 the host answered (approved or declined) or the
look-up succeeded, 1 the terminal refused (wrong or locked supervisor password, a policy rule,
an unknown transaction), 2 bad input, 3 communication failure.

Secrets: ``--pin`` and ``--supervisor-password`` are visible in the process list while the
command runs; ``--pin-stdin`` / ``--supervisor-password-stdin`` / ``--admin-password-stdin``
read them from standard input instead (one line each, in that order: supervisor password,
PIN, admin password), or prompt for them without echo when standard input is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import fields, replace

from emv.cards import EntryMode, load_test_cards
from pos_terminal.output.ereceipt import EReceiptError, check_outbox, recipient_address
from pos_terminal.common.results import Outcome, TxnResult
from protocols.money import currency
from simulator.commands import txn_lookup, txn_text
from simulator.commands.output import InputError, add_json_flag, emit
from simulator.commands.txn_options import (
    engine_for,
    host_options,
    invoice_number,
    pin_digits,
    read_secret,
)
from simulator.txn_api import OPERATIONS, TxnOptions, run_operation

_EXAMPLES = {
    "signon": "possim txn signon --host tcp://127.0.0.1:8583 --data ./term-data",
    "signoff": "possim txn signoff --host tcp://127.0.0.1:8583 --data ./term-data --dialect cup-pos",
    "echo": "possim txn echo --host tcp://127.0.0.1:8583 --data ./term-data",
    "sale": "possim txn sale --data ./term-data --card visa_credit --entry chip --amount 20.00 --pin-stdin\n"
            "  possim txn sale --data ./term-data --card visa_gbp --amount 20.00 --pin-stdin --dcc accept",
    "refund": "possim txn refund --data ./term-data --card visa_credit --amount 5.00 --original-rrn 000000000001 \\\n"
              "      --original-date 1202 --supervisor-password-stdin --reason 01 --email jane@example.com",
    "void": "possim txn void --data ./term-data --invoice 2 --supervisor-password-stdin",
    "settle": "possim txn settle --data ./term-data --supervisor-password-stdin --json",
}
_HELP = {
    "signon": "0800 sign-on (master/session keys: loads new session keys)",
    "signoff": "sign-off (cup-pos: 0820, 60.3 = 002): the working keys are dropped; refused (exit 1) by "
               "protocols without one (possim-87)",
    "echo": "0800 echo test; sends any pending reversal afterwards",
    "sale": "a purchase with a test card",
    "refund": "a refund of an earlier sale (by its RRN and date, or its invoice), supervisor approved",
    "void": "cancel a sale or refund of the open batch by its invoice, supervisor approved",
    "settle": "close the batch with the host (0500, batch upload on a mismatch), supervisor approved",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim txn`` (one sub-command per operation and look-up) and ``possim cards``."""
    txn = subparsers.add_parser(
        "txn", help="run one terminal transaction against a host, or look one up, without the UI",
        description="Run one terminal operation against a host, or look up the terminal's journal. "
                    "`possim txn OPERATION --help` lists each operation's options with an example.",
    )
    operations = txn.add_subparsers(dest="operation", required=True, metavar="OPERATION", parser_class=type(txn))
    for name in OPERATIONS:
        parser = operations.add_parser(name, help=_HELP[name], description=_HELP[name],
                                       epilog=f"example:\n  {_EXAMPLES[name]}",
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
        host_options(parser)
        _OPTION_ADDERS[name](parser)
        add_json_flag(parser)
        parser.set_defaults(handler=run_txn)
    txn_lookup.register(operations)

    cards = subparsers.add_parser("cards", help="list the shipped test cards (masked PAN, brand, entry modes, PIN)")
    add_json_flag(cards)
    cards.set_defaults(handler=run_cards)


def _card_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--card", required=True, help="a shipped test card by name (see `possim cards`)")
    parser.add_argument("--entry", choices=[mode.value for mode in EntryMode], default="chip",
                        help="how the card is read (default chip)")
    parser.add_argument("--amount", required=True, help="amount in major units of the terminal's currency, "
                                                        "e.g. 12.34 (USD) or 1000 (JPY)")
    parser.add_argument("--pin", type=pin_digits, help="the cardholder's PIN (visible in the process list: "
                                                       "prefer --pin-stdin)")
    parser.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    _ereceipt_options(parser)


def _supervisor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supervisor-password", help="the supervisor password (visible in the process list: "
                                                      "prefer --supervisor-password-stdin)")
    parser.add_argument("--supervisor-password-stdin", action="store_true",
                        help="read the supervisor password from standard input")


def _ereceipt_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--email", help="also write an e-receipt for this e-mail address into DATA/outbox")
    group.add_argument("--phone", help="also write an e-receipt for this phone number into DATA/outbox")


def _sale_options(parser: argparse.ArgumentParser) -> None:
    _card_options(parser)
    parser.add_argument("--currency", help="the sale's currency, ISO 4217 (EUR or 978): one of terminal.toml's "
                                           "currencies (default: its currency)")
    parser.add_argument("--dcc", choices=("accept", "decline"),
                        help="the cardholder's choice when the terminal (dcc = true) gets a DCC offer for a card "
                             "billed in another currency: accept (pay in the card's currency) or decline "
                             "(the merchant's; the default)")


def _refund_options(parser: argparse.ArgumentParser) -> None:
    _card_options(parser)
    parser.add_argument("--original-rrn", help="the original sale's RRN (12 digits, from its receipt)")
    parser.add_argument("--original-date", help="the original sale's date, MMDD (with --original-rrn)")
    parser.add_argument("--invoice", type=invoice_number, help="the original sale's invoice number "
                                                              "(instead of --original-rrn)")
    parser.add_argument("--reason", help="refund reason code: 01 goods returned, 02 service cancelled, "
                                         "03 damaged goods, 04 price adjustment, 05 duplicate charge, 99 other")
    parser.add_argument("--currency", help="the refund's currency, ISO 4217 (default: its sale's; another is "
                                           "refused, and a DCC sale's refund goes back in the card's currency)")
    _supervisor_options(parser)


def _void_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--invoice", type=invoice_number, required=True, help="the invoice to void (open batch)")
    _supervisor_options(parser)
    _ereceipt_options(parser)


def _no_options(parser: argparse.ArgumentParser) -> None:
    del parser


_OPTION_ADDERS = {"signon": _no_options, "signoff": _no_options, "echo": _no_options, "sale": _sale_options,
                  "refund": _refund_options, "void": _void_options, "settle": _supervisor_options}


def _txn_options(args: argparse.Namespace) -> TxnOptions:
    """The :class:`TxnOptions` of parsed command-line arguments (options a sub-command lacks keep their default)."""
    return TxnOptions(**{f.name: getattr(args, f.name, f.default) for f in fields(TxnOptions)})


def _check_ereceipt(args: argparse.Namespace) -> tuple[str, str] | None:
    """``(recipient, kind)`` of ``--email`` / ``--phone``, checked before anything is sent (exit 2)."""
    to = getattr(args, "email", None) or getattr(args, "phone", None)
    if to is None:
        return None
    kind = "email" if args.email else "phone"
    try:
        recipient_address(to, kind)
        check_outbox(args.data)
    except EReceiptError as error:
        raise InputError(f"--{kind}: {error}") from None
    return to, kind


def run_txn(args: argparse.Namespace) -> int:
    read_secret(args, "supervisor_password", "supervisor password: ")
    if args.operation == "settle" and not args.supervisor_password:
        # refused before anything is opened or sent: a script written before settlement needed approval
        message = ("settle needs the supervisor's approval: give --supervisor-password-stdin "
                   "(or --supervisor-password)")
        refused = TxnResult("settle", Outcome.REFUSED, error=message)
        emit(args, refused.to_json(), txn_text.result_text(refused))
        return refused.exit_code
    read_secret(args, "pin", "PIN: ")
    recipient = _check_ereceipt(args)
    engine = engine_for(args)
    try:
        result = asyncio.run(run_operation(engine, args.operation, _txn_options(args)))
        if recipient is not None and result.transaction_id is not None and result.outcome is Outcome.COMPLETED:
            archive = engine.receipts()
            assert archive is not None
            path = archive.send(engine.journal.get(result.transaction_id), *recipient)
            result = replace(result, ereceipt_file=str(path))
    finally:
        engine.close()
    emit(args, result.to_json(), txn_text.result_text(result))
    return result.exit_code


def run_cards(args: argparse.Namespace) -> int:
    cards = load_test_cards()
    rows = [
        {"name": name, "brand": card.brand.value, "pan": card.masked_pan,
         "entry_modes": sorted(mode.value for mode in card.entry_modes), "pin": card.pin,
         "description": card.description, "country": card.country, "billing_currency": card.billing_currency}
        for name, card in cards.items()
    ]
    header = f"{'NAME':<22} {'BRAND':<11} {'PAN':<20} {'PIN':<7} {'COUNTRY':<8} {'BILLING':<8} ENTRY MODES"
    text = "\n".join([header] + [
        f"{row['name']:<22} {row['brand']:<11} {row['pan']:<20} {row['pin'] or '-':<7} {row['country']:<8} "
        f"{currency(row['billing_currency']).alpha:<8} {','.join(row['entry_modes'])}"
        for row in rows])
    emit(args, {"cards": rows}, text)
    return 0
