"""The engine's core: a terminal's configuration, journal and keys, and one exchange with its host.

:class:`EngineCore` opens the connection, journals each message (masked dump) sent and received,
checks that a response answers its request and that its MAC verifies, and provides the keys of
the next request (signing on first when master/session keys are missing). It drives the sans-I/O
flows of :mod:`pos_terminal.flows` (:meth:`EngineCore.run`) on the journal (:attr:`EngineCore.state`,
:class:`~pos_terminal.engine.state.JournalState`); the light load terminal runs the same flows in memory.
The transaction families build on it: :mod:`pos_terminal.engine.recovery` (reversals, repeats, advices),
:mod:`pos_terminal.engine.settlement` (settlement) and :mod:`pos_terminal.engine.terminal` (sale, refund, void).

What differs between protocols (message layouts, MAC, sign-on keys, what is reversed and what is
repeated, what each response code means) is the engine's :attr:`EngineCore.profile`
(:mod:`pos_terminal.profiles`), the one the dialect's protocol names in the engine's
:class:`~pos_terminal.profiles.registry.ProfileRegistry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from iso8583.channels import BaseChannel, ChannelError, connect
from iso8583.codec import decode, encode
from iso8583.dialect import Dialect
from iso8583.toml_dialect import resolve_dialect
from iso8583.dump import masked_frame_hex, render_text
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from pos_terminal.state.config import TerminalConfig, load_config
from pos_terminal.state.datafolder import DataFolder
from pos_terminal.output.ereceipt import ReceiptArchive
from pos_terminal.journal import Journal, JournalError, load_or_create_secret
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.common.failures import CommunicationFailure, FailureKind, HostUnreachable, TerminalRefusal
from pos_terminal.common.clock import Clock, utc_now
from pos_terminal.common.observe import ExchangeObserver
from pos_terminal.engine.state import JournalState, ReversalProgress
from pos_terminal.flows import network
from pos_terminal.flows.answers import accept_answer
from pos_terminal.flows.network import KeyContext
from pos_terminal.common.effects import Connect, Drop, Effect, Finished, NeedKeys, Send, Step, advance
from pos_terminal.profiles import NetworkKind, ProtocolProfile
from pos_terminal.profiles.registry import ProfileRegistry, default_profiles
from pos_terminal.state.records import MessageDirection
from pos_terminal.common.results import Outcome, TxnResult
from pos_terminal.rules.supervisor import Grant, SupervisorGate
from protocols.security import KeyScheme, MessageKeys

log = logging.getLogger(__name__)

T = TypeVar("T")


__all__ = [
    "Clock", "CommunicationFailure", "EngineCore", "FailureKind", "HostUnreachable", "TerminalRefusal",
]


class EngineCore:
    """One terminal: configuration, journal, keys, and the exchanges with its host."""

    def __init__(
        self,
        config: TerminalConfig,
        journal: Journal,
        keyring: TerminalKeyring,
        fingerprint_secret: bytes,
        *,
        clock: Clock = utc_now,
        data_dir: Path | None = None,
        observer: ExchangeObserver | None = None,
        profiles: ProfileRegistry | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.data_dir = data_dir
        """The data folder (receipts are kept there); None for an engine built without one."""
        self.keyring = keyring
        self.dialect: Dialect = resolve_dialect(config.dialect)
        self.profile: ProtocolProfile = (profiles or default_profiles()).profile_for(self.dialect)
        """The protocol spoken with the host (pos_terminal.profiles), the one the dialect names."""
        self.config = self.profile.configure(config)
        self._fingerprint_secret = fingerprint_secret
        self._clock = clock
        self.supervisor = SupervisorGate(config, journal, clock)
        """The supervisor review step of refund, void and settlement (shared with the device)."""
        self.observer = observer
        """Called with each message on the wire (pos_terminal.common.observe); may be set after :meth:`open`."""
        self._folder: DataFolder | None = None
        self._channel: BaseChannel | None = None
        """The connection kept between requests (``keep_connection``), to ``_channel_url``."""
        self._channel_url: str | None = None
        self._channel_loop: asyncio.AbstractEventLoop | None = None
        """The event loop ``_channel`` belongs to: a kept connection serves only the loop that opened it."""
        self.on_reversal_attempt: ReversalProgress | None = None
        """Called before each reversal send, so a UI can show progress through the timeouts."""
        self.state = JournalState(journal, self.profile, clock, self._reversal_progress)
        """What the flows (pos_terminal.flows) remember, in the journal."""

    @classmethod
    def open(cls, data_dir: Path, config: TerminalConfig | None = None, *, clock: Clock = utc_now,
             busy_wait: float = 5.0, profiles: ProfileRegistry | None = None) -> Self:
        """The terminal whose state lives in ``data_dir`` (created on first use, with the test defaults).

        The folder is this process's until :meth:`close` (:mod:`pos_terminal.state.datafolder`): another
        process waits up to ``busy_wait`` seconds, then gets :class:`~pos_terminal.state.datafolder.TerminalBusy`.
        State the folder had and lost is refused (:class:`~pos_terminal.state.datafolder.MissingState`).
        ``profiles``: where the dialect's protocol is looked up (default: :func:`default_profiles`).
        """
        profiles = profiles or default_profiles()
        folder = DataFolder.open(data_dir, wait=busy_wait)
        try:
            config = config or load_config(data_dir)
            # a setting the protocol refuses, or a protocol no profile speaks: before opening
            config = profiles.profile_for(resolve_dialect(config.dialect)).configure(config)
            journal = Journal.open(data_dir / "journal.sqlite3")
            try:
                keyring = TerminalKeyring.open(data_dir, journal)
                secret = load_or_create_secret(data_dir / "card-fingerprint.key")
            except BaseException:
                journal.close()
                raise
            folder.record_state()
        except BaseException:
            folder.close()
            raise
        engine = cls(config, journal, keyring, secret, clock=clock, data_dir=data_dir, profiles=profiles)
        engine._folder = folder
        return engine

    def close(self) -> None:
        """Close the journal and let another process have the data folder (``await disconnect()`` first to
        close a kept connection politely; otherwise it ends with the process)."""
        self._channel = None
        with contextlib.suppress(JournalError):
            self.journal.flush()  # message rows still queued (an answer that failed its checks)
        self.journal.close()
        folder, self._folder = self._folder, None
        if folder is not None:
            folder.close()

    @property
    def scheme(self) -> KeyScheme:
        return KeyScheme(self.config.key_scheme)

    def now(self) -> datetime:
        """The engine's clock (UTC)."""
        return self._clock()

    async def _authorise(self, operation: str, password: str | None, grant: Grant | None) -> None:
        """The supervisor's approval of ``operation``: a grant from the device, else the password (counted)."""
        if self.supervisor.redeem(grant, operation):
            return
        verdict = await self.supervisor.check(password or "", operation)
        if not verdict.accepted:
            tries = "1 TRY LEFT" if verdict.tries_left == 1 else f"{verdict.tries_left} TRIES LEFT"
            screen = ("SUPERVISOR LOCKED", "SEE MENU 3 UNLOCK") if verdict.locked else ("WRONG PASSWORD", tries)
            raise TerminalRefusal(verdict.refusal(operation), screen)

    def receipts(self) -> ReceiptArchive | None:
        """The data folder's receipts and outbox (None without a data folder)."""
        return None if self.data_dir is None else ReceiptArchive(self.data_dir, self.config, self.journal)

    def _file_receipt(self, result: TxnResult) -> TxnResult:
        """Keep the customer receipt of a completed transaction in DATA/receipts (``keep_receipts``)."""
        archive = self.receipts()
        if archive is None or not self.config.keep_receipts or result.transaction_id is None:
            return result
        try:
            path = archive.file(self.journal.get(result.transaction_id))
        except OSError as error:  # the transaction stands; only its paper copy is missing
            log.warning("receipt of invoice %s not written: %s", result.invoice, error.strerror or error)
            return result
        return replace(result, receipt_file=str(path))

    # ------------------------------------------------------------------ exchanges

    def _record(self, direction: MessageDirection, message: Message, txn_id: int | None, *,
                defer: bool = False) -> None:
        """Journal (and trace at DEBUG) the masked dump of a message sent or received; ``defer``: with the
        journal's next commit rather than one of its own."""
        stan = message.get(11)
        dump = render_text(message, self.dialect)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s\n%s\n  hex (masked, decodes with possim decode): %s",
                      ">>" if direction is MessageDirection.OUT else "<<", message.mti, dump,
                      masked_frame_hex(message, self.dialect))
        self.journal.record_message(
            direction, message.mti, int(stan) if isinstance(stan, str) and stan.isdigit() else None,
            dump, transaction_id=txn_id, now=self._clock(), defer=defer,
        )

    async def _open(self) -> BaseChannel:
        """A connection to the host (the kept one, when ``keep_connection`` and it is still open), or
        :class:`HostUnreachable`."""
        kept = self._channel
        loop = asyncio.get_running_loop()
        if kept is not None and self._channel_loop is not loop:
            # opened on another event loop (each asyncio.run is a new one): unusable here, and closing it
            # would need its own loop; it ends with that loop (or the process)
            self._channel = None
            kept = None
        if kept is not None and not kept.closed and self._channel_url == self.config.host_url:
            return kept
        if kept is not None:  # closed by the host, or the terminal now talks to another host
            self._channel = None
            await kept.close()
        try:
            channel = await connect(self.config.host_url, connect_timeout=self.config.connect_timeout)
        except (ChannelError, OSError) as error:
            raise HostUnreachable(f"host unreachable: {error}") from None
        if self.config.keep_connection:
            self._channel, self._channel_url, self._channel_loop = channel, self.config.host_url, loop
        return channel

    async def _release(self, channel: BaseChannel, *, reusable: bool) -> None:
        """Done with ``channel`` for now: kept for the next request when it is the kept connection and its last
        exchange ended cleanly; else closed (after a timeout or a bad answer a late reply could be read as the
        answer to the next request, so such a connection is never reused)."""
        if reusable and channel is self._channel and not channel.closed:
            return
        if channel is self._channel:
            self._channel = None
        await channel.close()

    async def disconnect(self) -> None:
        """Close the kept connection (``keep_connection``), if any."""
        if self._channel is not None:
            channel, self._channel = self._channel, None
            if self._channel_loop is asyncio.get_running_loop():  # another loop's connection ends with its loop
                await channel.close()

    async def _exchange(
        self, request: Message, keys: MessageKeys | None, txn_id: int | None, channel: BaseChannel | None = None,
        *, verify: bool = True, defer_answer: bool = False,
    ) -> Message:
        """Send ``request`` (signed when ``keys`` are given) and return the verified response.

        ``channel``, when given, is an already open connection (the exchange closes it). ``verify``
        False takes the response without checking its MAC (the 0810 of a sign-on, whose key blocks
        TR-31 authenticates). The request's message row (and whatever else the journal holds deferred,
        such as the card's ATC) is committed before a byte leaves; with ``defer_answer`` the answer's row
        rides with the caller's next commit (the one that records the answer), one fsync fewer.
        """
        signed = self.profile.outgoing(request, self.dialect, keys, self.config.tpdu)
        channel = channel or await self._open()
        self._record(MessageDirection.OUT, signed, txn_id, defer=True)
        self.journal.flush()  # the request, and what it depends on (its ATC), durable before it leaves
        try:
            raw_request = encode(signed, self.dialect)
            await channel.send(raw_request)
            if self.observer is not None:
                self.observer(self.profile.observe(MessageDirection.OUT, signed, raw_request, self.dialect, keys))
            raw = await channel.receive(timeout=self.config.response_timeout)
        except (ChannelError, OSError) as error:
            await self._release(channel, reusable=False)
            raise CommunicationFailure(f"no response: {error}", FailureKind.NO_RESPONSE) from None
        try:
            response = decode(raw, self.dialect)
        except Iso8583Error as error:
            await self._release(channel, reusable=False)
            raise CommunicationFailure(f"garbled response: {error}", FailureKind.GARBLED) from None
        await self._release(channel, reusable=True)
        if self.observer is not None:
            self.observer(self.profile.observe(MessageDirection.IN, response, raw, self.dialect,
                                               keys if verify else None))
        self._record(MessageDirection.IN, response, txn_id, defer=defer_answer)
        accept_answer(self.profile, self.dialect, self.keyring, self.scheme, self.config.terminal_id, signed,
                      response, raw, keys, verify=verify)
        return response

    def _reversal_progress(self, stan: int, attempt: int, per_run: int) -> None:
        if self.on_reversal_attempt is not None:
            self.on_reversal_attempt(stan, attempt, per_run)

    async def run(self, flow: Step[T]) -> T:
        """Drive a sans-I/O flow (pos_terminal.flows) to its end: each effect it yields is performed here (keys,
        connection, journaled exchange) and its result sent back, or its exception thrown into the flow."""
        result: Any = None
        failure: Exception | None = None
        while not isinstance(effect := advance(flow, result, failure), Finished):
            result, failure = None, None
            try:
                result = await self._perform(effect)
            except Exception as error:  # noqa: BLE001 - the flow decides what it handles; the rest comes back out
                failure = error
        return effect.value

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self._exchange(effect.request, effect.keys, effect.txn_id, effect.connection,
                                        verify=effect.verify, defer_answer=effect.defer_answer)
        if isinstance(effect, NeedKeys):
            return await self.message_keys()
        if isinstance(effect, Connect):
            return await self._open()
        if isinstance(effect, Drop):
            if effect.connection is not None:
                await self._release(effect.connection, reusable=False)
            return None
        raise TypeError(f"not a flow effect: {effect!r}")

    @property
    def key_context(self) -> KeyContext:
        """The terminal's keyring, key scheme and dialect, as the network flows use them."""
        return KeyContext(self.keyring, self.scheme, self.dialect)

    async def message_keys(self) -> MessageKeys:
        """Keys for the next request; master/session keys sign on first when none are loaded."""
        return await self.run(network.message_keys(self.profile, self.config, self.state, self.key_context))

    # ------------------------------------------------------------------ network management

    async def _network(self, kind: NetworkKind, operation: str) -> TxnResult:
        """A sign-on, echo or sign-off (:func:`pos_terminal.flows.network.network`); an approved sign-on loads
        (and checks) the working keys it delivers."""
        if not self.profile.supports_network(kind):
            return TxnResult(operation, Outcome.REFUSED, error=f"the {self.profile.name} protocol has no {kind.value}")
        end = await self.run(network.network(self.profile, self.config, self.state, self.key_context, kind))
        if end.response_code is None or end.error is not None:
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, response_code=end.response_code, stan=end.stan,
                             error=end.error)
        return TxnResult(operation, Outcome.COMPLETED, response_code=end.response_code, stan=end.stan,
                         host_approved=end.approved)

