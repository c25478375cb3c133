"""The engine's core: a terminal's configuration, journal and keys, and one exchange with its host.

:class:`EngineCore` opens the connection, journals each message (masked dump) sent and received,
checks that a response answers its request and that its MAC verifies, and provides the keys of
the next request (signing on first when master/session keys are missing). The transaction
families build on it: :mod:`pos_terminal.recovery` (reversals, advices), :mod:`pos_terminal.closing`
(settlement) and :mod:`pos_terminal.engine` (sale, refund, void).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from iso8583.channels import BaseChannel, ChannelError, connect
from iso8583.codec import decode, encode
from iso8583.dialect import Dialect
from iso8583.dialects import get_dialect
from iso8583.dump import render_text
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from keys.errors import CryptoError
from keys.kcv import kcv_tdes
from keys.tr31 import unwrap
from pos_terminal import messages
from pos_terminal.config import TerminalConfig, load_config
from pos_terminal.ereceipt import ReceiptArchive
from pos_terminal.journal import Journal, load_or_create_secret
from pos_terminal.keyring import TerminalKeyring
from pos_terminal.observe import ExchangeObserver, observed
from pos_terminal.protocol import (
    AdditionalDataError,
    AdditionalTag,
    NetworkCode,
    ResponseCode,
    additional_data,
    response_mti,
)
from pos_terminal.records import MessageDirection, TransactionRecord
from pos_terminal.results import Outcome, TxnResult
from pos_terminal.supervisor import SupervisorGate
from pos_terminal.security import (
    KeyScheme,
    MessageKeys,
    pin_block_format_for,
    sign_request,
    verify_response,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ReversalProgress = Callable[[int, int, int], None]
"""Told before each reversal send: (STAN of the reversed transaction, attempt from 1, attempts in this run)."""


class TerminalRefusal(Exception):
    """The terminal itself refuses the operation (exit 1).

    The message names the rule for the log and the command line; ``screen`` (at most two lines of
    21 characters) says it to the cashier on the device, in words that fit the display.
    """

    def __init__(self, message: str, screen: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.screen = screen


class CommunicationFailure(Exception):
    """No usable answer from the host: unreachable, timed out, garbled, or failed its MAC."""


class HostUnreachable(CommunicationFailure):
    """No connection to the host could be made: nothing was sent."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EngineCore:
    """One terminal: configuration, journal, keys, and the exchanges with its host."""

    def __init__(
        self,
        config: TerminalConfig,
        journal: Journal,
        keyring: TerminalKeyring,
        fingerprint_secret: bytes,
        *,
        clock: Clock = _utc_now,
        data_dir: Path | None = None,
        observer: ExchangeObserver | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.data_dir = data_dir
        """The data folder (receipts are kept there); None for an engine built without one."""
        self.keyring = keyring
        self.dialect: Dialect = get_dialect(config.dialect)
        self._fingerprint_secret = fingerprint_secret
        self._clock = clock
        self.supervisor = SupervisorGate(config, journal, clock)
        """The supervisor review step of refund, void and settlement (shared with the device)."""
        self.observer = observer
        """Called with each message on the wire (pos_terminal.observe); may be set after :meth:`open`."""
        self.on_reversal_attempt: ReversalProgress | None = None
        """Called before each reversal send, so a UI can show progress through the timeouts."""

    @classmethod
    def open(cls, data_dir: Path, config: TerminalConfig | None = None, *, clock: Clock = _utc_now) -> Self:
        """The terminal whose state lives in ``data_dir`` (created on first use, with the test defaults)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        config = config or load_config(data_dir)
        journal = Journal.open(data_dir / "journal.sqlite3")
        keyring = TerminalKeyring.open(data_dir, journal)
        secret = load_or_create_secret(data_dir / "card-fingerprint.key")
        return cls(config, journal, keyring, secret, clock=clock, data_dir=data_dir)

    def close(self) -> None:
        self.journal.close()

    @property
    def scheme(self) -> KeyScheme:
        return KeyScheme(self.config.key_scheme)

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

    def _record(self, direction: MessageDirection, message: Message, txn_id: int | None) -> None:
        """Journal (and trace at DEBUG) the masked dump of a message sent or received."""
        stan = message.get(11)
        dump = render_text(message, self.dialect)
        log.debug("%s %s\n%s", ">>" if direction is MessageDirection.OUT else "<<", message.mti, dump)
        self.journal.record_message(
            direction, message.mti, int(stan) if isinstance(stan, str) and stan.isdigit() else None,
            dump, transaction_id=txn_id, now=self._clock(),
        )

    async def _open(self) -> BaseChannel:
        """A connection to the host, or :class:`HostUnreachable`."""
        try:
            return await connect(self.config.host_url, connect_timeout=self.config.connect_timeout)
        except (ChannelError, OSError) as error:
            raise HostUnreachable(f"host unreachable: {error}") from None

    async def _exchange(
        self, request: Message, keys: MessageKeys | None, txn_id: int | None, channel: BaseChannel | None = None
    ) -> Message:
        """Send ``request`` (signed when ``keys`` are given) and return the verified response.

        ``channel``, when given, is an already open connection (the exchange closes it).
        """
        signed = sign_request(request, self.dialect, keys) if keys else request
        channel = channel or await self._open()
        self._record(MessageDirection.OUT, signed, txn_id)
        try:
            raw_request = encode(signed, self.dialect)
            await channel.send(raw_request)
            if self.observer is not None:
                self.observer(observed(MessageDirection.OUT, signed, raw_request, self.dialect, keys))
            raw = await channel.receive(timeout=self.config.response_timeout)
        except (ChannelError, OSError) as error:
            raise CommunicationFailure(f"no response: {error}") from None
        finally:
            await channel.close()
        try:
            response = decode(raw, self.dialect)
        except Iso8583Error as error:
            raise CommunicationFailure(f"garbled response: {error}") from None
        if self.observer is not None:
            self.observer(observed(MessageDirection.IN, response, raw, self.dialect, keys))
        self._record(MessageDirection.IN, response, txn_id)
        self._check_matches(signed, response)
        if keys is not None:
            try:
                verify_response(response, self.dialect, keys)
            except CryptoError as error:
                raise CommunicationFailure(f"response rejected: {error}") from None
        return response

    @staticmethod
    def _check_matches(request: Message, response: Message) -> None:
        expected = response_mti(request.mti)
        if response.mti != expected:
            raise CommunicationFailure(f"response rejected: MTI {response.mti}, expected {expected}")
        for number in (11, 41):
            if response.get(number) != request.get(number):
                raise CommunicationFailure(f"response rejected: DE {number} does not match the request")
        if not isinstance(response.get(39), str):
            raise CommunicationFailure("response rejected: no response code (DE 39)")

    def _with_ksn(self, keys: MessageKeys, items: dict[str, str] | None = None) -> dict[str, str]:
        """DE 63 items, plus the KSN for DUKPT."""
        merged = dict(items or {})
        if keys.ksn is not None:
            merged[AdditionalTag.KSN] = keys.ksn.hex().upper()
        return merged

    async def _message_keys(self) -> MessageKeys:
        """Keys for the next request; master/session keys sign on first when none are loaded."""
        if self.scheme is KeyScheme.MKSK and not self.keyring.is_signed_on():
            result = await self._network(NetworkCode.SIGN_ON, "signon")
            if not result.approved:
                raise CommunicationFailure(f"sign-on failed: {result.error or result.response_code}")
        return self.keyring.next_message_keys(self.scheme, pin_block_format_for(self.dialect))

    # ------------------------------------------------------------------ network management

    async def _network(self, code: NetworkCode, operation: str) -> TxnResult:
        now = self._clock()
        stan = self.journal.next_stan()
        request = messages.network_request(code, stan, now, self.config)
        try:
            response = await self._exchange(request, None, None)
        except CommunicationFailure as failure:
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, stan=stan, error=str(failure))
        response_code = str(response[39])
        if response_code == ResponseCode.APPROVED and code is NetworkCode.SIGN_ON and self.scheme is KeyScheme.MKSK:
            try:
                self._load_session_keys(response)
            except (CryptoError, AdditionalDataError, KeyError) as error:
                return TxnResult(operation, Outcome.COMMUNICATION_FAILED, response_code=response_code, stan=stan,
                                 error=f"session keys refused: {error}")
        self.journal.record_event(operation, {"response_code": response_code, "stan": stan}, now=self._clock())
        return TxnResult(operation, Outcome.COMPLETED, response_code=response_code, stan=stan)

    def _load_session_keys(self, response: Message) -> None:
        """Unwrap the TR-31 blocks under the TMK and check each key's KCV before keeping it."""
        items = additional_data(response)
        tmk = self.keyring.terminal_master_key
        loaded = {}
        for block_tag, kcv_tag, what in (
            (AdditionalTag.PIN_KEY_BLOCK, AdditionalTag.PIN_KEY_KCV, "PIN key"),
            (AdditionalTag.MAC_KEY_BLOCK, AdditionalTag.MAC_KEY_KCV, "MAC key"),
        ):
            _, key = unwrap(tmk, items[block_tag])
            if kcv_tdes(key).hex().upper() != items[kcv_tag].upper():
                raise CryptoError(f"{what}: check value does not match")
            loaded[what] = key
        self.keyring.load_session_keys(loaded["PIN key"], loaded["MAC key"])

    @staticmethod
    def _original_reference(
        original: TransactionRecord | None, rrn: str | None, local_date: str | None
    ) -> dict[str, str]:
        """DE 63 OR / OD naming a refund's original sale (from the journal, else as the cashier typed it)."""
        if original is not None:
            rrn, local_date = original.rrn, original.transmitted_at.strftime("%m%d")
        if not rrn:
            return {}
        return {AdditionalTag.ORIGINAL_RRN: rrn, AdditionalTag.ORIGINAL_DATE: local_date or ""}


def text_field(message: Message, number: int) -> str | None:
    """A text field's value, or None when absent or blank."""
    value = message.get(number)
    return value if isinstance(value, str) and value.strip() else None


_HOST_DATA_TAGS = (
    ("host_status", AdditionalTag.TRANSACTION_STATUS),
    ("credit_channel", AdditionalTag.CREDIT_CHANNEL),
    ("credit_date", AdditionalTag.CREDIT_DATE),
    ("credit_status", AdditionalTag.CREDIT_STATUS),
    ("credit_posted_date", AdditionalTag.POSTED_DATE),
)
"""The DE 63 tags the host reports a transaction's fate with, and their names in ``host_data``."""


def host_status_data(items: dict[str, str]) -> dict[str, str]:
    """The journal's ``host_data`` for the DE 63 items of a response (status words in lower case)."""
    data = {name: items[tag] for name, tag in _HOST_DATA_TAGS if tag in items}
    for name in ("host_status", "credit_status"):
        if name in data:
            data[name] = data[name].lower()
    return data


def credit_data(response: Message) -> dict[str, str]:
    """What the host says about when a refund reaches the cardholder (DE 63 CC, CD, CS and PD)."""
    return host_status_data(additional_data(response))


def journal_reason(error: Exception) -> str:
    """The journal's refusal without its file path prefix (the cashier does not need it)."""
    text = str(error)
    return text.split(": ", 1)[1] if text.startswith("journal ") and ": " in text else text
