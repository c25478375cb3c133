"""``possim host``: the acquirer host emulator on TCP or a serial port.

``possim host --listen URL --data DIR [--rules FILE] [--dialect NAME]`` prints exactly
``listening on URL`` (with the real port when the URL asks for port 0) as its first line on
stdout, then serves until SIGINT or SIGTERM and exits 0. With ``--http ADDR:PORT`` (or ``http`` in
host.toml) the next line is ``console on http://ADDR:PORT``: the HTTP API, live traffic, ``/metrics``
and the web console (docs/host-api.md).

``possim host report --data DIR [--json] [--terminal TID] [--batch N]`` summarises the host
journal per terminal and batch (docs/host-report.md): a readable table, or one JSON object
with ``--json``. Exit 0, or 2 with one line on stderr when there is no journal or an option
is malformed. The report only reads the journal; it may run while the host serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.commands.output import EXIT_OK, InputError, add_json_flag, data_folder, emit, listen_url
from simulator.eventloops import EventLoopChoice, EventLoopUnavailable, run_on


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim host``."""
    parser = subparsers.add_parser("host", help="run the acquirer host emulator (TCP or serial)")
    parser.add_argument("--listen", type=listen_url, help="channel URL, e.g. tcp://127.0.0.1:8583 (port 0: any free port) or "
                                         "serial:///dev/ttyUSB0?baud=9600; default: host.toml, else "
                                         "tcp://127.0.0.1:8583")
    parser.add_argument("--data", default=".", type=data_folder, help="data folder: host.toml, journal, keys (default: .)")
    parser.add_argument("--rules", help="TOML file of scripted behaviour (docs/host-rules.md)")
    parser.add_argument("--dialect", help="ISO 8583 dialect: a built-in name or a TOML dialect file "
                                          "(default: host.toml, else terminal87)")
    parser.add_argument("--http", metavar="ADDR:PORT", help="also serve the HTTP API, live traffic, /metrics and "
                        "the web console, e.g. 127.0.0.1:8080 (port 0: a free port; docs/host-api.md); default: "
                        "host.toml, else off")
    parser.add_argument("--http-token-file", metavar="FILE", help="a file holding the token the console asks for "
                        "(Authorization: Bearer TOKEN); required for a non-loopback --http address")
    parser.add_argument("--event-loop", choices=[choice.value for choice in EventLoopChoice],
                        default=EventLoopChoice.AUTO.value,
                        help="the event loop: auto (default: uvloop when installed, pip install 'possim[fast]', "
                             "less CPU per request, docs/performance.md; else asyncio's own), asyncio or uvloop")
    parser.set_defaults(handler=run)
    commands = parser.add_subparsers(dest="host_command", required=False)
    report = commands.add_parser("report", help="the host journal per terminal and batch: sold, refunded "
                                                "(credited when), voided, reversed, settled")
    # SUPPRESS: `possim host --data DIR report` keeps the parent's value instead of a sub-default.
    report.add_argument("--data", default=argparse.SUPPRESS, type=data_folder, help="data folder holding host-journal.sqlite3 "
                                                                   "(default: .)")
    report.add_argument("--terminal", help="only this terminal ID (DE 41)")
    report.add_argument("--batch", help="only this batch number (DE 60), e.g. 1 or 000001")
    add_json_flag(report)
    report.set_defaults(handler=run_report)
    advance = commands.add_parser(
        "advance-date", help="move the host's business date ahead (refund credits on the batch channel post when "
                             "it reaches their credit date); works while the host runs",
        epilog="examples:\n  possim host advance-date --data ./host-data --days 2\n"
               "  possim host advance-date --data ./host-data --reset   # with the host stopped",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    advance.add_argument("--data", default=argparse.SUPPRESS, type=data_folder, help="the host's data folder")
    which = advance.add_mutually_exclusive_group(required=True)
    which.add_argument("--days", type=int, help="calendar days to move ahead (1 or more)")
    which.add_argument("--to", dest="to_date", help="move to this business date, YYYY-MM-DD (not backwards)")
    which.add_argument("--reset", action="store_true", help="back to the calendar date (a test host; refused while "
                                                            "the host runs)")
    add_json_flag(advance)
    advance.set_defaults(handler=run_advance_date)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; exit 0 on a clean shutdown."""
    try:
        return run_on(getattr(args, "event_loop", EventLoopChoice.AUTO), serve_until_signalled(args))
    except EventLoopUnavailable as exc:
        raise InputError(f"--event-loop uvloop: {exc}") from None


def run_report(args: argparse.Namespace) -> int:
    """Print the journal report (text, or one JSON object with ``--json``); InputError without a journal."""
    from simulator.host.config import load_host_config
    from simulator.host.journal import HostJournal
    from simulator.host.report import build_report, report_json, report_text

    batch = None
    if args.batch is not None:
        if not args.batch.isdigit() or len(args.batch) > 6:
            raise InputError(f"--batch {args.batch!r}: expected a batch number of up to 6 digits")
        batch = int(args.batch)
    config = load_host_config(Path(args.data))
    if not config.journal_path.is_file():
        raise InputError(f"no host journal in {args.data} ({config.journal_path.name} not found)")
    journal = HostJournal(config.journal_path)
    try:
        report = build_report(journal, terminal_id=args.terminal, batch=batch, dcc=config.dcc)
    finally:
        journal.close()
    emit(args, report_json(report), report_text(report))
    return EXIT_OK


def run_advance_date(args: argparse.Namespace) -> int:
    """Move the business date (or reset it); print the new one.

    Exit 2 with one line, nothing written, for a date in the past or beyond ``MAX_OFFSET_DAYS``
    ahead of the calendar, or no journal; exit 1 for ``--reset`` while a host holds the folder.
    The move is read and written in one journal transaction (concurrent moves serialise).
    """
    from datetime import UTC

    from simulator.host.config import load_host_config
    from simulator.host.credits import business_date
    from simulator.host.folderlock import FolderLock
    from simulator.host.journal import HostJournal

    config = load_host_config(Path(args.data))
    if not config.journal_path.is_file():
        raise InputError(f"no host journal in {args.data} ({config.journal_path.name} not found)")
    now = datetime.now(UTC)
    lock = FolderLock.acquire(config.data_dir, wait=0) if args.reset else None  # HostBusy: exit 1
    try:
        journal = HostJournal(config.journal_path)
        try:
            offset = journal.move_business_date(_new_offset(args, now))
        finally:
            journal.close()
    finally:
        if lock is not None:
            lock.release()
    today = business_date(now, offset)
    emit(args, {"business_date": today.isoformat(), "offset_days": offset},
         f"business date {today} ({offset} day(s) ahead of the calendar)")
    return EXIT_OK


def _new_offset(args: argparse.Namespace, now: datetime) -> Callable[[int], int]:
    """The new business date offset from the current one, for ``--reset``, ``--to`` or ``--days`` (InputError);
    the rule itself is :func:`simulator.host.credits.advanced_offset`."""
    from datetime import date

    from simulator.host.credits import BusinessDateError, advanced_offset

    if args.reset:
        return lambda current: 0
    target = None
    if args.to_date is not None:
        try:
            target = date.fromisoformat(args.to_date)
        except ValueError:
            raise InputError(f"--to {args.to_date!r}: expected a date YYYY-MM-DD") from None

    def move(current: int) -> int:
        try:
            return advanced_offset(current, now.date(), days=args.days, to=target, names=("--days", "--to"))
        except BusinessDateError as error:
            hint = " (--reset: to the calendar)" if "never goes back" in str(error) else ""
            raise InputError(f"{error}{hint}") from None

    return move


def console_options(args: argparse.Namespace, config: Any) -> tuple[Any, str | None] | None:
    """The console's address and token from ``--http`` / host.toml and ``--http-token-file`` (InputError);
    None when the console is off."""
    from simulator.host.httpaddress import ConsoleConfigError, parse_http_address, read_token

    text = getattr(args, "http", None) or config.http
    token_file = getattr(args, "http_token_file", None)
    if text is None:
        if token_file:
            raise InputError("--http-token-file: needs --http ADDR:PORT (or http in host.toml)")
        return None
    try:
        address = parse_http_address(text, "--http" if getattr(args, "http", None) else
                                     f"{config.data_dir / 'host.toml'}: http")
        token = read_token(token_file) if token_file else None
    except ConsoleConfigError as error:
        raise InputError(str(error)) from None
    if not address.loopback and token is None:
        raise InputError(f"--http {text}: a non-loopback address needs a token (--http-token-file FILE)")
    return address, token


async def _start_console(server: Any, address: Any, token: str | None) -> Any:
    """Start the HTTP console beside ``server`` (InputError when its address cannot be bound)."""
    from simulator.host.console import ConsoleConfigError, HostConsole

    console = HostConsole(server, address, token=token)
    try:
        await console.start()
    except ConsoleConfigError as error:
        raise InputError(str(error)) from None
    return console


def _check_listen_address(listen: str, option: str = "--listen") -> None:
    """The URL parses, and a serial device path exists at start-up (a port that vanishes later is reopened;
    a typo is not). ``option`` names where the URL came from."""
    from iso8583.channels import AddressError, Transport, parse_channel_url

    try:
        address = parse_channel_url(listen)
    except AddressError as error:
        raise InputError(f"{option}: {error}") from None
    if address.transport is Transport.SERIAL and "://" not in address.device and not Path(address.device).exists():
        raise InputError(f"{option} {listen}: no serial device {address.device} (use tcp://HOST:PORT for TCP)")


async def serve_until_signalled(args: argparse.Namespace, stop: asyncio.Event | None = None) -> int:
    """Start the host, print the listening line, wait for a signal (or ``stop``), shut down cleanly."""
    from dataclasses import replace

    from iso8583 import DialectError, resolve_dialect
    from simulator.host.config import load_host_config
    from simulator.host.rules import load_rules
    from simulator.host.server import HostServer

    config = load_host_config(Path(args.data))
    if args.dialect:
        try:
            resolve_dialect(args.dialect)
        except DialectError as error:
            raise InputError(f"--dialect: {error}") from None
        config = replace(config, dialect=args.dialect)
    listen = args.listen or config.listen
    _check_listen_address(listen, "--listen" if args.listen else f"{config.data_dir / 'host.toml'}: listen")
    rules = load_rules(args.rules) if args.rules else None
    console_wanted = console_options(args, config)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # platforms without signal handlers
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    server = HostServer(config, listen=listen, rules=rules)
    console = None
    try:
        url = await server.start()
        if console_wanted is not None:
            console = await _start_console(server, *console_wanted)
        sys.stdout.write(f"listening on {url}\n")
        if console is not None:
            sys.stdout.write(f"console on {console.url}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        if console is not None:
            await console.stop()
        await server.stop()
        for signum in installed:
            loop.remove_signal_handler(signum)
    return EXIT_OK
