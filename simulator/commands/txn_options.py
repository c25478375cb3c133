"""Options and input handling shared by the ``possim txn`` sub-commands."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from pos_terminal.state.config import ConfigError, TerminalConfig, load_config
from pos_terminal.engine.terminal import TerminalEngine
from protocols.security import KeyScheme
from simulator.commands.output import InputError, data_folder, host_url
from simulator.txn_api import parse_amount

__all__ = ["config_for", "engine_for", "host_options", "invoice_number", "parse_amount", "pin_digits", "read_secret"]


def host_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=data_folder,
                        help="the terminal's data folder (journal, keys, terminal.toml, receipts)")
    parser.add_argument("--host", type=host_url, help="host URL, e.g. tcp://127.0.0.1:8583 or serial:///dev/ttyUSB0?baud=9600 "
                                       "(default: host_url of terminal.toml)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for the host's response (default 10)")
    parser.add_argument("--dialect", help="ISO 8583 dialect: terminal87, iso87ascii, iso87binary, cup-pos, iso93binary, "
                                          "iso93ebcdic or a TOML dialect (default: terminal.toml)")
    parser.add_argument("--key-scheme", choices=[scheme.value for scheme in KeyScheme],
                        help="key management (default: terminal.toml, else mksk)")


def invoice_number(text: str) -> int:
    """argparse type of ``--invoice``: 1 to 999999, as the terminal numbers invoices."""
    if not (text.isdigit() and 1 <= int(text) <= 999_999):
        raise argparse.ArgumentTypeError(f"invoice must be 1 to 999999, got {text[:20]!r}")
    return int(text)


def pin_digits(text: str) -> str:
    """argparse type of ``--pin``: 4 to 12 digits (ISO 9564-1); the message never repeats the PIN."""
    if not (text.isascii() and text.isdigit() and 4 <= len(text) <= 12):
        raise argparse.ArgumentTypeError(f"a PIN is 4 to 12 digits, got {len(text)} characters")
    return text


def engine_for(args: argparse.Namespace) -> TerminalEngine:
    """The terminal of ``--data`` with the command line's overrides (it takes the data folder's lock)."""
    args.data.mkdir(parents=True, exist_ok=True)
    return TerminalEngine.open(args.data, config_for(args))


def config_for(args: argparse.Namespace) -> TerminalConfig:
    """terminal.toml of ``--data`` with the command line's overrides, each bad one named by its option."""
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host_url"] = args.host
    if getattr(args, "timeout", None) is not None:
        overrides["response_timeout"] = args.timeout
    if getattr(args, "dialect", None):
        overrides["dialect"] = args.dialect
    if getattr(args, "key_scheme", None):
        overrides["key_scheme"] = KeyScheme(args.key_scheme)
    config = load_config(args.data)
    for key, value in overrides.items():  # one at a time, so a bad value is reported with its option
        try:
            config = config.with_overrides(**{key: value})
        except ConfigError as error:
            problem = str(error).removeprefix("override: ").removeprefix(f"{key}: ")
            raise InputError(f"{_OVERRIDE_OPTIONS[key]}: {problem}") from None
    return config


_OVERRIDE_OPTIONS = {"host_url": "--host", "response_timeout": "--timeout", "dialect": "--dialect",
                     "key_scheme": "--key-scheme"}
"""The terminal.toml key each command line option overrides."""


def read_secret(args: argparse.Namespace, name: str, prompt: str) -> None:
    """Fill ``args.<name>`` from standard input when ``--<name>-stdin`` was given (a prompt on a terminal)."""
    if not getattr(args, f"{name}_stdin", False):
        return
    option = "--" + name.replace("_", "-")
    if getattr(args, name, None):
        raise InputError(f"{option} and {option}-stdin: give one of them")
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        line = sys.stdin.readline()
        if not line:
            raise InputError(f"{option}-stdin: standard input is empty")
        value = line.rstrip("\r\n")
    if name == "pin":
        try:
            value = pin_digits(value)
        except argparse.ArgumentTypeError as error:
            raise InputError(f"--pin-stdin: {error}") from None
    setattr(args, name, value)
