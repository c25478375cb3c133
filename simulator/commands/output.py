"""Shared output conventions of the command line: exit codes, JSON or text answers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.errors import InputError

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_COMMUNICATION", "EXIT_OK", "EXIT_REFUSED", "InputError", "add_json_flag", "data_folder",
    "dialect_name",
    "emit", "host_url", "listen_url",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_COMMUNICATION = 3


def data_folder(text: str) -> Path:
    """argparse type of ``--data``: a folder, or a path where one can be made (not a file, not under a file)."""
    path = Path(text)
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: {candidate} is a file, not a folder")
    return path


def host_url(text: str) -> str:
    """argparse type of ``--host``: a URL the terminal can connect to (checked before anything is journaled)."""
    from pos_terminal.state.config import host_url_problem

    problem = host_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def listen_url(text: str) -> str:
    """argparse type of ``--listen``: a channel URL (port 0 picks a free port)."""
    from iso8583.channels import AddressError, parse_channel_url

    try:
        parse_channel_url(text)
    except AddressError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def dialect_name(text: str) -> str:
    """argparse type of ``--dialect`` (``possim run``, ``possim terminal``): a built-in dialect or a TOML dialect file."""
    from iso8583 import DialectError, resolve_dialect

    try:
        resolve_dialect(text)
    except DialectError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Every calculator command accepts ``--json``."""
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def emit(args: argparse.Namespace, payload: Mapping[str, Any], text: str | None = None) -> None:
    """Print ``payload`` as one JSON object with ``--json``, else ``text`` (default: key: value lines)."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(payload, sort_keys=False) + "\n")
        return
    if text is None:
        width = max((len(key) for key in payload), default=0)
        text = "\n".join(f"{key.ljust(width)}  {value}" for key, value in payload.items())
    sys.stdout.write(text + "\n")
