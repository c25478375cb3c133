"""``possim txn status | history | report | unlock``: what happened after the approval, from the journal.

``status`` looks one transaction up (``--rrn`` or ``--invoice``) and, with ``--host``, asks the host
where a refund's money is (0600 status inquiry); ``history`` lists transactions newest first (or
the supervisor audit trail with ``--type audit``); ``report`` gives the merchant's refund
statistics; ``unlock`` is the merchant admin's way to lift the supervisor lockout.

The look-ups that only read (``history``, ``report``, ``status`` without ``--host``) open the
journal read-only without the data folder's lock (:class:`~pos_terminal.engine.reader.JournalReader`),
so they answer at once while the device runs on the same folder; ``status --host`` and ``unlock``
write to the journal and take the lock like a transaction.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta

from pos_terminal.state.datafolder import MARKER_FILE
from pos_terminal.common.dates import iso_dates
from pos_terminal.engine.reader import JournalReader
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.journal import AmbiguousLookup, JournalError
from pos_terminal.state.records import TransactionRecord
from pos_terminal.common.results import Outcome
from pos_terminal.output.statistics import merchant_report
from pos_terminal.output.views import parse_day, transaction_view
from simulator.commands import txn_text
from simulator.commands.output import (
    EXIT_COMMUNICATION,
    EXIT_OK,
    EXIT_REFUSED,
    InputError,
    add_json_flag,
    data_folder,
    emit,
)
from simulator.commands.txn_options import config_for, engine_for, host_options, invoice_number, read_secret

HISTORY_TYPES = ("sale", "refund", "void", "audit")
DEFAULT_HISTORY_LIMIT = 100

_EXAMPLES = {
    "status": "possim txn status --data ./term-data --rrn 000000000002 --host tcp://127.0.0.1:8583",
    "history": "possim txn history --data ./term-data --type refund --from 2026-12-01 --to 2026-12-31",
    "report": "possim txn report --data ./term-data --from 2026-12-01 --to 2026-12-31 --json",
    "unlock": "possim txn unlock --data ./term-data --admin-password-stdin",
}


def register(operations: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the look-up sub-commands of ``possim txn``."""
    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = operations.add_parser(name, help=help_text, description=help_text,
                                       epilog=f"example:\n  {_EXAMPLES[name]}",
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
        add_json_flag(parser)
        return parser

    status = add("status", "one transaction's status; with --host, the host says where a refund's money is")
    host_options(status)
    which = status.add_mutually_exclusive_group(required=True)
    which.add_argument("--rrn", help="the transaction's RRN (from its receipt)")
    which.add_argument("--invoice", type=invoice_number, help="the transaction's invoice number")
    status.add_argument("--batch", type=int, help="the batch of --invoice when several batches have it")
    status.add_argument("--date", dest="on_day", help="the day of --rrn, YYYY-MM-DD (UTC), when transactions of "
                                                      "different days share it")
    status.set_defaults(handler=run_status, ask_host=None)

    history = add("history", "the journal's transactions, newest first (or --type audit: supervisor decisions)")
    _data_option(history)
    history.add_argument("--type", choices=HISTORY_TYPES, help="only this type")
    _period_options(history)
    history.add_argument("--limit", type=int, default=DEFAULT_HISTORY_LIMIT,
                         help=f"at most this many (default {DEFAULT_HISTORY_LIMIT}; 0: all)")
    history.set_defaults(handler=run_history)

    report = add("report", "the merchant's sales and refund statistics over a period")
    _data_option(report)
    _period_options(report)
    report.set_defaults(handler=run_report)

    unlock = add("unlock", "the merchant admin lifts the supervisor lockout (after too many wrong passwords)")
    _data_option(unlock)
    unlock.add_argument("--admin-password", help="the merchant admin password (visible in the process list: "
                                                 "prefer --admin-password-stdin)")
    unlock.add_argument("--admin-password-stdin", action="store_true",
                        help="read the merchant admin password from standard input")
    unlock.set_defaults(handler=run_unlock)


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=data_folder, help="the terminal's data folder")


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", help="from this day, YYYY-MM-DD (UTC)")
    parser.add_argument("--to", dest="date_to", help="to this day, YYYY-MM-DD (UTC), inclusive")


def _period(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    try:
        start = parse_day(args.date_from, "--from") if args.date_from else None
        end = parse_day(args.date_to, "--to") if args.date_to else None
    except ValueError as error:
        raise InputError(str(error)) from None
    if start is not None and end is not None and end < start:
        raise InputError(f"--to {args.date_to} is before --from {args.date_from}")
    return start, end


def _check_journal(args: argparse.Namespace) -> None:
    if not (args.data / "journal.sqlite3").exists() and not (args.data / MARKER_FILE).exists():
        raise InputError(f"no terminal journal in {args.data} (journal.sqlite3 not found)")


def _engine(args: argparse.Namespace) -> TerminalEngine:
    _check_journal(args)
    return engine_for(args)


def _reader(args: argparse.Namespace) -> JournalReader:
    """The journal, read-only and without the folder's lock: a running device does not make this wait."""
    _check_journal(args)
    return JournalReader.open(args.data, config_for(args))


def _find(reader: JournalReader | TerminalEngine, args: argparse.Namespace) -> TransactionRecord | None:
    if args.on_day is not None and args.rrn is None:
        raise InputError("--date goes with --rrn (an invoice is told apart by --batch)")
    try:
        day = parse_day(args.on_day, "--date").date() if args.on_day is not None else None
    except ValueError as error:
        raise InputError(str(error)) from None
    try:
        if args.rrn is not None:
            return reader.journal.find_by_rrn(args.rrn, day=day)
        return reader.journal.find_by_invoice(args.invoice, args.batch)
    except AmbiguousLookup as error:
        option = "--date YYYY-MM-DD" if args.rrn is not None else "--batch"
        invoices = ", ".join(f"{invoice:06d}" for invoice in error.invoices)
        raise InputError(f"{error.where} matches invoices {invoices}; give {option}") from None
    except JournalError as error:
        raise InputError(str(error).split(": ", 1)[-1]) from None


def run_status(args: argparse.Namespace) -> int:
    engine = _engine(args) if args.host else _reader(args)
    try:
        record = _find(engine, args)
        if record is None:
            which = f"RRN {args.rrn}" if args.rrn is not None else f"invoice {args.invoice:06d}"
            emit(args, {"error": f"no transaction with {which} in this terminal's journal"},
                 f"status: no transaction with {which} in this terminal's journal")
            return EXIT_REFUSED
        exit_code, host = EXIT_OK, None
        if isinstance(engine, TerminalEngine):  # --host: a 0600 to the host, journaled
            answer = asyncio.run(engine.inquire_status(record))
            host = {"response_code": answer.response_code, "error": answer.error, **iso_dates(answer.host_data)}
            if answer.outcome is Outcome.COMMUNICATION_FAILED:
                exit_code = EXIT_COMMUNICATION
            elif answer.outcome is Outcome.REFUSED:
                exit_code = EXIT_REFUSED
            record = engine.journal.get(record.id)
        view = transaction_view(engine.journal, record)
    finally:
        engine.close()
    payload = {**view.to_json(), **({"host": host} if host is not None else {})}
    emit(args, payload, txn_text.view_text(view, host))
    return exit_code


def run_history(args: argparse.Namespace) -> int:
    start, end = _period(args)
    if args.limit < 0:
        raise InputError(f"--limit {args.limit}: expected 0 (all) or a positive number")
    engine = _reader(args)
    try:
        limit = args.limit or None
        if args.type == "audit":
            records = [record for record in engine.journal.audit_records()
                       if (start is None or record.at >= start) and (end is None or record.at < _next_day(end))]
            entries = [{"at": f"{record.at:%Y-%m-%dT%H:%M:%SZ}", **record.detail} for record in records[:limit]]
            emit(args, {"audit": entries}, txn_text.audit_text(entries))
            return EXIT_OK
        records = engine.journal.transactions_between(start, _next_day(end) if end else None, txn_type=args.type,
                                                      limit=limit)
        views = [transaction_view(engine.journal, record) for record in records]
    finally:
        engine.close()
    emit(args, {"transactions": [view.to_json() for view in views]}, txn_text.history_text(views))
    return EXIT_OK


def _next_day(day: datetime) -> datetime:
    return day + timedelta(days=1)


def run_report(args: argparse.Namespace) -> int:
    start, end = _period(args)
    engine = _reader(args)
    try:
        report = merchant_report(engine.journal, date_from=start, date_to=end, currency=engine.config.currency)
    finally:
        engine.close()
    emit(args, report, txn_text.report_text(report))
    return EXIT_OK


def run_unlock(args: argparse.Namespace) -> int:
    read_secret(args, "admin_password", "merchant admin password: ")
    if not args.admin_password:
        raise InputError("unlock needs --admin-password or --admin-password-stdin")
    engine = _engine(args)
    try:
        result = asyncio.run(engine.unlock(args.admin_password))
    finally:
        engine.close()
    text = "unlock: supervisor functions unlocked" if result.outcome is Outcome.COMPLETED else f"unlock: {result.error}"
    emit(args, {"unlocked": result.outcome is Outcome.COMPLETED, "error": result.error}, text)
    return result.exit_code
