"""pytest plugin: write your own refund tests against possim's host emulator (docs/pytest-plugin.md).

Installed with possim (entry point ``pytest11``), it adds two fixtures and two markers:

* ``possim_host``: the host emulator on a free 127.0.0.1 port, its data in a temporary folder,
  with the fault rules (docs/host-rules.md) of the ``possim_rules`` marker or of an indirect
  parameter; it runs on its own event loop in a background thread, so sync and async tests both
  use it, and it stops at teardown. ``possim_host.api_url`` is its HTTP API (docs/host-api.md) on
  another free 127.0.0.1 port: a test adds rules and moves the business date over HTTP, as a
  harness in another language would.
* ``possim_terminal``: a :class:`~pos_terminal.engine.terminal.TerminalEngine` bound to that host, in its own
  temporary folder, configured by the ``possim_config`` marker (terminal.toml keys; ``dialect``
  applies to the host too), with async helpers ``sale``, ``refund``, ``void``, ``settle``,
  ``sign_on`` and ``echo`` and the messages it exchanged (masked) in :meth:`PossimTerminal.messages`.

The plugin defines nothing else: no autouse fixture, no hook besides registering its markers, and
it leaves the asyncio mode alone (the async helpers need pytest-asyncio or ``asyncio.run``).
Heavy imports wait until a fixture is used, so loading the plugin costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pos_terminal.engine.terminal import TerminalEngine
    from pos_terminal.common.observe import ExchangeRecord
    from pos_terminal.common.results import TxnResult
    from simulator.host.journal import HostJournal

RULES_MARKER = "possim_rules"
CONFIG_MARKER = "possim_config"
SUPERVISOR_PASSWORD = "0000"
"""The test terminal's default supervisor password (protocols.defaults)."""
_PASSWORD_ITERATIONS = 1_000
"""PBKDF2 cost for the test terminal's supervisor password hash (in memory only, a test password)."""
_START_TIMEOUT = 30.0


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (suites that run with ``--strict-markers`` accept them)."""
    config.addinivalue_line(
        "markers", f"{RULES_MARKER}(*rules): host fault rules for possim_host, each a [[rule]] table as a dict "
                   "(docs/host-rules.md)")
    config.addinivalue_line(
        "markers", f"{CONFIG_MARKER}(**keys): terminal.toml keys for possim_terminal; dialect applies to "
                   "possim_host too")


@dataclass
class PossimHost:
    """The host emulator serving on 127.0.0.1 from a background thread with its own event loop."""

    url: str
    data_dir: Path
    dialect: str
    rules: list[dict[str, Any]]
    _loop: asyncio.AbstractEventLoop = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _server: Any = field(repr=False)
    _console: Any = field(default=None, repr=False)
    api_url: str = ""
    """The host's HTTP API and console, ``http://127.0.0.1:PORT`` (``/api/...``, docs/host-api.md)."""

    @classmethod
    def start(cls, data_dir: Path, *, dialect: str = "terminal87", rules: list[dict[str, Any]] | None = None,
              **config: Any) -> PossimHost:
        """Start the host on a free port; ``config``: host.toml keys (HostConfig fields). A bad rule raises the
        host's RulesError naming it."""
        rules = list(rules or [])
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="possim-host", daemon=True)
        thread.start()

        async def serve() -> tuple[Any, str, Any]:  # built on the host's thread: its journal lives there
            from simulator.host.config import HostConfig
            from simulator.host.console import HostConsole, parse_http_address
            from simulator.host.rules import parse_rules
            from simulator.host.server import HostServer

            server = HostServer(HostConfig(data_dir=data_dir, dialect=dialect, **config), listen="tcp://127.0.0.1:0",
                                rules=parse_rules({"rule": rules}))
            url = await server.start()
            console = HostConsole(server, parse_http_address("127.0.0.1:0"))
            try:
                await console.start()
            except BaseException:
                await server.stop()
                raise
            return server, url, console

        try:
            server, url, console = asyncio.run_coroutine_threadsafe(serve(), loop).result(_START_TIMEOUT)
        except BaseException:
            _stop_loop(loop, thread)
            raise
        return cls(url, data_dir, dialect, rules, loop, thread, server, console, console.url)

    def stop(self) -> None:
        """Stop serving, close the host journal and end the thread."""

        async def stop() -> None:
            try:
                if self._console is not None:
                    await self._console.stop()
            finally:
                await self._server.stop()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(_START_TIMEOUT)
        finally:
            _stop_loop(self._loop, self._thread)

    def journal(self) -> JournalView:
        """A read-only view of the host's journal (what it approved, credited and reversed); close it, or use
        it as a context manager."""
        from simulator.host.journal import HostJournal

        return JournalView(HostJournal.read_only(self.data_dir / "host-journal.sqlite3"))


class ReadOnlyJournal(AttributeError):
    """A test asked :class:`JournalView` for a method that would change the host's journal."""


class SyncInEventLoop(RuntimeError):
    """A synchronous helper called where an event loop runs (an async test): it must be awaited instead."""


_JOURNAL_READS = frozenset({
    "path", "transactions", "transaction", "find_by_rrn", "find_by_request", "refunds_of", "refunded_amount",
    "count_refunds_since", "ledger", "live_entries", "moved_transactions", "net_debit", "messages",
    "stored_response", "uploads", "settlements", "last_session", "sessions", "business_date_offset",
})
"""The :class:`~simulator.host.journal.HostJournal` methods that only read."""


class JournalView:
    """The host journal for a test to read: only the reading methods, over a read-only SQLite connection."""

    def __init__(self, journal: HostJournal) -> None:
        self._journal = journal

    def __getattr__(self, name: str) -> Any:
        if name in _JOURNAL_READS:
            return getattr(self._journal, name)
        raise ReadOnlyJournal(f"possim_host.journal() is read-only: {name!r} is not one of its reading methods "
                              f"({', '.join(sorted(_JOURNAL_READS))})")

    def close(self) -> None:
        self._journal.close()

    def __enter__(self) -> JournalView:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(_START_TIMEOUT)
    loop.close()


@dataclass
class PossimTerminal:
    """A terminal engine bound to :class:`PossimHost`, with one coroutine per cashier operation.

    Amounts are in major units as typed (``"12.34"``), cards are shipped test cards
    (``possim cards``); every helper returns the :class:`~pos_terminal.common.results.TxnResult`.
    """

    engine: TerminalEngine
    data_dir: Path
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    """Every message on the wire, in order (clear values: read them through :meth:`messages`)."""
    supervisor_password: str = field(default=SUPERVISOR_PASSWORD, repr=False)
    _sync_loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    """The event loop of the synchronous helpers (one per terminal, so their kept connection is reused)."""

    @classmethod
    def open(cls, data_dir: Path, host: PossimHost, **config: Any) -> PossimTerminal:
        """A fresh terminal in ``data_dir`` speaking ``host``'s dialect; ``config``: terminal.toml keys."""
        from pos_terminal.state.config import load_config
        from pos_terminal.engine.terminal import TerminalEngine

        settings = {"dialect": host.dialect, **config, "host_url": host.url}
        password = settings.pop("supervisor_password", SUPERVISOR_PASSWORD)
        if "supervisor_password_hash" not in settings:
            from pos_terminal.state.passwords import hash_password

            settings["supervisor_password_hash"] = hash_password(password, iterations=_PASSWORD_ITERATIONS)
        engine = TerminalEngine.open(data_dir, load_config(data_dir, password_iterations=_PASSWORD_ITERATIONS)
                                     .with_overrides(**settings))
        terminal = cls(engine, data_dir, supervisor_password=password)
        engine.observer = terminal.exchanges.append
        return terminal

    @property
    def sync(self) -> SyncTerminal:
        """The helpers as plain calls, for a test without an event loop (docs/pytest-plugin.md)."""
        return SyncTerminal(self)

    def close(self) -> None:
        """Close the terminal (and the kept connection of the synchronous helpers, on their loop)."""
        if self._sync_loop is not None:
            with contextlib.suppress(RuntimeError):  # called where another loop runs: it ends with the process
                self._sync_loop.run_until_complete(self.engine.disconnect())
            self._sync_loop.close()
        self.engine.close()

    async def _run(self, operation: str, **options: Any) -> TxnResult:
        from simulator.txn_api import TxnOptions, run_operation

        return await run_operation(self.engine, operation, TxnOptions(**options))

    async def sale(self, card: str, amount: str, *, pin: str | None = None, entry: str = "chip",
                   currency: str | None = None, dcc: str | None = None) -> TxnResult:
        """A purchase with ``card`` (a shipped test card) for ``amount`` (major units of ``currency``, default the
        terminal's); ``dcc="accept"`` pays in the card's currency when the host offers DCC (``dcc=True`` in
        ``possim_config``), ``"decline"`` (or None) in the merchant's."""
        return await self._run("sale", card=card, amount=str(amount), pin=pin, entry=entry, currency=currency, dcc=dcc)

    async def refund(
        self, card: str, amount: str, *, original: TxnResult | None = None, original_rrn: str | None = None,
        invoice: int | None = None, reason: str | None = None, pin: str | None = None, entry: str = "chip",
        supervisor_password: str | None = None, currency: str | None = None,
    ) -> TxnResult:
        """A refund of ``original`` (a sale's result), or of the sale with ``original_rrn`` or ``invoice``; a DCC
        sale's refund goes back in the card's currency (``result.dcc``)."""
        if original is not None:
            original_rrn, invoice = original.rrn, None
        return await self._run(
            "refund", card=card, amount=str(amount), original_rrn=original_rrn, invoice=invoice, reason=reason,
            pin=pin, entry=entry, supervisor_password=self._password(supervisor_password), currency=currency,
        )

    async def void(self, invoice: int | TxnResult, *, supervisor_password: str | None = None) -> TxnResult:
        """Void a sale or refund of the open batch, by its invoice or its result."""
        number = invoice if isinstance(invoice, int) else invoice.invoice
        return await self._run("void", invoice=number, supervisor_password=self._password(supervisor_password))

    async def settle(self, *, supervisor_password: str | None = None) -> TxnResult:
        """Settle the open batch (with a batch upload when the host asks for one); a supervisor function."""
        return await self._run("settle", supervisor_password=self._password(supervisor_password))

    async def sign_on(self) -> TxnResult:
        return await self._run("signon")

    async def echo(self) -> TxnResult:
        return await self._run("echo")

    def _password(self, given: str | None) -> str:
        return self.supervisor_password if given is None else given

    def messages(self, mti: str | None = None, *, reveal: bool = False) -> list[dict[str, Any]]:
        """The messages exchanged so far (or those with ``mti``), as ``possim decode --json`` shows them,
        masked unless ``reveal``, each with its ``direction`` ("out"/"in") and ``mac_verified``."""
        from iso8583.dump import to_json

        return [
            {"direction": record.direction.value, "mac_verified": record.mac_verified,
             **to_json(record.message, self.engine.dialect, reveal=reveal)}
            for record in self.exchanges if mti is None or record.message.mti == mti
        ]


class SyncTerminal:
    """:class:`PossimTerminal`'s helpers as plain calls: each runs to its end on the terminal's own event loop.

    For plain (non-async) tests; in an async test, await the helpers themselves (:class:`SyncInEventLoop`).
    """

    def __init__(self, terminal: PossimTerminal) -> None:
        self._terminal = terminal

    def _wait(self, name: str, coroutine: Coroutine[Any, Any, TxnResult]) -> TxnResult:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coroutine.close()
            raise SyncInEventLoop(f"possim_terminal.sync.{name}() called inside a running event loop (an async "
                                  f"test): use 'await possim_terminal.{name}(...)' instead")
        terminal = self._terminal
        if terminal._sync_loop is None:
            terminal._sync_loop = asyncio.new_event_loop()
        return terminal._sync_loop.run_until_complete(coroutine)

    def sale(self, card: str, amount: str, **options: Any) -> TxnResult:
        """:meth:`PossimTerminal.sale`, waited for."""
        return self._wait("sale", self._terminal.sale(card, amount, **options))

    def refund(self, card: str, amount: str, **options: Any) -> TxnResult:
        """:meth:`PossimTerminal.refund`, waited for."""
        return self._wait("refund", self._terminal.refund(card, amount, **options))

    def void(self, invoice: int | TxnResult, **options: Any) -> TxnResult:
        """:meth:`PossimTerminal.void`, waited for."""
        return self._wait("void", self._terminal.void(invoice, **options))

    def settle(self, *, supervisor_password: str | None = None) -> TxnResult:
        """:meth:`PossimTerminal.settle`, waited for."""
        return self._wait("settle", self._terminal.settle(supervisor_password=supervisor_password))

    def sign_on(self) -> TxnResult:
        """:meth:`PossimTerminal.sign_on`, waited for."""
        return self._wait("sign_on", self._terminal.sign_on())

    def echo(self) -> TxnResult:
        """:meth:`PossimTerminal.echo`, waited for."""
        return self._wait("echo", self._terminal.echo())


def _marker_rules(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for marker in reversed(list(request.node.iter_markers(RULES_MARKER))):  # outermost (module, class) first
        rules.extend(marker.args)
    return rules


def _marker_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(CONFIG_MARKER))):  # the closest marker wins
        config.update(marker.kwargs)
    return config


@pytest.fixture
def possim_host(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PossimHost]:
    """The host emulator on a free 127.0.0.1 port, with the rules of ``possim_rules`` or of an indirect parameter."""
    rules = _marker_rules(request)
    param = getattr(request, "param", None)
    if param is not None:
        rules.extend([param] if isinstance(param, dict) else list(param))
    dialect = _marker_config(request).get("dialect", "terminal87")
    host = PossimHost.start(tmp_path_factory.mktemp("possim-host"), dialect=dialect, rules=rules)
    yield host
    host.stop()


@pytest.fixture
def possim_terminal(
    possim_host: PossimHost, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PossimTerminal]:
    """A fresh terminal bound to ``possim_host``, configured by ``possim_config``; closed at teardown."""
    terminal = PossimTerminal.open(tmp_path_factory.mktemp("possim-terminal"), possim_host, **_marker_config(request))
    yield terminal
    terminal.close()
