"""Configuration of the acquirer host emulator: where it keeps its data, how it listens, whom it knows.

A data folder with no ``host.toml`` gets the documented test defaults (design.md section 4),
the same as the terminal's, so the two work together out of the box: one terminal
``POSSIM01`` / ``POSSIM000000001`` with the public test keys of :mod:`protocols.defaults`.

``DATA/host.toml`` (every key optional; hex keys are TEST keys, a real host keeps its keys in
an HSM, never in a file)::

    test_keys = true                      # terminals' keys left out take the public test keys (see below)
    dialect = "terminal87"                # iso8583 dialect name
    listen = "tcp://127.0.0.1:8583"       # channel URL (tcp://HOST:PORT or a serial URL)
    http = "127.0.0.1:8080"               # the HTTP API and web console (docs/host-api.md); default: off
    sign_on_window_seconds = 600          # a master/session sign-on's DE 7 this close to the host's clock
    cup_sign_on = "hardened"              # cup-pos: new working keys current on first use ("standard": at once)
    cup_sign_on_interval_seconds = 60     # cup-pos: at most one new set of working keys per terminal this often
    cup_ic_download = true                # cup-pos: sign-on answers ask for the IC key / parameter download when due
    cup_batch_mac = "accept"              # cup-pos: 0500/0320 unsigned as the spec sends them, a DE 64 verified ("require": A0 without)
    tpdu = "6000010000"                   # TPDU dialects: requests must carry ID 60 and this destination (NII 1)

    [refund_credit]                       # when a refund reaches the cardholder
    default_channel = "BT"                # RT (real-time) or BT (batch), for brands not listed
    batch_days = 2                        # BT: credit on T+N business days (Mon-Fri)
    cross_border_days = 10                # XB (card issued abroad, any brand): T+N business days
    holidays = ["2025-12-25"]             # dates that are not business days
    [refund_credit.channels]              # per card brand (visa, mastercard, amex, discover, unionpay, jcb)
    visa = "RT"
    mastercard = "RT"

    [refund_policy]                       # the host's anti-fraud checks of refunds (docs/host-rules.md)
    max_original_age_days = 365           # refund of an original sale older than this: 57
    max_refunds_per_card_per_day = 10     # refunds to one card per UTC day, all terminals: 65
    max_refunds_per_terminal_per_day = 500  # refunds of one terminal per UTC day: 65
    max_refund_amount_per_terminal_per_day = 0  # minor units, 0 = no limit: 61
    # Always checked: the currency of a refund is its original's (13), the card is the original's (14),
    # refunds never exceed the original (13).

    dcc_refund_rate = "original"          # refunds of DCC sales at the sale's rate ("current": today's)
    [dcc]                                 # DCC rate inquiries (docs/host-rules.md); test rates by default
    provider = "POSSIMFX"
    markup_percent = "3.50"               # decimal strings: floats are refused
    [dcc.rates.USD]                       # one USD in each billing currency, major units
    GBP = "0.7850"

    [[terminals]]                         # replaces the default terminal table when present
    terminal_id = "POSSIM01"              # DE 41, 8 characters
    merchant_id = "POSSIM000000001"       # DE 42, 15 characters
    tmk = "C1D0F8FB4958670DBA40AB1F3752EF0D"            # master/session: terminal master key
    tdes_bdk = "0123456789ABCDEFFEDCBA9876543210"       # DUKPT TDES base derivation key
    tdes_initial_ksn = "FFFF9876543210E00000"           # the KSNs this terminal may use (counter ignored)
    aes_bdk = "FEDCBA9876543210F1F1F1F1F1F1F1F1"        # DUKPT AES base derivation key
    aes_initial_key_id = "1234567890123456"             # the AES KSNs' initial key ID
    allow_unmatched_refunds = false       # refunds without an original reference (DE 63 OR)
    country = "840"                       # ISO 3166-1: a card issued elsewhere is cross-border

    [limits]                              # what one peer may cost the host (docs/host-limits.md); 0: no limit
    max_connections = 256                 # connections served at once (TCP)
    idle_timeout = 120                    # seconds without a complete frame: close (TCP)
    partial_frame_timeout = 15            # seconds from a frame's first byte to its last: close / drop
    max_frames_per_second = 50            # per connection; beyond it reading slows down
    max_bytes_in_flight = 65536           # per connection: unanswered requests + the frame being received

Each terminal is held to the key schemes it is configured for: master/session (and cup-pos)
needs ``tmk``, DUKPT TDES ``tdes_bdk``, DUKPT AES ``aes_bdk``; a request under a scheme the
terminal has no key for is refused like any request whose keys cannot be established (63, cup-pos
A0). A key left out is *not* the public test key, unless the host runs on the documented test
defaults: no host.toml, a host.toml that names no key at all (``possim load --print-host-config``
prints such a file), or ``test_keys = true``.
``test_keys = false`` holds even a key-less host.toml to what it configures. The KSN identities
(``tdes_initial_ksn``, ``aes_initial_key_id``) are not secret and default to the test values.

Every file refuses keys it does not know, naming the key and the file (a typo such as ``bdk`` for
``tdes_bdk`` must not leave a default in force).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from iso8583.channels import LimitsError, ServerLimits
from iso8583.tpdu import tpdu_problem
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from iso8583.tomlfile import read_toml
from simulator.host.dcc import DccConfig, DccConfigError, RefundRate, parse_dcc, parse_refund_rate
from simulator.host.httpaddress import ConsoleConfigError, parse_http_address

CONFIG_FILE = "host.toml"
DEFAULT_DIALECT = "terminal87"
DEFAULT_LISTEN = "tcp://127.0.0.1:8583"
DEFAULT_BATCH_DAYS = 2
DEFAULT_CROSS_BORDER_DAYS = 10
"""Business days (two calendar weeks): banks quote up to 15 days for a refund to a card issued abroad."""


class HostConfigError(ValueError):
    """``host.toml`` is malformed; the message names the key (never a key's value)."""


class CupBatchMac(StrEnum):
    """Whether a cup-pos settlement (0500) or batch upload (0320) must carry a MAC (DE 64)."""

    ACCEPT = "accept"
    """Unsigned as the CUP field description sends them; a DE 64 that is present must verify (A0 otherwise)."""
    REQUIRE = "require"
    """DE 64 required and verified (A0 without it): a peer that knows a terminal ID cannot settle its batch."""


class CupSignOn(StrEnum):
    """What a cup-pos sign-on (which carries no MAC) does to the terminal's working keys."""

    STANDARD = "standard"
    """The new keys replace the current ones at once (the CUP field description)."""
    HARDENED = "hardened"
    """The current keys stay in force until a request first verifies under the new ones."""


class CreditChannel(StrEnum):
    """How a refund reaches the cardholder (DE 63 tag CC)."""

    REAL_TIME = "RT"
    BATCH = "BT"
    CROSS_BORDER = "XB"
    """A cross-border refund (the card's issuer country is not the terminal's): T+``cross_border_days``."""


@dataclass(frozen=True)
class CreditModel:
    """When a refund's money reaches the cardholder: a channel per card brand, T+N for batch."""

    channels: dict[str, CreditChannel] = field(default_factory=lambda: {
        "visa": CreditChannel.REAL_TIME,
        "mastercard": CreditChannel.REAL_TIME,
    }, metadata={"doc": "The credit channel per card brand (visa, mastercard, amex, discover, unionpay, jcb): "
                        "RT real-time (credited the same day) or BT batch; brands not listed take "
                        "default_channel. A table: [refund_credit.channels] visa = \"RT\"."})
    default_channel: CreditChannel = field(default=CreditChannel.BATCH, metadata={
        "doc": "The credit channel of brands not listed in channels: RT (real-time) or BT (batch)."})
    batch_days: int = field(default=DEFAULT_BATCH_DAYS, metadata={
        "doc": "Batch channel: the refund reaches the cardholder N business days (Monday to Friday) after "
               "approval, 0 to 60."})
    holidays: frozenset[date] = field(default=frozenset(), metadata={
        "doc": "Dates that are not business days for the batch channel, e.g. [\"2025-12-25\"]."})
    cross_border_days: int = field(default=DEFAULT_CROSS_BORDER_DAYS, metadata={
        "doc": "Cross-border channel (XB, a card issued in another country than the terminal's, whatever its "
               "brand): the refund reaches the cardholder N business days after approval, 0 to 60."})

    def channel_for(self, brand: str | None) -> CreditChannel:  # RT or BT: XB is for cross-border refunds only
        """The channel of ``brand`` (lower-case scheme name), else the default."""
        return self.channels.get((brand or "").lower(), self.default_channel)

    def credit_for(self, brand: str | None, today: date, *, cross_border: bool = False) -> tuple[CreditChannel, date]:
        """The channel of ``brand`` and the expected credit date of a refund approved ``today``.

        Real-time: the same day. Batch: ``batch_days`` business days later (Saturdays, Sundays
        and ``holidays`` do not count). A ``cross_border`` refund takes the cross-border channel:
        ``cross_border_days`` business days, whatever the brand.
        """
        channel = CreditChannel.CROSS_BORDER if cross_border else self.channel_for(brand)
        if channel is CreditChannel.REAL_TIME:
            return channel, today
        day, remaining = today, self.cross_border_days if cross_border else self.batch_days
        while remaining:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in self.holidays:
                remaining -= 1
        return channel, day


@dataclass(frozen=True)
class RefundPolicy:
    """The host's second line of defence against refund fraud (``[refund_policy]`` in host.toml).

    The terminal checks its own policy first; these checks hold against a terminal that skips
    them (or a MAC-valid request crafted to bypass them). Zero disables a limit.
    """

    max_original_age_days: int = field(default=365, metadata={
        "doc": "A refund whose original sale is older than this many days is declined (57); at most 3660."})
    max_refunds_per_card_per_day: int = field(default=10, metadata={
        "doc": "Refunds to one card per UTC day, over all terminals; one more is declined (65)."})
    max_refunds_per_terminal_per_day: int = field(default=500, metadata={
        "doc": "Refunds of one terminal per UTC day; one more is declined (65)."})
    max_refund_amount_per_terminal_per_day: int = field(default=0, metadata={
        "doc": "Total refunded by one terminal per UTC day, in minor units; a refund beyond it is declined "
               "(61). 0: no limit.", "money": True})


@dataclass(frozen=True)
class TerminalEntry:
    """One terminal the host knows: its IDs, the host's copies of its keys, what it may do."""

    terminal_id: str = field(metadata={"doc": "Card acceptor terminal ID (DE 41), 8 characters.",
                                       "default": TERMINAL_ID})
    merchant_id: str = field(metadata={"doc": "Card acceptor ID code (DE 42) the terminal must send, 15 characters.",
                                       "default": MERCHANT_ID})
    tmk: bytes | None = field(default=TEST_KEYS.terminal_master_key, repr=False, metadata={
        "doc": "Master/session keys (and cup-pos): the terminal master key the session keys travel under, 16 or "
               "24 bytes hex. Left out (without test_keys): the terminal may not sign on."})
    tdes_bdk: bytes | None = field(default=TEST_KEYS.tdes_bdk, repr=False, metadata={
        "doc": "DUKPT TDES: the base derivation key, 16 or 24 bytes hex. Left out (without test_keys): the "
               "terminal's TDES DUKPT requests are refused (63)."})
    tdes_initial_ksn: bytes = field(default=TEST_KEYS.tdes_initial_ksn, metadata={
        "doc": "DUKPT TDES: the terminal's initial KSN, 10 bytes hex (the KSNs it may use; the counter is ignored)."})
    aes_bdk: bytes | None = field(default=TEST_KEYS.aes_bdk, repr=False, metadata={
        "doc": "DUKPT AES: the base derivation key, 16, 24 or 32 bytes hex. Left out (without test_keys): the "
               "terminal's AES DUKPT requests are refused (63)."})
    aes_initial_key_id: bytes = field(default=TEST_KEYS.aes_initial_key_id, metadata={
        "doc": "DUKPT AES: the initial key ID of the terminal's KSNs (BDK ID + derivation ID), 8 bytes hex."})
    allow_unmatched_refunds: bool = field(default=False, metadata={
        "doc": "Accept this terminal's refunds that name no original sale (no DE 63 OR). The terminal needs "
               "allow_unmatched_refunds = true in its terminal.toml too. At the top level of host.toml: the "
               "default for every terminal, the built-in POSSIM01 included."})
    country: str = field(default="840", metadata={
        "doc": "The terminal's country, ISO 3166-1 numeric (840 United States, as terminal.toml's country): a card "
               "issued elsewhere is cross-border (its refunds take the XB credit channel)."})


def default_terminals() -> dict[str, TerminalEntry]:
    """The test default: terminal POSSIM01 of merchant POSSIM000000001 with the test keys."""
    return {TERMINAL_ID: TerminalEntry(TERMINAL_ID, MERCHANT_ID)}


@dataclass(frozen=True)
class HostConfig:
    """Everything the host needs to run; see the module docstring for ``host.toml``."""

    data_dir: Path = field(metadata={"doc": "The host's data folder (possim host --data), not a host.toml key.",
                                     "toml": None})
    test_keys: bool = field(default=True, metadata={
        "doc": "The terminals' secret keys (tmk, tdes_bdk, aes_bdk) left out of a [[terminals]] table take the "
               "public test keys. Default: true without host.toml or when host.toml names no key at all, else "
               "false: each terminal is held to the schemes it has keys for (other requests: 63, cup-pos A0).",
        "default": "true unless host.toml names a key"})
    dialect: str = field(default=DEFAULT_DIALECT, metadata={
        "doc": "ISO 8583 dialect the host speaks: a built-in name (terminal87, terminal87-tpdu, iso87ascii, "
               "iso87binary, cup-pos, iso93binary, iso93ebcdic) or the path of a TOML dialect file, whose `protocol` names the network."})
    listen: str = field(default=DEFAULT_LISTEN, metadata={
        "doc": "Where the host listens: tcp://HOST:PORT (port 0: a free port) or a serial URL such as "
               "serial:///dev/ttyUSB0?baud=9600; possim host --listen overrides it."})
    http: str | None = field(default=None, metadata={
        "doc": "Serve the HTTP API, live traffic, /metrics and the web console on ADDR:PORT, e.g. "
               "\"127.0.0.1:8080\" (port 0: a free port; docs/host-api.md); possim host --http overrides it. "
               "A non-loopback address needs --http-token-file. Default: off.", "default": "off"})
    credit: CreditModel = field(default_factory=CreditModel, metadata={
        "doc": "When a refund's money reaches the cardholder (DE 63 CC and CD of the answer).",
        "toml": "refund_credit"})
    terminals: dict[str, TerminalEntry] = field(default_factory=default_terminals, metadata={
        "doc": "The terminals the host knows, one [[terminals]] table each; when present they replace the "
               "built-in terminal POSSIM01 / POSSIM000000001 with the public test keys."})
    refund_policy: RefundPolicy = field(default_factory=RefundPolicy, metadata={
        "doc": "The host's anti-fraud checks of refunds (docs/host-rules.md); 0 disables a limit. Always "
               "checked: a refund's currency and card are its original's and refunds never exceed it."})
    cup_sign_on: CupSignOn = field(default=CupSignOn.HARDENED, metadata={
        "doc": "cup-pos sign-ons carry no MAC, so anyone can ask for a terminal's working keys. hardened: the "
               "terminal's current keys stay in force until a request first verifies under the new ones, and until "
               "then every sign-on gets those same new keys again (a sign-on from a peer without the TMK changes "
               "nothing). standard: the new keys replace the current "
               "ones at once, as the CUP field description has it."})
    cup_sign_on_interval_seconds: int = field(default=60, metadata={
        "doc": "cup-pos: new working keys for a terminal at most once in this many seconds. A sign-on sooner gets "
               "the keys last issued again (the same DE 62, nothing journaled), or 12 when it asks for another key "
               "scheme (60.3), so a flood of sign-ons costs no key generation or key store write; 0: no limit; "
               "at most 604800 (a week)."})
    cup_batch_mac: CupBatchMac = field(default=CupBatchMac.ACCEPT, metadata={
        "doc": "cup-pos settlement (0500) and batch upload (0320): the CUP field description sends them without a "
               "MAC (DE 64). accept: taken unsigned, as a real CUP terminal sends them; one that carries DE 64 must "
               "verify under the terminal's MAK (A0 otherwise, nothing journaled) and is answered MACed, an "
               "unsigned one unsigned. require: DE 64 required (A0 without it, nothing journaled), so a peer that "
               "knows a terminal ID cannot journal a settlement of its batch; the terminals need cup_batch_mac = "
               "true in terminal.toml (docs/protocol.md, \"Settlement and batch upload\")."})
    cup_ic_download: bool = field(default=True, metadata={
        "doc": "cup-pos: the 0810 of a sign-on asks the terminal (message header processing request 4, then 5) to "
               "download the IC CA public keys and AID parameters while the set it last finished downloading is "
               "not the host's; false: never asked (the downloads are served either way)."})
    tpdu: str | None = field(default=None, metadata={
        "doc": "Dialects with a TPDU (cup-pos, terminal87-tpdu): the TPDU requests must carry, 10 hex digits "
               "60DDDDSSSS: ID 60 and destination DDDD, the host's NII (a request to another NII is answered 30); "
               "the source SSSS is the terminal's and not compared. Unset: any destination."})
    sign_on_window_seconds: int = field(default=600, metadata={
        "doc": "A master/session sign-on's DE 7 must be within this many seconds of the host's clock (an old "
               "sign-on replayed later is refused, 63); 0: not checked; at most 604800 (a week)."})
    limits: ServerLimits = field(default_factory=ServerLimits, metadata={
        "doc": "What one peer may cost the host: connections, timeouts, frame rate, bytes in flight "
               "(docs/host-limits.md); 0 turns a limit off.", "toml": "limits"})
    dcc_refund_rate: RefundRate = field(default=RefundRate.ORIGINAL, metadata={
        "doc": "The rate a DCC sale's refunds are converted at: \"original\" (the sale's: the cardholder gets back "
               "what was paid for that part) or \"current\" (today's offered rate: the cardholder bears the "
               "rate's movement; the report shows the merchant's exchange difference either way)."})
    dcc: DccConfig = field(default_factory=DccConfig, metadata={
        "doc": "Dynamic currency conversion: the rate table, markup and provider of rate inquiries "
               "(docs/host-rules.md). The test defaults cover every test card's currency."})

    @property
    def journal_path(self) -> Path:
        """The host journal (SQLite)."""
        return self.data_dir / "host-journal.sqlite3"

    @property
    def kek_path(self) -> Path:
        """The host key-encryption key (hex, mode 0600)."""
        return self.data_dir / "host.kek"

    @property
    def keystore_path(self) -> Path:
        """Session keys as TR-31 blocks under the host KEK."""
        return self.data_dir / "host-keys.json"


def load_host_config(data_dir: Path | str) -> HostConfig:
    """``DATA/host.toml`` when present, else the test defaults; HostConfigError names the file and the key."""
    data_dir = Path(data_dir)
    path = data_dir / CONFIG_FILE
    if not path.exists():
        return HostConfig(data_dir=data_dir)
    document = read_toml(path, HostConfigError, "host configuration")
    try:
        return parse_host_config(document, data_dir)
    except HostConfigError as exc:
        raise HostConfigError(f"{path}: {exc}") from None


_TOP_LEVEL_KEYS = frozenset({"dialect", "listen", "http", "sign_on_window_seconds", "cup_sign_on", "refund_credit", "refund_policy",
                             "cup_sign_on_interval_seconds", "tpdu", "cup_ic_download", "cup_batch_mac",
                             "terminals", "limits", "allow_unmatched_refunds", "test_keys", "dcc", "dcc_refund_rate"})
_TERMINAL_KEYS = frozenset({"terminal_id", "merchant_id", "tmk", "tdes_bdk", "tdes_initial_ksn", "aes_bdk",
                            "aes_initial_key_id", "allow_unmatched_refunds", "country"})
_SECRET_KEYS = ("tmk", "tdes_bdk", "aes_bdk")
CARD_BRANDS = ("visa", "mastercard", "amex", "discover", "unionpay", "jcb")
"""The card brands a credit channel may be set for (the brands of :class:`emv.cards.Brand`)."""
_CREDIT_KEYS = frozenset({"channels", "default_channel", "batch_days", "holidays", "cross_border_days"})


def refuse_unknown(table: dict[str, Any], known: frozenset[str], where: str) -> None:
    """HostConfigError naming the first key of ``table`` that is not in ``known`` (``where``: its table)."""
    unknown = sorted(set(table) - known)
    if unknown:
        raise HostConfigError(f"{where}{unknown[0]}: unknown key (known: {', '.join(sorted(known))})")


def _names_a_key(document: dict[str, Any]) -> bool:
    """True when any ``[[terminals]]`` table of ``document`` configures a secret key."""
    entries = document.get("terminals", [])
    return isinstance(entries, list) and any(
        isinstance(entry, dict) and any(key in entry for key in _SECRET_KEYS) for entry in entries)


def parse_host_config(document: dict[str, Any], data_dir: Path) -> HostConfig:
    """A HostConfig from a parsed ``host.toml`` document (unknown keys refused, naming them)."""
    refuse_unknown(document, _TOP_LEVEL_KEYS, "")
    default_unmatched = _bool(document, "allow_unmatched_refunds", False, "")
    test_keys = _bool(document, "test_keys", not _names_a_key(document), "")
    terminals = default_terminals()
    if "terminals" in document:
        entries = document["terminals"]
        if not isinstance(entries, list) or not entries:
            raise HostConfigError("terminals: expected a non-empty array of tables ([[terminals]])")
        terminals = {}
        for index, entry in enumerate(entries):
            profile = _terminal(entry, f"terminals[{index}]", default_unmatched, test_keys)
            if profile.terminal_id in terminals:
                raise HostConfigError(f"terminals[{index}].terminal_id: {profile.terminal_id} is listed twice")
            terminals[profile.terminal_id] = profile
    elif default_unmatched:
        terminals = {tid: TerminalEntry(p.terminal_id, p.merchant_id, allow_unmatched_refunds=True)
                     for tid, p in terminals.items()}
    return HostConfig(
        data_dir=data_dir,
        test_keys=test_keys,
        dialect=_str(document, "dialect", DEFAULT_DIALECT, ""),
        listen=_str(document, "listen", DEFAULT_LISTEN, ""),
        http=_http(document),
        credit=_credit(document.get("refund_credit", {})),
        terminals=terminals,
        refund_policy=_refund_policy(document.get("refund_policy", {})),
        sign_on_window_seconds=_seconds(document, "sign_on_window_seconds", 600),
        cup_sign_on=_cup_sign_on(document.get("cup_sign_on", CupSignOn.HARDENED.value)),
        cup_sign_on_interval_seconds=_seconds(document, "cup_sign_on_interval_seconds", 60),
        tpdu=_tpdu(document),
        cup_ic_download=_bool(document, "cup_ic_download", True, ""),
        cup_batch_mac=_cup_batch_mac(document.get("cup_batch_mac", CupBatchMac.ACCEPT.value)),
        limits=_limits(document.get("limits", {})),
        **_dcc(document),
    )


def _tpdu(document: dict[str, Any]) -> str | None:
    """``tpdu``: 10 hex digits, ID 60 (the only TPDU ID served), upper-cased; None when not given."""
    if "tpdu" not in document:
        return None
    value = document["tpdu"]
    problem = tpdu_problem(value)
    if problem is not None:
        raise HostConfigError(f"tpdu: {problem}")
    return str(value).upper()


def _dcc(document: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"dcc": parse_dcc(document.get("dcc", {})),
                "dcc_refund_rate": parse_refund_rate(document.get("dcc_refund_rate", RefundRate.ORIGINAL.value))}
    except DccConfigError as error:
        raise HostConfigError(str(error)) from None


def _str(table: dict[str, Any], key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise HostConfigError(f"{where}{key}: expected a string")
    return value


def _http(document: dict[str, Any]) -> str | None:
    """``http = "ADDR:PORT"``, checked as ``--http`` is (the address parses, the port is 0..65535)."""
    if "http" not in document:
        return None
    value = document["http"]
    try:
        parse_http_address(value, "http")
    except ConsoleConfigError as error:
        raise HostConfigError(str(error)) from None
    return str(value)


def _bool(table: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise HostConfigError(f"{where}{key}: expected true or false")
    return value


def _hex(table: dict[str, Any], key: str, default: bytes | None, lengths: tuple[int, ...],
         where: str) -> bytes | None:
    if key not in table:
        return default
    value = table[key]
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) not in lengths:
        sizes = " or ".join(str(2 * n) for n in lengths)
        raise HostConfigError(f"{where}{key}: expected {sizes} hex digits")
    return raw


def _channel(value: object, where: str) -> CreditChannel:
    try:
        return CreditChannel(str(value).upper())
    except ValueError:
        raise HostConfigError(f"{where}: expected RT or BT") from None


def _credit(table: object) -> CreditModel:
    if not isinstance(table, dict):
        raise HostConfigError("refund_credit: expected a table")
    refuse_unknown(table, _CREDIT_KEYS, "refund_credit.")
    model = CreditModel()
    channels = dict(model.channels)
    raw_channels = table.get("channels", {})
    if not isinstance(raw_channels, dict):
        raise HostConfigError("refund_credit.channels: expected a table of brand = \"RT\" | \"BT\"")
    for brand, value in raw_channels.items():
        if brand.lower() not in CARD_BRANDS:
            raise HostConfigError(f"refund_credit.channels.{brand}: unknown card brand (known: {', '.join(CARD_BRANDS)})")
        channels[brand.lower()] = _channel(value, f"refund_credit.channels.{brand}")
    days = table.get("batch_days", DEFAULT_BATCH_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 60:
        raise HostConfigError("refund_credit.batch_days: expected an integer 0..60")
    cross_border_days = table.get("cross_border_days", DEFAULT_CROSS_BORDER_DAYS)
    if isinstance(cross_border_days, bool) or not isinstance(cross_border_days, int) or not 0 <= cross_border_days <= 60:
        raise HostConfigError("refund_credit.cross_border_days: expected an integer 0..60")
    holidays = table.get("holidays", [])
    try:
        parsed = frozenset(h if isinstance(h, date) else date.fromisoformat(h) for h in holidays)
    except (TypeError, ValueError):
        raise HostConfigError("refund_credit.holidays: expected dates YYYY-MM-DD") from None
    default = _channel(table["default_channel"], "refund_credit.default_channel") if "default_channel" in table \
        else model.default_channel
    if default is CreditChannel.CROSS_BORDER or CreditChannel.CROSS_BORDER in channels.values():
        raise HostConfigError("refund_credit: XB is the cross-border channel, chosen by the card's country, not by "
                              "brand (set cross_border_days)")
    return CreditModel(channels=channels, default_channel=default, batch_days=days, holidays=parsed,
                       cross_border_days=cross_border_days)


def _cup_sign_on(value: object) -> CupSignOn:
    try:
        return CupSignOn(value)
    except ValueError:
        raise HostConfigError("cup_sign_on: expected \"hardened\" or \"standard\"") from None


def _cup_batch_mac(value: object) -> CupBatchMac:
    try:
        return CupBatchMac(value)
    except ValueError:
        raise HostConfigError(f"cup_batch_mac: expected \"accept\" or \"require\", got {value!r}") from None


MAX_SIGN_ON_WINDOW_SECONDS = 7 * 86_400
"""The widest sign-on window a host.toml may set (a week): wider is no check at all, use 0 for that."""
MAX_ORIGINAL_AGE_DAYS = 3_660
"""The oldest original a refund may name (ten years): more would overflow the date arithmetic."""


def _seconds(table: dict[str, Any], key: str, default: int, maximum: int = MAX_SIGN_ON_WINDOW_SECONDS) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HostConfigError(f"{key}: expected a non-negative integer of seconds (0: not checked)")
    if value > maximum:
        raise HostConfigError(f"{key}: at most {maximum} seconds, got {value}")
    return value


def _refund_policy(table: object) -> RefundPolicy:
    if not isinstance(table, dict):
        raise HostConfigError("refund_policy: expected a table")
    defaults = RefundPolicy()
    values = {}
    for name in RefundPolicy.__dataclass_fields__:
        value = table.get(name, getattr(defaults, name))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HostConfigError(f"refund_policy.{name}: expected a non-negative integer (0 = no limit)")
        if name == "max_original_age_days" and value > MAX_ORIGINAL_AGE_DAYS:
            raise HostConfigError(f"refund_policy.{name}: at most {MAX_ORIGINAL_AGE_DAYS} days, got {value}")
        values[name] = value
    unknown = sorted(set(table) - set(values))
    if unknown:
        raise HostConfigError(f"refund_policy.{unknown[0]}: unknown key")
    return RefundPolicy(**values)


def _terminal(entry: object, where: str, default_unmatched: bool, test_keys: bool) -> TerminalEntry:
    """One ``[[terminals]]`` table; its secret keys left out are None (scheme refused) unless ``test_keys``."""
    if not isinstance(entry, dict):
        raise HostConfigError(f"{where}: expected a table")
    prefix = f"{where}."
    refuse_unknown(entry, _TERMINAL_KEYS, prefix)
    terminal_id = _str(entry, "terminal_id", TERMINAL_ID, prefix)
    merchant_id = _str(entry, "merchant_id", MERCHANT_ID, prefix)
    if len(terminal_id) != 8:
        raise HostConfigError(f"{prefix}terminal_id: expected 8 characters")
    if len(merchant_id) != 15:
        raise HostConfigError(f"{prefix}merchant_id: expected 15 characters")
    return TerminalEntry(
        terminal_id=terminal_id,
        merchant_id=merchant_id,
        tmk=_hex(entry, "tmk", TEST_KEYS.terminal_master_key if test_keys else None, (16, 24), prefix),
        tdes_bdk=_hex(entry, "tdes_bdk", TEST_KEYS.tdes_bdk if test_keys else None, (16, 24), prefix),
        tdes_initial_ksn=_hex(entry, "tdes_initial_ksn", TEST_KEYS.tdes_initial_ksn, (10,), prefix)
        or TEST_KEYS.tdes_initial_ksn,
        aes_bdk=_hex(entry, "aes_bdk", TEST_KEYS.aes_bdk if test_keys else None, (16, 24, 32), prefix),
        aes_initial_key_id=_hex(entry, "aes_initial_key_id", TEST_KEYS.aes_initial_key_id, (8,), prefix)
        or TEST_KEYS.aes_initial_key_id,
        allow_unmatched_refunds=_bool(entry, "allow_unmatched_refunds", default_unmatched, prefix),
        country=_country(entry, prefix),
    )


def _country(entry: dict[str, Any], prefix: str) -> str:
    value = _str(entry, "country", "840", prefix)
    if not (len(value) == 3 and value.isascii() and value.isdigit()):
        raise HostConfigError(f"{prefix}country: expected 3 digits (ISO 3166-1 numeric), got {value!r}")
    return value


_LIMIT_KEYS = ("max_connections", "idle_timeout", "partial_frame_timeout", "max_frames_per_second",
               "max_bytes_in_flight")


def _limits(table: object) -> ServerLimits:
    """The ``[limits]`` table: every key optional, unknown keys refused (a typo must not drop a limit)."""
    if not isinstance(table, dict):
        raise HostConfigError("limits: expected a table")
    unknown = sorted(set(table) - set(_LIMIT_KEYS))
    if unknown:
        raise HostConfigError(f"limits.{unknown[0]}: unknown limit (known: {', '.join(_LIMIT_KEYS)})")
    try:
        return ServerLimits(**table)
    except LimitsError as exc:
        raise HostConfigError(f"limits.{exc}") from None
