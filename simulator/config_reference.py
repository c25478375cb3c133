"""Every key of ``terminal.toml`` and ``host.toml``: its meaning, its default and (for a data folder) its value.

One source for the reference: the dataclasses' field metadata (``doc``, and ``money`` for amounts
in minor units) in :mod:`pos_terminal.state.config` and :mod:`simulator.host.config`. ``possim config
show`` prints the effective values of a data folder from it, and ``possim config docs`` writes
docs/configuration.md from it, so the two never disagree with the code.

Secrets (fields with ``repr=False``: password hashes, host keys) are only ever reported as set or
unset; their values, hashes and check values never leave this module.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from pos_terminal.state.config import CONFIG_FILE_NAME, TerminalConfig, load_config
from pos_terminal.output.receipt import format_amount
from simulator.host.config import CONFIG_FILE as HOST_CONFIG_FILE
from simulator.host.config import HostConfig, load_host_config

__all__ = [
    "ConfigEntry",
    "ConfigKey",
    "EffectiveConfig",
    "host_config",
    "host_keys",
    "reference_markdown",
    "resolve_folder",
    "terminal_config",
    "terminal_keys",
]

_CLEAR_PASSWORD_KEYS = {"supervisor_password_hash": "supervisor_password", "admin_password_hash": "admin_password"}
"""terminal.toml may give a password in clear under this key instead of its hash."""

_TERMINAL_SECRET_DEFAULT = "the documented test password"
_HOST_SECRET_DEFAULT = "the public test key with test_keys, else unset (the scheme is refused)"
_HOST_TOP_LEVEL_EXTRA = "allow_unmatched_refunds"
"""A top-level host.toml key that is the default of a [[terminals]] key (and not a HostConfig field)."""


@dataclass(frozen=True)
class ConfigKey:
    """One documented key: where it lives in the file, what it means, its default."""

    table: str
    """"" for the top level, else the table name (``refund_credit``; ``terminals`` is an array of tables)."""
    key: str
    doc: str
    default: Any
    secret: bool = False
    money: bool = False
    array: bool = False
    """The key belongs to an array of tables (``[[terminals]]``)."""

    @property
    def header(self) -> str:
        """The TOML header of its table: ``[refund_credit]``, ``[[terminals]]``, or "" at the top level."""
        if not self.table:
            return ""
        return f"[[{self.table}]]" if self.array else f"[{self.table}]"


@dataclass(frozen=True)
class ConfigEntry:
    """One key's effective value in a data folder."""

    spec: ConfigKey
    value: Any
    from_file: bool
    table: str
    """The table as the user reads it: ``terminals[0]`` for the first [[terminals]] entry."""


@dataclass(frozen=True)
class EffectiveConfig:
    """What a data folder's terminal.toml or host.toml amounts to, key by key."""

    kind: str
    """``terminal`` or ``host``."""
    path: Path
    present: bool
    entries: tuple[ConfigEntry, ...]
    currency: str = "840"
    """The currency money keys are in (the terminal's; the host's amounts are in the same minor units)."""
    loaded: Mapping[str, Any] | None = None
    """A terminal's IC data downloaded from its host (cup-pos: ``ca-keys``, ``parameters``), from its journal."""


# --------------------------------------------------------------------------- the keys


def _default_of(spec: dataclasses.Field[Any]) -> Any:
    if "default" in spec.metadata:
        return spec.metadata["default"]
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def _keys_of(cls: type, table: str = "", *, array: bool = False, secret_default: str = "") -> list[ConfigKey]:
    keys = []
    for spec in dataclasses.fields(cls):
        if "toml" in spec.metadata and spec.metadata["toml"] is None:  # not a key of the file
            continue
        secret = not spec.repr
        keys.append(ConfigKey(
            table=table, key=spec.name, doc=str(spec.metadata.get("doc", "")),
            default=secret_default if secret else _default_of(spec),
            secret=secret, money=bool(spec.metadata.get("money", False)), array=array,
        ))
    return keys


def terminal_keys() -> list[ConfigKey]:
    """Every key of terminal.toml, in the order of :class:`TerminalConfig`."""
    return _keys_of(TerminalConfig, secret_default=_TERMINAL_SECRET_DEFAULT)


def _host_tables() -> Iterator[tuple[dataclasses.Field[Any], str | None, type | None, bool]]:
    """Each HostConfig field: (field, TOML name or None, the dataclass of its table or None, array of tables)."""
    for spec in dataclasses.fields(HostConfig):
        name = spec.metadata.get("toml", spec.name)
        default = _default_of(spec)
        if isinstance(default, Mapping) and default and all(dataclasses.is_dataclass(v) for v in default.values()):
            yield spec, name, type(next(iter(default.values()))), True
        elif dataclasses.is_dataclass(default):
            yield spec, name, type(default), False
        else:
            yield spec, name, None, False


def host_keys() -> list[ConfigKey]:
    """Every key of host.toml: the top level first, then each table, in the order of :class:`HostConfig`."""
    top: list[ConfigKey] = []
    tables: list[ConfigKey] = []
    for spec, name, table_class, array in _host_tables():
        if name is None:
            continue
        if table_class is None:
            top.append(ConfigKey("", name, str(spec.metadata.get("doc", "")), _default_of(spec)))
            continue
        keys = _keys_of(table_class, name, array=array, secret_default=_HOST_SECRET_DEFAULT)
        tables.extend(keys)
        if array:
            extra = next((key for key in keys if key.key == _HOST_TOP_LEVEL_EXTRA), None)
            if extra is not None:
                top.append(dataclasses.replace(extra, table="", array=False))
    return top + tables


def table_docs() -> dict[str, str]:
    """The meaning of each host.toml table (from the HostConfig field it fills)."""
    return {name: str(spec.metadata.get("doc", "")) for spec, name, table_class, _ in _host_tables()
            if name is not None and table_class is not None}


# --------------------------------------------------------------------------- a data folder


def resolve_folder(data: Path, kind: str) -> Path:
    """The folder holding ``kind``'s file: ``data`` itself, or ``data/<kind>`` in the ``possim run`` layout."""
    own = {"terminal": (CONFIG_FILE_NAME, "journal.sqlite3"), "host": (HOST_CONFIG_FILE, "host-journal.sqlite3")}
    if any((data / name).exists() for name in own[kind]):
        return data
    nested = data / kind
    return nested if nested.is_dir() else data


def _read_document(path: Path) -> dict[str, Any]:
    """The file's keys as written (an absent file has none); the loaders have validated it already."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}


def terminal_config(data: Path) -> EffectiveConfig:
    """The terminal configuration of the data folder ``data`` (ConfigError when terminal.toml is invalid)."""
    folder = resolve_folder(data, "terminal")
    config = load_config(folder)
    path = folder / CONFIG_FILE_NAME
    document = _read_document(path)
    entries = []
    for spec in terminal_keys():
        in_file = spec.key in document or _CLEAR_PASSWORD_KEYS.get(spec.key) in document
        value = getattr(config, spec.key)
        if spec.secret:
            value = "set" if in_file else "unset"
        entries.append(ConfigEntry(spec, value, in_file, ""))
    return EffectiveConfig("terminal", path, path.exists(), tuple(entries), config.currency, ic_loaded(folder))


IC_EVENTS = {"ca-keys": "cup_ic_ca-keys", "parameters": "cup_ic_parameters"}
"""The journal events of a cup-pos terminal's IC download, by what was loaded."""


def ic_loaded(folder: Path) -> dict[str, Any]:
    """What the terminal of ``folder`` last loaded of each IC data kind, with when (read-only; empty without a
    journal or a download)."""
    from pos_terminal.journal import Journal  # late: only a folder with a journal needs it

    path = folder / "journal.sqlite3"
    if not path.exists():
        return {}
    journal = Journal.open(path, read_only=True)
    try:
        loaded = {}
        for kind, event in IC_EVENTS.items():
            events = journal.events(event)
            if events:
                last = events[-1]
                loaded[kind] = {"at": last.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "items": last.detail.get("loaded", [])}
        return loaded
    finally:
        journal.close()


def host_config(data: Path, currency: str = "840") -> EffectiveConfig:
    """The host configuration of the data folder ``data`` (HostConfigError when host.toml is invalid)."""
    folder = resolve_folder(data, "host")
    config = load_host_config(folder)
    path = folder / HOST_CONFIG_FILE
    document = _read_document(path)
    entries: list[ConfigEntry] = []
    tables: list[ConfigEntry] = []
    keys = {(key.table, key.key): key for key in host_keys()}
    for spec, name, table_class, array in _host_tables():
        if name is None:
            continue
        value = getattr(config, spec.name)
        if table_class is None:
            entries.append(ConfigEntry(keys[("", name)], value, name in document, ""))
            continue
        if array:
            written = document.get(name, [])
            for index, item in enumerate(value.values()):
                table = written[index] if index < len(written) and isinstance(written[index], dict) else {}
                if _HOST_TOP_LEVEL_EXTRA in document:  # the top-level key is this entry's default
                    table = {_HOST_TOP_LEVEL_EXTRA: document[_HOST_TOP_LEVEL_EXTRA], **table}
                tables.extend(_table_entries(keys, name, item, table, f"{name}[{index}]"))
            if _HOST_TOP_LEVEL_EXTRA in document or ("", _HOST_TOP_LEVEL_EXTRA) in keys:
                top_value = document.get(_HOST_TOP_LEVEL_EXTRA, keys[("", _HOST_TOP_LEVEL_EXTRA)].default)
                entries.append(ConfigEntry(keys[("", _HOST_TOP_LEVEL_EXTRA)], top_value,
                                           _HOST_TOP_LEVEL_EXTRA in document, ""))
        else:
            written_table = document.get(name, {})
            tables.extend(_table_entries(keys, name, value, written_table if isinstance(written_table, dict) else {},
                                         name))
    return EffectiveConfig("host", path, path.exists(), tuple(entries + tables), currency)


def _table_entries(keys: Mapping[tuple[str, str], ConfigKey], name: str, item: Any, written: Mapping[str, Any],
                   shown_as: str) -> Iterator[ConfigEntry]:
    for field in dataclasses.fields(item):
        spec = keys.get((name, field.name))
        if spec is None:  # a field that is not a key of the file (set by the host itself)
            continue
        value = getattr(item, field.name)
        if spec.secret:
            value = "unset" if value is None else "set"
        yield ConfigEntry(spec, value, field.name in written, shown_as)


# --------------------------------------------------------------------------- rendering values


def plain(value: Any) -> Any:
    """``value`` as JSON data: enums by value, bytes as upper-case hex, dates as ISO text, sets sorted."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def toml_text(value: Any) -> str:
    """``value`` as it is written in a TOML file."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_text(item)}" for key, item in value.items()) + " }"
    if value is None:
        return "(none)"
    return json.dumps(str(value))


def _shown(spec: ConfigKey, value: Any, currency: str) -> str:
    if spec.secret:
        return str(value)
    text = toml_text(value)
    if spec.money and isinstance(value, int) and not isinstance(value, bool) and value:
        text += f"  ({format_amount(value, currency)})"
    return text


def show_text(config: EffectiveConfig, width: int = 100) -> str:
    """The effective configuration for people: ``key = value  # where from``, then the key's meaning.

    Values are written as in the TOML file (a line can be pasted into it); money keys add the
    amount in the terminal's currency; secrets read ``key: set`` or ``key: unset``.
    """
    name = config.path.name
    rows: list[tuple[str, str, str, str]] = []  # (table header or "", key line, origin, doc)
    table = None
    for entry in config.entries:
        spec = entry.spec
        header = ""
        if entry.table != table:
            table = entry.table
            header = f"{spec.header}  # {entry.table}" if spec.array else spec.header
        shown = _shown(spec, entry.value, config.currency)
        line = f"{spec.key}: {shown}" if spec.secret else f"{spec.key} = {shown}"
        if spec.secret:
            origin = f"# from {name}" if entry.from_file else \
                "# default: the public test key (test_keys)" if entry.value == "set" and spec.table == "terminals" \
                else "# not configured: refused" if entry.value == "unset" and spec.table == "terminals" \
                else f"# default: {spec.default}"
        elif entry.from_file:
            origin = f"# from {name}; default {_shown(spec, spec.default, config.currency)}"
        else:
            origin = "# default"
        rows.append((header, line, origin, spec.doc))
    column = min(max((len(line) for _, line, _, _ in rows), default=0) + 2, 48)
    lines = [f"{config.kind} configuration: {config.path}"
             + ("" if config.present else f" (no {name}: every key takes its default)"), ""]
    for header, line, origin, doc in rows:
        if header:
            lines += ["", header]
        lines.append(f"{line.ljust(column)}{origin}" if len(line) < column else f"{line}  {origin}")
        lines += textwrap.wrap(doc, width, initial_indent="    ", subsequent_indent="    ")
    lines += _loaded_text(config.loaded or {})
    return "\n".join(lines)


def _loaded_text(loaded: Mapping[str, Any]) -> list[str]:
    """The IC data a cup-pos terminal downloaded, one line per CA key and per AID."""
    lines: list[str] = []
    if "ca-keys" in loaded:
        keys = loaded["ca-keys"]
        lines += ["", f"IC CA public keys loaded from the host ({len(keys['items'])}, {keys['at']}):"]
        lines += [f"    {k['rid']}/{k['index']}  {k['modulus_bits']} bits  expires {k['expiry']}  "
                  f"checksum {k['checksum']}" for k in keys["items"]]
    if "parameters" in loaded:
        aids = loaded["parameters"]
        lines += ["", f"IC AID parameters loaded from the host ({len(aids['items'])}, {aids['at']}):"]
        lines += [f"    {a['aid']}  version {a['version']}  floor limit {a['floor_limit']}  TAC default "
                  f"{a['tac_default']} online {a['tac_online']} denial {a['tac_denial']}" for a in aids["items"]]
    return lines


def show_json(config: EffectiveConfig) -> dict[str, Any]:
    """The effective configuration as one JSON object (secrets as "set" / "unset")."""
    return {
        "kind": config.kind,
        "file": str(config.path),
        "present": config.present,
        "keys": [
            {
                "table": entry.table,
                "key": entry.spec.key,
                "value": entry.value if entry.spec.secret else plain(entry.value),
                "default": None if entry.spec.secret else plain(entry.spec.default),
                "source": "file" if entry.from_file else "default",
                "secret": entry.spec.secret,
                "doc": entry.spec.doc,
            }
            for entry in config.entries
        ],
        **({"ic_loaded": dict(config.loaded)} if config.kind == "terminal" else {}),
    }


# --------------------------------------------------------------------------- docs/configuration.md


def _cell(text: str) -> str:
    """``text`` safe in a Markdown table cell (``<salt hex>`` would otherwise read as an HTML tag)."""
    return text.replace("|", "\\|").replace("<", "\\<").replace("\n", " ")


def _default_cell(spec: ConfigKey) -> str:
    if spec.secret:
        return _cell(str(spec.default))
    cell = f"`{toml_text(spec.default)}`"
    if spec.money and isinstance(spec.default, int) and spec.default:
        cell += f" ({format_amount(spec.default, '840')})"
    return cell


def _table_markdown(keys: list[ConfigKey]) -> list[str]:
    lines = ["| key | default | meaning |", "|---|---|---|"]
    lines += [f"| `{spec.key}` | {_default_cell(spec)} | {_cell(spec.doc)} |" for spec in keys]
    return lines


_INTRO = """\
# Configuration: terminal.toml and host.toml

<!-- Generated by `possim config docs --write docs/configuration.md` from the field metadata in
pos_terminal/config.py and simulator/host/config.py; edit those, not this file. -->

Both files are optional: a data folder without one gets the documented test defaults, the same on
both sides, so a terminal and the host emulator work together out of the box. Every key is
optional; a missing key takes the default shown. Money is in minor units of the terminal's
currency (the USD amounts in brackets are the defaults read in the default currency 840).

`possim config show --data DIR` prints a terminal's effective configuration, each key with its
value, where it comes from and what it means; `possim config show --data DIR --host` does the same
for a host. With `possim run --data DIR` the terminal's folder is `DIR/terminal` and the host's
`DIR/host` (`possim config show` finds them there too); `possim run --dialect NAME` sets the dialect of
both for that run, over the two files. `--json` prints one JSON object. Secrets
(passwords, keys) are shown as set or unset, never their values.
"""


def reference_markdown() -> str:
    """docs/configuration.md: every key of terminal.toml and host.toml with its default and meaning."""
    lines = [_INTRO, "## terminal.toml", "",
             "In the terminal's data folder (`possim txn --data`, `possim terminal --data`). The command "
             "line's `--host`, `--timeout`, `--dialect` and `--key-scheme` override `host_url`, "
             "`response_timeout`, `dialect` and `key_scheme` for one command. A password can be given "
             "in clear (`supervisor_password = \"1234\"`, `admin_password = \"...\"`): it is hashed when "
             "the file is read and never kept.", ""]
    lines += _table_markdown(terminal_keys())
    lines += ["", "## host.toml", "",
              "In the host emulator's data folder (`possim host --data`). Hex keys are TEST keys: a real "
              "host keeps its keys in an HSM, never in a file.", "", "### Top level", ""]
    keys = host_keys()
    lines += _table_markdown([key for key in keys if not key.table])
    docs = table_docs()
    seen: list[str] = []
    for key in keys:
        if key.table and key.table not in seen:
            seen.append(key.table)
            lines += ["", f"### `{key.header}`", ""]
            if docs.get(key.table):
                lines += [docs[key.table], ""]
            lines += _table_markdown([item for item in keys if item.table == key.table])
    return "\n".join(lines) + "\n"
