"""``possim config``: a data folder's effective configuration, and the configuration reference.

``possim config show --data DIR [--host] [--json]`` prints each key of terminal.toml (or, with
``--host``, host.toml) with its effective value, where it comes from, its default and its meaning;
secrets only as set or unset. ``possim config docs [--write PATH]`` prints (or writes) the
reference docs/configuration.md, generated from the same field metadata.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.commands.output import EXIT_OK, add_json_flag, data_folder, emit

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim config show`` and ``possim config docs``."""
    config = subparsers.add_parser("config", help="show a data folder's configuration, or the reference of every key")
    commands = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND",
                                     parser_class=type(config))
    show = commands.add_parser(
        "show", help="the effective terminal.toml (or host.toml) of a data folder, key by key",
        description="Print each key of the data folder's terminal.toml (with --host: host.toml) with its "
                    "effective value, whether it comes from the file or the default, and its meaning. "
                    "Secrets are shown as set or unset only.",
        epilog="examples:\n  possim config show --data ./term-data\n  possim config show --data ./possim-data "
               "--host --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("--data", required=True, type=data_folder,
                      help="the data folder (a possim run folder works too: its terminal/ or host/)")
    show.add_argument("--host", action="store_true", help="the host emulator's host.toml instead of terminal.toml")
    add_json_flag(show)
    show.set_defaults(handler=run_show)

    docs = commands.add_parser("docs", help="the reference of terminal.toml and host.toml (docs/configuration.md)")
    docs.add_argument("--write", type=Path, metavar="PATH", help="write it to PATH instead of printing it")
    docs.set_defaults(handler=run_docs)


def run_show(args: argparse.Namespace) -> int:
    from simulator.config_reference import host_config, show_json, show_text, terminal_config

    if args.host:
        effective = host_config(args.data)
    else:
        effective = terminal_config(args.data)
    emit(args, show_json(effective), show_text(effective))
    return EXIT_OK


def run_docs(args: argparse.Namespace) -> int:
    from simulator.config_reference import reference_markdown

    text = reference_markdown()
    if args.write is None:
        sys.stdout.write(text)
    else:
        args.write.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {args.write}\n")
    return EXIT_OK
