"""The terminal's configuration: documented test defaults, overridable by DATA/terminal.toml and the CLI.

A data folder without ``terminal.toml`` gets the defaults below, the same the
host emulator assumes, so terminal and host work together out of the box.
Every value is validated when a :class:`TerminalConfig` is built (from the
file, by :meth:`TerminalConfig.with_overrides`, or directly); errors are
:class:`ConfigError` naming the file and the key.

The supervisor password is kept only as a PBKDF2 hash (see
:mod:`pos_terminal.state.passwords`). ``terminal.toml`` may give it in clear as
``supervisor_password`` (hashed at load, never kept) or as
``supervisor_password_hash``. When it gives neither, the default password
``0000`` is hashed at load time. The hash never appears in ``repr``.

Terminal ID, merchant ID and the default password come from
:mod:`protocols.defaults` and :class:`KeyScheme` from
:mod:`protocols.security`, which the host emulator shares.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from iso8583.channels import AddressError, parse_channel_url
from iso8583.tomlfile import read_toml
from iso8583.tpdu import tpdu_problem
from protocols.defaults import ADMIN_PASSWORD, MERCHANT_ID, SUPERVISOR_PASSWORD, TERMINAL_ID
from pos_terminal.state.passwords import DEFAULT_ITERATIONS, ConfigError, hash_password, parse_password_hash, verify_password
from protocols.security import KeyScheme

__all__ = [
    "CONFIG_FILE_NAME",
    "DEFAULT_SUPERVISOR_PASSWORD",
    "ConfigError",
    "KeyScheme",
    "TerminalConfig",
    "default_config_text",
    "host_url_problem",
    "load_config",
    "write_default_config",
]

CONFIG_FILE_NAME = "terminal.toml"
DEFAULT_SUPERVISOR_PASSWORD = SUPERVISOR_PASSWORD  # "0000", shared with the host emulator
DEFAULT_ADMIN_PASSWORD = ADMIN_PASSWORD  # "9999": unlocks the supervisor functions
_DIALECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
CUP_SIGN_ON_KEYS = ("001", "003", "004")
"""60.3 of a cup-pos sign-on: the key schemes of the CUP POS field description (protocols.cup.signon_keys)."""
_CLEAR_PASSWORD_KEYS = {"supervisor_password": "supervisor_password_hash", "admin_password": "admin_password_hash"}


def _doc(text: str, *, money: bool = False) -> dict[str, object]:
    """A field's metadata: ``doc`` (its meaning, for terminal.toml, ``possim config show`` and
    docs/configuration.md) and ``money`` (an amount in minor units of ``currency``)."""
    return {"doc": text, "money": money}


def _default_password_hash() -> str:
    """Hash of the default supervisor password, computed when a config is built, not at import."""
    return hash_password(DEFAULT_SUPERVISOR_PASSWORD)


@dataclass(frozen=True)
class TerminalConfig:
    """Everything the terminal reads from its configuration, with the documented test defaults.

    Each field's ``metadata["doc"]`` is the comment written into a default
    ``terminal.toml`` by :func:`write_default_config`.
    """

    terminal_id: str = field(
        default=TERMINAL_ID, metadata=_doc("Card acceptor terminal ID (DE 41), exactly 8 printable characters.")
    )
    merchant_id: str = field(
        default=MERCHANT_ID, metadata=_doc("Card acceptor ID code (DE 42), exactly 15 printable characters.")
    )
    merchant_name: str = field(
        default="POSSIM TEST MERCHANT", metadata=_doc("Merchant name on receipts and in DE 43, 1 to 22 characters.")
    )
    merchant_city: str = field(default="TESTVILLE", metadata=_doc("Merchant city in DE 43, 1 to 13 characters."))
    currency: str = field(default="840", metadata=_doc("Transaction currency, ISO 4217 numeric (3 digits); 840 = USD."))
    country: str = field(default="840", metadata=_doc("Terminal country, ISO 3166 numeric (3 digits); 840 = USA."))
    currencies: tuple[str, ...] = field(default=(), metadata=_doc(
        "Multi-currency pricing: the currencies a sale may be in (ISO 4217 numeric), e.g. [\"840\", \"978\"]; "
        "`possim txn sale --currency` picks one (default: currency). Empty: currency only. Each refund and void "
        "is in its sale's currency; settlement totals are per currency (docs/protocol.md)."))
    dcc: bool = field(default=False, metadata=_doc(
        "Dynamic currency conversion: before a sale with a card billed in another currency, ask the host for a "
        "rate and offer the cardholder to pay in the card's currency (docs/protocol.md)."))
    host_url: str = field(
        default="tcp://127.0.0.1:8583",
        metadata=_doc("Acquirer host: tcp://HOST:PORT or serial:///dev/ttyUSB0?baud=9600."),
    )
    dialect: str = field(default="terminal87", metadata=_doc(
        "ISO 8583 dialect spoken with the host: a built-in name (terminal87, terminal87-tpdu, iso87ascii, "
        "iso87binary, cup-pos, iso93binary, iso93ebcdic) or the path of a TOML dialect file, whose `protocol` names the network "
        "(docs/dialects.md, docs/profiles.md)."))
    key_scheme: KeyScheme = field(
        default=KeyScheme.MKSK, metadata=_doc('Key management: "mksk", "dukpt-tdes" or "dukpt-aes".')
    )
    supervisor_password_hash: str = field(
        default_factory=_default_password_hash,
        repr=False,
        metadata=_doc(
            "Supervisor password as pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>. Instead, "
            'supervisor_password = "1234" (clear) is accepted and hashed at load. Default password: 0000.'
        ),
    )
    supervisor_max_tries: int = field(
        default=3,
        metadata=_doc("Wrong supervisor passwords in a row (device and command line alike) before refund, void and "
                      "settlement lock."),
    )
    supervisor_lockout_seconds: int = field(
        default=900,
        metadata=_doc("How long the supervisor functions stay locked after too many wrong passwords, in seconds, "
                      "at most 604800 (one week); the merchant admin can unlock them earlier: possim txn unlock."),
    )
    admin_max_tries: int = field(
        default=5,
        metadata=_doc("Wrong merchant admin passwords in a row (device and command line alike) before the unlock "
                      "itself locks, so the admin password cannot be guessed without limit."),
    )
    admin_lockout_seconds: int = field(
        default=3600,
        metadata=_doc("How long the unlock stays locked after too many wrong merchant admin passwords, in seconds "
                      "(at most 604800, one week)."),
    )
    admin_password_hash: str | None = field(
        default=None,
        repr=False,
        metadata=_doc(
            "Merchant admin password (unlocks the supervisor functions) as pbkdf2_sha256$...; instead, "
            'admin_password = "..." (clear) is accepted and hashed at load. Default (no key): 9999.'
        ),
    )
    max_refund_amount: int = field(
        default=1_000_000,
        metadata=_doc("Refund policy: largest single refund in minor units; the terminal refuses a refund above it.",
                      money=True),
    )
    refund_max_age_days: int = field(
        default=180,
        metadata=_doc("Refund policy: oldest original sale a refund may refer to, in days (at most 3660); an older "
                      "one needs a manual adjustment at the acquirer."),
    )
    max_refunds_per_card_per_day: int = field(
        default=5,
        metadata=_doc("Refund policy: most refunds to one card in one day (UTC), offline ones included."),
    )
    pin_on_refund: bool = field(default=False, metadata=_doc("Ask the cardholder's PIN on refunds."))
    allow_unmatched_refunds: bool = field(
        default=False,
        metadata=_doc("Allow refunds whose original sale is not in this terminal's journal (the host must allow "
                      "them too: allow_unmatched_refunds in host.toml)."),
    )
    response_timeout: float = field(
        default=10.0, metadata=_doc("Seconds to wait for a host response before reversing (at most 600).")
    )
    connect_timeout: float = field(
        default=5.0, metadata=_doc("Seconds to wait for the connection to the host (at most 600).")
    )
    keep_connection: bool = field(
        default=True,
        metadata=_doc("Keep one connection to the host open between requests (closed after a timeout or a bad "
                      "answer, reopened when the host has closed it); false: a new connection per request."),
    )
    reversal_attempts_per_run: int = field(
        default=3,
        metadata=_doc("Reversal sends per run (at start-up, before a transaction) before waiting for the next run."),
    )
    offline_refunds: bool = field(
        default=False,
        metadata=_doc("Store-and-forward: a matched refund completes offline when the host is unreachable; its "
                      "advice is uploaded later. On the device, key u makes the host unreachable to try it."),
    )
    offline_amount_limit: int = field(
        default=50_000, metadata=_doc("Largest offline refund in minor units (store-and-forward).", money=True)
    )
    offline_queue_limit: int = field(default=10, metadata=_doc("Most advices queued offline before refusing."))
    keep_receipts: bool = field(
        default=True,
        metadata=_doc("Keep each completed transaction's customer receipt (text and JSON) in DATA/receipts."),
    )
    cup_ic_download: bool = field(
        default=True,
        metadata=_doc("cup-pos: download the IC CA public keys and AID parameters when the sign-on answer asks for "
                      "them (60.3 = 370-382); what was loaded is journaled and shown by possim config show."),
    )
    tpdu: str = field(
        default="6000010000",
        metadata=_doc("Dialects with a TPDU (cup-pos, terminal87-tpdu): the TPDU of every request, 10 hex digits "
                      "60DDDDSSSS: ID 60, destination DDDD (the host's NII), source SSSS (this terminal's)."),
    )
    cup_sign_on_keys: str = field(
        default="003",
        metadata=_doc('cup-pos: the working keys the sign-on asks for (60.3): "001" single-length PIK and MAK (DES), '
                      '"003" double-length (TDES), "004" double-length plus a track data key (TDK).'),
    )
    cup_batch_mac: bool = field(
        default=False,
        metadata=_doc("cup-pos: MAC the settlement (0500) and batch upload (0320) in DE 64 and require MACed answers. "
                      "false: sent without DE 64, as the CUP field description has them (what a real CUP host "
                      "expects); true: a hardening for a host that requires it (host.toml cup_batch_mac = "
                      "\"require\"; docs/protocol.md)."),
    )

    def __post_init__(self) -> None:
        _validate(self)

    def with_overrides(self, **changes: Any) -> TerminalConfig:
        """A copy with ``changes`` applied and validated (for command line options).

        ``supervisor_password`` (clear) is accepted and hashed, like in the file.
        """
        changes = _hash_clear_password(changes, iterations=DEFAULT_ITERATIONS)
        unknown = sorted(set(changes) - _FIELD_NAMES)
        if unknown:
            raise ConfigError(f"override: unknown key {unknown[0]!r}")
        try:
            return dataclasses.replace(self, **changes)
        except ConfigError as exc:
            raise ConfigError(f"override: {exc}") from None

    @property
    def sale_currencies(self) -> tuple[str, ...]:
        """The currencies a sale may be in: ``currencies``, else ``currency`` alone (``currency`` first)."""
        if not self.currencies:
            return (self.currency,)
        return (self.currency, *(code for code in self.currencies if code != self.currency))

    def verify_supervisor_password(self, password: str) -> bool:
        """True when ``password`` is the supervisor password (constant-time comparison).

        Counting failures against ``supervisor_max_tries`` is the terminal's job.
        """
        return verify_password(self.supervisor_password_hash, password)

    def verify_admin_password(self, password: str) -> bool:
        """True when ``password`` is the merchant admin password (constant-time comparison)."""
        stored = self.admin_password_hash or hash_password(DEFAULT_ADMIN_PASSWORD, iterations=1)
        return verify_password(stored, password)


_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(TerminalConfig))


# --------------------------------------------------------------------------- validation


def _is_toml_path(value: str) -> bool:
    """A TOML dialect's path (:func:`iso8583.toml_dialect.resolve_dialect` opens it): one line, ending in .toml."""
    return value.lower().endswith(".toml") and value.strip() == value and value.isprintable()


def _text(config: TerminalConfig, key: str, minimum: int, maximum: int) -> None:
    value = getattr(config, key)
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, got {type(value).__name__}")
    if not (value.isascii() and value.isprintable()):
        raise ConfigError(f"{key}: must be printable ASCII characters, got {value!r}")
    if not minimum <= len(value) <= maximum:
        size = f"exactly {minimum}" if minimum == maximum else f"{minimum} to {maximum}"
        raise ConfigError(f"{key}: must be {size} characters, got {len(value)} ({value!r})")


def _digits(config: TerminalConfig, key: str, length: int) -> None:
    value = getattr(config, key)
    if not (isinstance(value, str) and len(value) == length and value.isascii() and value.isdigit()):
        raise ConfigError(f"{key}: must be {length} digits, got {value!r}")


def _positive_int(config: TerminalConfig, key: str) -> None:
    value = getattr(config, key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{key}: must be a positive integer, got {value!r}")


def _positive_seconds(config: TerminalConfig, key: str) -> None:
    value = getattr(config, key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{key}: must be a positive number of seconds, got {value!r}")
    object.__setattr__(config, key, float(value))


DURATION_LIMITS = {
    "supervisor_lockout_seconds": (604_800, "seconds (one week)"),
    "admin_lockout_seconds": (604_800, "seconds (one week)"),
    "response_timeout": (600, "seconds"),
    "connect_timeout": (600, "seconds"),
    "refund_max_age_days": (3660, "days (ten years)"),
}
"""The largest value of every duration setting: a bigger one is a typo, and one past the calendar
(``supervisor_lockout_seconds = 999999999999``) would crash the lockout it is meant to configure."""


def _bounded_duration(config: TerminalConfig, key: str) -> None:
    limit, unit = DURATION_LIMITS[key]
    value = getattr(config, key)
    if value > limit:
        raise ConfigError(f"{key}: must be at most {limit:_} {unit}, got {value!r}")


def _flag(config: TerminalConfig, key: str) -> None:
    value = getattr(config, key)
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: must be true or false, got {value!r}")


def host_url_problem(value: object) -> str | None:
    """What is wrong with ``value`` as the terminal's host URL, or None when it can be used.

    The terminal connects to a TCP port (1-65535) or a serial device; the rest of the URL (framing,
    TPDU, line settings) must be what :func:`iso8583.channels.parse_channel_url` accepts, so a bad
    ``?framing=`` is bad input here, before anything is journaled or sent.
    """
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return f"not a valid URL: {value!r}"
    if parts.scheme == "tcp":
        if not parts.hostname or port is None or not 1 <= port <= 65535:
            return f"expected tcp://HOST:PORT with a port from 1 to 65535, got {value!r}"
    elif parts.scheme == "serial":
        if not parts.path and not parts.netloc:
            return f"expected serial:///dev/DEVICE[?baud=N], got {value!r}"
    else:
        return f"scheme must be tcp or serial, got {value!r}"
    try:
        parse_channel_url(value)
    except AddressError as error:
        return str(error)
    return None


def _host_url(config: TerminalConfig) -> None:
    problem = host_url_problem(config.host_url)
    if problem is not None:
        raise ConfigError(f"host_url: {problem}")


def _validate(config: TerminalConfig) -> None:
    """Check every field; normalise key_scheme to :class:`KeyScheme` and timeouts to float."""
    _text(config, "terminal_id", 8, 8)
    _text(config, "merchant_id", 15, 15)
    _text(config, "merchant_name", 1, 22)
    _text(config, "merchant_city", 1, 13)
    _digits(config, "currency", 3)
    _digits(config, "country", 3)
    _currencies(config)
    _host_url(config)
    if not isinstance(config.dialect, str) or not (_DIALECT.fullmatch(config.dialect) or _is_toml_path(config.dialect)):
        raise ConfigError(f"dialect: must be a dialect name (letters, digits, '_', '-', '.') or the path of a "
                          f"TOML dialect (ending in .toml), got {config.dialect!r}")
    try:
        object.__setattr__(config, "key_scheme", KeyScheme(config.key_scheme))
    except ValueError:
        choices = ", ".join(scheme.value for scheme in KeyScheme)
        raise ConfigError(f"key_scheme: must be one of {choices}, got {config.key_scheme!r}") from None
    for key in ("supervisor_password_hash", "admin_password_hash"):
        value = getattr(config, key)
        if value is None and key == "admin_password_hash":
            continue
        try:
            parse_password_hash(value)
        except ConfigError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    for key in (
        "supervisor_max_tries",
        "supervisor_lockout_seconds",
        "admin_max_tries",
        "admin_lockout_seconds",
        "refund_max_age_days",
        "max_refunds_per_card_per_day",
        "max_refund_amount",
        "reversal_attempts_per_run",
        "offline_amount_limit",
        "offline_queue_limit",
    ):
        _positive_int(config, key)
    for key in ("pin_on_refund", "allow_unmatched_refunds", "offline_refunds", "keep_receipts", "keep_connection",
                "cup_ic_download", "dcc", "cup_batch_mac"):
        _flag(config, key)
    for key in ("response_timeout", "connect_timeout"):
        _positive_seconds(config, key)
    problem = tpdu_problem(config.tpdu)
    if problem is not None:
        raise ConfigError(f"tpdu: {problem}")
    object.__setattr__(config, "tpdu", config.tpdu.upper())
    if config.cup_sign_on_keys not in CUP_SIGN_ON_KEYS:
        raise ConfigError(f"cup_sign_on_keys: must be one of {', '.join(CUP_SIGN_ON_KEYS)}, "
                          f"got {config.cup_sign_on_keys!r}")
    for key in DURATION_LIMITS:
        _bounded_duration(config, key)


def _currencies(config: TerminalConfig) -> None:
    """``currencies``: a list of distinct 3-digit codes (stored as a tuple)."""
    value = config.currencies
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(code, str) and len(code) == 3 and code.isascii() and code.isdigit() for code in value):
        raise ConfigError(f"currencies: must be a list of 3-digit ISO 4217 numeric codes, got {value!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"currencies: a currency is listed twice in {list(value)!r}")
    object.__setattr__(config, "currencies", tuple(value))


def _hash_clear_password(values: dict[str, Any], *, iterations: int) -> dict[str, Any]:
    """Replace a clear ``supervisor_password`` / ``admin_password`` by its hash; clear and hash together is an error."""
    values = dict(values)
    for clear_key, hash_key in _CLEAR_PASSWORD_KEYS.items():
        if clear_key not in values:
            continue
        clear = values.pop(clear_key)
        if hash_key in values:
            raise ConfigError(f"{clear_key}: give either {clear_key} or {hash_key}, not both")
        if not isinstance(clear, str) or not clear or not clear.isprintable():
            raise ConfigError(f"{clear_key}: must be a non-empty string of printable characters")
        values[hash_key] = hash_password(clear, iterations=iterations)
    return values


# --------------------------------------------------------------------------- the file


def load_config(data_dir: Path, *, password_iterations: int = DEFAULT_ITERATIONS) -> TerminalConfig:
    """Read ``DATA/terminal.toml`` when present, else use the defaults; validate every value.

    ``password_iterations`` is the PBKDF2 cost for hashing a clear
    ``supervisor_password`` (or the default ``0000``) at load; lower it only in tests.
    """
    path = Path(data_dir) / CONFIG_FILE_NAME
    values = read_toml(path, ConfigError, "the terminal configuration", missing={})
    for key, value in values.items():
        if isinstance(value, dict):
            raise ConfigError(f"{path}: [{key}]: tables are not used; write every key at the top level")
    try:
        values = _hash_clear_password(values, iterations=password_iterations)
        unknown = sorted(set(values) - _FIELD_NAMES)
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r}")
        if "supervisor_password_hash" not in values:
            values["supervisor_password_hash"] = hash_password(
                DEFAULT_SUPERVISOR_PASSWORD, iterations=password_iterations
            )
        return TerminalConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}"  # TOML allows 1_000_000
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return json.dumps([str(item) for item in value])
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def default_config_text() -> str:
    """The commented ``terminal.toml`` that documents every key with its default (no password in it)."""
    lines = [
        "# possim terminal configuration.",
        "# Every key is optional: a missing key takes the default shown. Money is in minor units.",
        "",
    ]
    for spec in dataclasses.fields(TerminalConfig):
        lines.append(f"# {spec.metadata['doc']}")
        if spec.name in ("supervisor_password_hash", "admin_password_hash"):
            lines.append(f"# {spec.name} = \"pbkdf2_sha256$200000$...$...\"")
            lines.append(f'# {spec.name.removesuffix("_hash")} = "..."')
        else:
            lines.append(f"{spec.name} = {_toml_value(spec.default)}")
        lines.append("")
    return "\n".join(lines)


def write_default_config(data_dir: Path, *, overwrite: bool = False) -> Path:
    """Write the documented default ``terminal.toml`` into ``data_dir`` and return its path.

    Refuses to replace an existing file unless ``overwrite``. The file is
    written to a temporary name, fsynced and then moved into place, so a crash
    never leaves a half-written configuration.
    """
    directory = Path(data_dir)
    path = directory / CONFIG_FILE_NAME
    if path.exists() and not overwrite:
        raise ConfigError(f"{path}: already exists; not overwriting it")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{CONFIG_FILE_NAME}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(default_config_text())
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            if overwrite:
                os.replace(temporary, path)
            else:
                os.link(temporary, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except FileExistsError:
        raise ConfigError(f"{path}: already exists; not overwriting it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    return path
