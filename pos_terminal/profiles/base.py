"""The protocol-profile seam: what differs between the terminal-to-host protocols, and nothing else.

The flows (:mod:`pos_terminal.flows`, run by the engine on its journal and by the light load terminal in
memory) are written once: journal before send, reversal records, repeats of what is never reversed,
flushing what is owed before anything new, settlement. A :class:`ProtocolProfile` supplies every protocol
decision and nothing else: which message a transaction is and how it is built, how an answer is checked and
read, what its response code means (approved, a reversal cleared, an advice decided, a new sign-on asked
for), how a message is MACed, how sign-on delivers the working keys, which failures are reversed and which
repeated, and the exchanges of a settlement (sans I/O, :meth:`ProtocolProfile.reconcile`). What a profile
reads of the engine is :class:`EngineLink`; profiles never import the engine.

Two profiles ship, registered by protocol name (:mod:`pos_terminal.profiles.registry`):
:class:`~pos_terminal.profiles.possim87.profile.Possim87Profile`, the possim ISO 8583:1987 protocol of
docs/protocol.md (``possim-87``: the built-in dialects but ``cup-pos``), and
:class:`~pos_terminal.profiles.cup.profile.CupProfile`, the China UnionPay POS terminal profile (``cup-pos``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from iso8583.codec import encode
from iso8583.dialect import Dialect
from iso8583.message import Message
from iso8583.tpdu import TPDU_LENGTH, Tpdu
from pos_terminal.journal import Journal
from pos_terminal.state.cards import PresentedCard
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.common.failures import CommunicationFailure, FailureKind, TerminalRefusal
from pos_terminal.common.effects import Step
from protocols.dcc import DccOffer
from protocols.iso87 import BatchTotals, ResponseCode, response_mti
from pos_terminal.state.records import MessageDirection, TransactionRecord, TxnType
from protocols.security import KeyScheme, MessageKeys

class NetworkKind(StrEnum):
    """The network management exchanges the engine knows."""

    SIGN_ON = "signon"
    ECHO = "echo"
    SIGN_OFF = "signoff"


@dataclass(frozen=True)
class FinancialContext:
    """Everything a profile may put in a sale, refund or void request.

    ``original`` is the journaled original (a refund's sale, a void's sale or refund); a refund
    whose original is not in the journal names it by ``original_rrn`` / ``original_date`` as the
    cashier typed them.
    """

    record: TransactionRecord
    config: TerminalConfig
    card: PresentedCard | None
    keys: MessageKeys = field(repr=False)
    pin_block: bytes | None = field(default=None, repr=False)
    icc_data: bytes | None = field(default=None, repr=False)
    original: TransactionRecord | None = None
    original_rrn: str | None = None
    original_date: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class HostAnswer:
    """What the engine journals from a verified answer to a financial request."""

    response_code: str
    rrn: str | None
    auth_code: str | None
    host_data: dict[str, Any] = field(default_factory=dict)
    dcc: DccOffer | None = None
    """The conversion the host applied (DE 6, DE 10, DE 51 of the answer), journaled as the host says it."""


@dataclass(frozen=True)
class Reconciliation:
    """How a settlement's exchanges ended: the host's code, whether the batch closes, whether it was uploaded."""

    response_code: str
    closed: bool
    uploaded: bool


class EngineLink(Protocol):
    """What a profile may read of the engine that runs it (the settlement exchanges): the configuration, the
    journal (STANs, the batch's transactions) and the clock. The exchanges themselves are effects the profile
    yields (:mod:`pos_terminal.common.effects`); the engine (:class:`pos_terminal.engine.core.EngineCore`)
    implements this and performs them. Profiles never import the engine."""

    @property
    def config(self) -> TerminalConfig:
        """The terminal's configuration, as the profile configured it."""

    @property
    def journal(self) -> Journal:
        """The terminal's journal (STANs, the batch's transactions)."""

    def now(self) -> datetime:
        """The engine's clock (UTC)."""


class NetworkNotes(Protocol):
    """What a profile's follow-up exchanges need of the terminal's state (:meth:`ProtocolProfile.follow_network_answer`)."""

    def next_stan(self) -> int:
        """The next STAN."""

    def current_batch(self) -> int:
        """The open batch number."""

    def note_loaded(self, kind: str, detail: dict[str, object]) -> None:
        """Journal data the host delivered and the terminal now holds."""


class ProtocolProfile(ABC):
    """One terminal-to-host protocol. Stateless: one instance serves any number of engines."""

    name: str
    """Short name for logs and errors (``possim-87``, ``cup-pos``)."""
    supports_offline_refunds: bool = False
    """Whether a refund may complete offline with an advice queued (store-and-forward)."""
    supports_status_inquiry: bool = False
    """Whether the host can be asked where a refund's money is (0600)."""
    supports_dcc: bool = False
    """Whether the protocol carries dynamic currency conversion (a rate inquiry, DE 6/10/51)."""

    # ------------------------------------------------------------------ what the host's codes mean

    def response_code(self, response: Message) -> str:
        """The response code the terminal journals, shows and decides on, read from an answer's DE 39: the
        code itself (ISO 8583:1987). A network whose DE 39 speaks otherwise gives its meaning in these codes
        (iso93: the three-digit action codes of ISO 8583:1993, :func:`protocols.iso93.meaning`)."""
        return str(response[39])

    def is_approved(self, response_code: str) -> bool:
        """Whether an answer with ``response_code`` approves the request (ISO 8583:1987: 00)."""
        return response_code == ResponseCode.APPROVED

    def reversal_cleared(self, response_code: str) -> bool:
        """Whether a reversal answered ``response_code`` is done with: 00 (reversed) or 25 (nothing to reverse);
        any other answer means the host did not apply it (format error, security violation...): repeated."""
        return response_code in (ResponseCode.APPROVED, ResponseCode.ORIGINAL_NOT_FOUND)

    def reversal_refused(self, response_code: str) -> bool:
        """Whether a reversal answered ``response_code`` is refused for good, its original standing: 12, the
        answer of a possim host whose money rule forbids the reversal (docs/protocol.md, "Money rules"; a
        void's reversal that would bring a refund back past the sale). The terminal stops sending it."""
        return response_code == ResponseCode.INVALID_TRANSACTION

    def asks_new_sign_on(self, response_code: str) -> bool:
        """Whether an answer with ``response_code`` says the host may hold other session keys (63, security
        violation): with master/session keys the terminal drops its own and signs on again."""
        return response_code == ResponseCode.SECURITY_VIOLATION

    def advice_final(self, response_code: str) -> bool:
        """Whether an advice answered ``response_code`` is decided (not sent again). Only profiles that
        :attr:`supports_offline_refunds` need it."""
        raise NotImplementedError(f"{self.name}: no store-and-forward advices")

    # ------------------------------------------------------------------ configuration and keys

    def configure(self, config: TerminalConfig) -> TerminalConfig:
        """The configuration the engine runs with (a profile may fill in its defaults or refuse a setting)."""
        return config

    @abstractmethod
    def signed_on(self, keyring: TerminalKeyring, scheme: KeyScheme) -> bool:
        """True when the keys of the next request are available without signing on."""

    @abstractmethod
    def message_keys(self, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect) -> MessageKeys:
        """The keys of the next request (DUKPT advances its counter here)."""

    # ------------------------------------------------------------------ network management

    def supports_network(self, kind: NetworkKind) -> bool:
        """Whether the protocol has this network management exchange."""
        return kind is not NetworkKind.SIGN_OFF

    def follow_network_answer(
        self, kind: NetworkKind, response: Message, config: TerminalConfig, state: NetworkNotes,
    ) -> Step[None]:
        """Exchanges an approved network answer asks for before the terminal goes on (cup-pos: the IC key and
        parameter download a sign-on's 0810 asks for). Default: none."""
        return
        yield  # a generator that yields nothing

    def network_protection(
        self, kind: NetworkKind, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect
    ) -> tuple[MessageKeys | None, bool, dict[str, str] | None]:
        """How a network request is protected: the keys that MAC it (None: unsigned), whether its answer's MAC
        is checked, and the items it must carry for them (DE 63 KS of a DUKPT request). Default: none."""
        return None, False, None

    @abstractmethod
    def network_request(
        self, kind: NetworkKind, stan: int, now: datetime, config: TerminalConfig, batch: int,
        additional: dict[str, str] | None = None,
    ) -> Message:
        """The unsigned sign-on, echo or sign-off request (with ``additional`` items, see :meth:`network_protection`)."""

    @abstractmethod
    def accept_network_answer(
        self, kind: NetworkKind, response: Message, keyring: TerminalKeyring, scheme: KeyScheme
    ) -> None:
        """Act on an approved network answer: load the working keys of a sign-on (checking them), drop them at
        sign-off. Raises ``CryptoError``, ``ValueError`` or ``KeyError`` for keys that must be refused."""

    # ------------------------------------------------------------------ financial requests

    @abstractmethod
    def request_mti(self, kind: TxnType) -> str:
        """The MTI a sale, refund or void is sent (and journaled) with."""

    @abstractmethod
    def processing_code(self, kind: TxnType, original: TransactionRecord | None) -> str:
        """DE 3 of a sale, refund or void (of ``original``); raises TerminalRefusal for what the protocol lacks."""

    @abstractmethod
    def reverses(self, kind: TxnType) -> bool:
        """True when a failed request of this kind is reversed; False when it is repeated until answered."""

    @abstractmethod
    def financial_request(self, context: FinancialContext) -> Message:
        """The unsigned sale, refund or void request."""

    def repeat_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig, keys: MessageKeys
    ) -> Message:
        """A request never reversed, rebuilt from the journal to be repeated after a restart (no card data:
        the journal keeps none). Only profiles whose :meth:`reverses` says False for some kind need it."""
        raise NotImplementedError(f"{self.name}: nothing is repeated instead of reversed")

    def resend_request(
        self, sent: Message, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys,
    ) -> Message:
        """The request of ``record`` sent again within the run after ``sent`` got no answer (a kind
        :meth:`reverses` says False for). By default ``sent`` itself, card data included; a profile whose
        protocol marks a repeat (ISO 8583:1993's 1421) rebuilds it."""
        return sent

    @abstractmethod
    def reversal_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool, reason: str,
    ) -> Message:
        """The unsigned reversal of ``record``; ``repeat`` after its first send, ``reason`` from :meth:`reversal_reason`."""

    def offline_approval(self) -> tuple[str, str]:
        """The response code and approval code the terminal gives a refund it completes offline (its advice
        carries them). Only profiles that :attr:`supports_offline_refunds` need it."""
        raise NotImplementedError(f"{self.name}: no store-and-forward advices")

    def advice_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool,
    ) -> Message:
        """The unsigned advice of an offline-approved refund (``repeat`` after its first send). Only profiles
        that :attr:`supports_offline_refunds` need it."""
        raise NotImplementedError(f"{self.name}: no store-and-forward advices")

    def status_inquiry_request(
        self, stan: int, now: datetime, record: TransactionRecord, config: TerminalConfig, keys: MessageKeys
    ) -> Message:
        """The unsigned status inquiry about ``record`` (which has an RRN). Only profiles that
        :attr:`supports_status_inquiry` need it."""
        raise NotImplementedError(f"{self.name}: no status inquiry")

    def read_status(self, response: Message) -> dict[str, str]:
        """What an approved status answer says of the transaction (the journal's ``host_data``); raises
        :class:`~pos_terminal.common.failures.CommunicationFailure` (GARBLED) for an unreadable one."""
        raise NotImplementedError(f"{self.name}: no status inquiry")

    def rate_inquiry_request(
        self, stan: int, now: datetime, card: PresentedCard, amount: int, currency: str, config: TerminalConfig,
        keys: MessageKeys,
    ) -> Message:
        """The unsigned DCC rate inquiry for a sale of ``amount`` in ``currency``. Only profiles that
        :attr:`supports_dcc` need it."""
        raise NotImplementedError(f"{self.name}: no dynamic currency conversion")

    def read_rate_offer(self, response: Message) -> DccOffer:
        """The offer of an approved rate inquiry answer; CommunicationFailure (GARBLED) for an unreadable one."""
        raise NotImplementedError(f"{self.name}: no dynamic currency conversion")

    def reversal_reason(self, failure: BaseException | None) -> str:
        """Why a reversal is sent, as the protocol codes it (``failure`` None: unknown, e.g. after a restart)."""
        return ""

    @abstractmethod
    def read_answer(self, response: Message) -> HostAnswer:
        """What to journal from a verified answer to a financial request."""

    # ------------------------------------------------------------------ message security and checks

    @abstractmethod
    def sign(self, message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
        """A copy of ``message`` with its MAC."""

    def outgoing(self, message: Message, dialect: Dialect, keys: MessageKeys | None,
                 tpdu: str | None = None) -> Message:
        """``message`` as it goes on the wire: with the header the dialect needs (when it has none yet; ``tpdu``
        the configured TPDU, terminal.toml ``tpdu``) and, when ``keys`` are given, its MAC. Both drivers (the
        engine and the light terminal) send through here."""
        if dialect.header_length and not message.header:
            message = replace(message, header=self.request_header(dialect, tpdu))
        return self.sign(message, dialect, keys) if keys is not None else message

    def outgoing_frame(self, message: Message, dialect: Dialect, keys: MessageKeys | None,
                       tpdu: str | None = None) -> tuple[Message, bytes]:
        """:meth:`outgoing` and its wire bytes. A profile whose MAC covers its own encoding overrides this to
        encode once (the load generator sends through here)."""
        signed = self.outgoing(message, dialect, keys, tpdu)
        return signed, encode(signed, dialect)

    def request_header(self, dialect: Dialect, tpdu: str | None = None) -> bytes:
        """The header before the MTI of a request, for a dialect that has one (docs/protocol.md, TPDU): the
        TPDU ``tpdu`` (10 hex digits), by default ID 60, addressed to NII 001 from NII 000. A profile whose
        messages carry their own header (CUP) sets it when it builds them."""
        if dialect.header_length != TPDU_LENGTH:
            raise TerminalRefusal(f"the {self.name} protocol has no {dialect.header_length}-byte header "
                                  f"(dialect {dialect.name})", ("DIALECT HEADER", "NOT SUPPORTED"))
        return (Tpdu.from_hex(tpdu) if tpdu else Tpdu(destination=0x0001, source=0x0000)).build()

    @abstractmethod
    def verify_answer(self, response: Message, raw: bytes, dialect: Dialect, keys: MessageKeys) -> None:
        """Raise ``CryptoError`` unless the answer's MAC is acceptable."""

    def check_answer(self, request: Message, response: Message) -> None:
        """Raise CommunicationFailure unless ``response`` answers ``request``: the response class of the
        request's MTI, the same STAN (DE 11) and terminal (DE 41), and a response code (DE 39). A profile
        with more to check (CUP: the TPDU addresses swapped) checks this first."""
        expected = self.answer_mti(request.mti)
        if response.mti != expected:
            raise CommunicationFailure(f"response rejected: MTI {response.mti}, expected {expected}",
                                       FailureKind.WRONG_ANSWER)
        for number in (11, 41):
            if response.get(number) != request.get(number):
                raise CommunicationFailure(f"response rejected: DE {number} does not match the request",
                                           FailureKind.WRONG_ANSWER)
        if not isinstance(response.get(39), str):
            raise CommunicationFailure(f"response rejected: no {self.answer_code_name} (DE 39)",
                                       FailureKind.WRONG_ANSWER)

    answer_code_name = "response code"
    """What DE 39 is called in this network's answers (ISO 8583:1993 calls it the action code)."""

    def answer_mti(self, request_mti: str) -> str:
        """The MTI that answers ``request_mti`` (ISO 8583:1987: 0200 -> 0210, 0420/0421 -> 0430)."""
        return response_mti(request_mti)

    def note_answer(self, response: Message, keyring: TerminalKeyring) -> None:
        """See what an answer asks of the terminal beyond its fields (before its MAC is checked)."""

    @abstractmethod
    def observe(
        self, direction: MessageDirection, message: Message, raw: bytes, dialect: Dialect, keys: MessageKeys | None
    ) -> ExchangeRecord:
        """The observer's record of a message on the wire, with its MAC verdict."""

    # ------------------------------------------------------------------ settlement

    @abstractmethod
    def reconcile(self, engine: EngineLink, batch: int, totals: BatchTotals) -> Step[Reconciliation]:
        """The settlement exchanges of ``batch``, sans I/O (yields :class:`~pos_terminal.common.effects.NeedKeys`
        and :class:`~pos_terminal.common.effects.Send`; what is owed was flushed before); the engine closes the
        batch when the result says so."""
