"""A light simulated terminal: protocol-exact on the wire, its state in memory, no I/O of its own.

Each message is the one the terminal core sends (built by the dialect's protocol profile, MACed and
PIN-enciphered with keys from the terminal keyring), and
each answer is checked the same way (MTI, STAN and terminal ID match the request, the response
MAC verifies under the response key). What differs from :class:`pos_terminal.engine.terminal.TerminalEngine`
is only where state lives: STAN, invoice numbers, session keys, DUKPT counters, the chip's ATC
and owed reversals are kept in memory, so one process can run hundreds of terminals.

The terminal is sans-I/O. Each operation is a generator (:data:`Operation`) that yields the
next request (:class:`Outgoing`) and is sent back the raw answer, or :class:`Lost` when none
came; its return value is the :class:`OpOutcome`. A driver moves the bytes: asyncio channels
for ``possim load`` (:mod:`simulator.load.link`), blocking sockets under gevent for Locust
(:mod:`simulator.locust`). Every exchange is timed inside the generator and reported to an
optional listener as a :class:`TimedExchange`.

The flows are the terminal's own, written once (:mod:`pos_terminal.flows`): a financial request is
recorded before it is sent; one whose answer is lost (after it may have reached the host) is reversed at
once, 0400 then 0401 repeats, and again before the next financial request until the host clears it (00 or
25); with ``cup-pos`` a refund whose answer is lost is not reversed but repeated, same STAN and content,
until the host answers it (docs/protocol.md). Only where the flows' state lives differs from the engine's
journal: in memory (:class:`pos_terminal.flows.memory.MemoryState`). Messages, MACs and keys are the
protocol profile's (:mod:`pos_terminal.profiles`, chosen from the dialect), as in the terminal.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from emv.card import MAX_ATC
from emv.cards import EntryMode
from emv.terminal import TerminalData, TransactionType, build_field55
from iso8583.codec import decode
from iso8583.toml_dialect import resolve_dialect
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from pos_terminal.state.cards import PresentedCard, pass_issuer_authentication, present_test_card
from pos_terminal.state.config import TerminalConfig
from protocols.defaults import MERCHANT_ID, SUPERVISOR_PASSWORD
from pos_terminal.common.clock import Clock, utc_now
from pos_terminal.common.failures import CommunicationFailure, FailureKind, HostUnreachable
from pos_terminal.flows import financial, network, owed
from pos_terminal.flows.answers import accept_answer
from pos_terminal.common.effects import Finished, NeedKeys, Send, Step, advance
from pos_terminal.flows.network import KeyContext
from pos_terminal.profiles import FinancialContext, NetworkKind, ProfileRegistry, default_profiles
from pos_terminal.state.passwords import hash_password
from protocols.iso87 import ResponseCode, local_date, response_text
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnStatus, TxnType
from protocols.security import KeyScheme, MessageKeys, pin_block
from simulator.load.memkeys import MemoryKeyring
from pos_terminal.flows.memory import MemoryState
from simulator.load.tally import Result, ReversalCounts

LOAD_CARD = "visa_credit"
LOAD_PIN = "1234"
REFUND_REASON = "01"
NO_FINGERPRINT = "0" * 64
"""A light terminal keys no card fingerprints (it never matches a refund's card to its sale)."""
UNKNOWN_TERMINAL = "the host does not know this terminal (sign-on answered 03 INVALID MERCHANT)"


@dataclass(frozen=True)
class Outgoing:
    """One request for the driver to send: the message bytes (unframed) and what it is."""

    operation: str
    label: str
    """``MTI/processing code`` (``0200/000000``), or ``MTI/network code`` for 0800 (``0800/001``)."""
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class Lost:
    """No answer: ``sent`` is False only when the request certainly never left (no connection)."""

    reason: str
    sent: bool


Incoming = bytes | Lost


@dataclass(frozen=True)
class TimedExchange:
    """One request and its answer (or its loss), timed from handing the request over to getting the answer."""

    terminal_id: str
    operation: str
    label: str
    seconds: float
    request_length: int
    response_length: int
    response_code: str | None
    error: str | None
    """None when the answer is valid and one the operation hoped for (00; 00 or 25 for a reversal)."""


@dataclass(frozen=True)
class SaleRef:
    """What a refund or a void needs to name an approved sale: its RRN, amount and local date (DE 13);
    a light terminal's sale also its STAN and approval code (a ``cup-pos`` void names both)."""

    rrn: str
    amount: int
    local_date: str
    invoice: int
    stan: int | None = None
    auth_code: str | None = None
    transmitted_at: datetime | None = None
    """When the sale was sent (a light terminal's): a network that names an original by its date and time
    (iso93's DE 56) needs the moment itself, not only the day."""


@dataclass(frozen=True)
class OpOutcome:
    """How one operation ended."""

    operation: str
    result: Result
    error: str | None = None
    response_code: str | None = None
    sale: SaleRef | None = None
    """For an approved sale: the reference refunds and voids use."""
    unknown_terminal: bool = False
    """The host answered 03 to the sign-on: it does not know this terminal."""


Operation = Generator[Outgoing, Incoming, OpOutcome]
ExchangeListener = Callable[[TimedExchange], None]
T = TypeVar("T")


def unknown_terminal_text(terminal_id: str, merchant_id: str = MERCHANT_ID) -> str:
    """What to tell the person whose host refused a load terminal as unknown, and how to fix it."""
    return (f"the host does not know terminal {terminal_id} (sign-on answered 03 INVALID MERCHANT): "
            f"add the load terminals to the host's host.toml, one table each, e.g. "
            f"[[terminals]] terminal_id = \"{terminal_id}\" merchant_id = \"{merchant_id}\" "
            f"(`possim load --print-host-config` prints them; docs/load.md)")


@cache
def _password_hash() -> str:
    """A supervisor password hash for the config the message builders read (a light terminal never checks it)."""
    return hash_password(SUPERVISOR_PASSWORD, iterations=1)


def terminal_config(terminal_id: str, *, merchant_id: str = MERCHANT_ID, dialect: str = "terminal87",
                    key_scheme: KeyScheme | str = KeyScheme.MKSK,
                    host_url: str = "tcp://127.0.0.1:8583") -> TerminalConfig:
    """The terminal configuration a light terminal's messages are built from, validated like the terminal's
    (:class:`~pos_terminal.state.config.ConfigError` names the bad key, e.g. ``host_url``)."""
    return TerminalConfig(terminal_id=terminal_id, merchant_id=merchant_id, dialect=dialect,
                          key_scheme=KeyScheme(key_scheme), host_url=host_url,
                          supervisor_password_hash=_password_hash(), cup_ic_download=False)


def _label(message: Message) -> str:
    """``MTI/code``: DE 70 of a network message, else DE 3; without either, the ISO 8583:1993 function code
    (DE 24: ``1804/801``), or 60.3 of a ``cup-pos`` message."""
    code = message.get(70) if 70 in message.fields else message.get(3) if 3 in message.fields else message.get(24)
    if code is None:
        field60 = message.get(60)
        code = field60[8:11] if isinstance(field60, str) and len(field60) >= 11 else None
    return f"{message.mti}/{code}"


class LightTerminal:
    """One simulated terminal, protocol-exact, state in memory; drive its operations with a link."""

    def __init__(
        self,
        terminal_id: str,
        *,
        merchant_id: str = MERCHANT_ID,
        key_scheme: KeyScheme | str = KeyScheme.MKSK,
        dialect: str = "terminal87",
        first_stan: int | None = None,
        listener: ExchangeListener | None = None,
        clock: Clock = utc_now,
        profiles: ProfileRegistry | None = None,
    ) -> None:
        self.dialect = resolve_dialect(dialect)
        self.profile = (profiles or default_profiles()).profile_for(self.dialect)
        self.config = self.profile.configure(
            terminal_config(terminal_id, merchant_id=merchant_id, dialect=dialect, key_scheme=key_scheme))
        self.terminal_id = terminal_id
        self.scheme = KeyScheme(key_scheme)
        self.keyring = MemoryKeyring.injected_with()
        self._key_context = KeyContext(self.keyring, self.scheme, self.dialect)
        self.card: PresentedCard = present_test_card(LOAD_CARD, EntryMode.CHIP)
        self.listener = listener
        self.state = MemoryState(clock, first_stan=first_stan)
        """What the flows remember: STAN and invoice counters, owed reversals and repeats."""
        self._sent_reversals = 0
        self._clock = clock
        self._mtis: dict[TxnType, str] = {}
        """The profile's request MTI per kind (asked once)."""
        self._new: dict[TxnType, NewTransaction] = {}
        """Per kind, the first request without an original as recorded: the next ones differ only in their
        amount (:meth:`NewTransaction.for_amount`, the other fields checked once)."""
        self._terminal_data: dict[TransactionType, TerminalData] = {}
        """Per chip transaction type, the terminal data of the first chip request, which the next ones are made from
        (:meth:`TerminalData.next_transaction`: only the amount, the date and the unpredictable number change)."""
        self._in_flight: TransactionRecord | None = None
        """The financial request of the operation under way (None between operations). An operation its driver
        abandons leaves it owed (reversed before the next request, as the terminal would), but a run that ends
        with it (Locust stopping its users mid-exchange) does not count it: the terminal is switched off."""

    @property
    def batch(self) -> int:
        return self.state.batch

    @property
    def owed_reversals(self) -> int:
        """Reversals not yet acknowledged by the host (not counting an operation still in flight)."""
        in_flight = self._in_flight
        owed_now = self.state.owed_reversals
        if in_flight is not None and self.state.reversal_attempts(in_flight) == 0:
            owed_now -= 1
        return owed_now

    @property
    def reversals(self) -> ReversalCounts:
        """Reversal sends and acknowledgements so far (``pending``: see :attr:`owed_reversals`)."""
        return ReversalCounts(self._sent_reversals, self.state.acked)

    def abandon_owed(self) -> None:
        """Forget the reversals and repeats owed, for a tool that takes an operation's request and never finishes
        the operation (the echo benchmark, benchmarks/hostclient.py): a terminal would reverse them."""
        self.state.forget_owed()
        self._in_flight = None

    # ------------------------------------------------------------------ operations

    def sign_on(self) -> Operation:
        """0800 sign-on (master/session keys: load the session keys delivered), then what is owed."""
        end = yield from self._drive(network.network(self.profile, self.config, self.state, self.key_context,
                                                     NetworkKind.SIGN_ON))
        code = end.response_code
        if code is None or end.error is not None:
            return OpOutcome("signon", Result.FAILED, end.error)
        if code == ResponseCode.INVALID_MERCHANT:
            return OpOutcome("signon", Result.DECLINED, UNKNOWN_TERMINAL, code, unknown_terminal=True)
        if not self.profile.is_approved(code):
            return OpOutcome("signon", Result.DECLINED, f"sign-on answered {code} {response_text(code)}", code)
        yield from self._drive(owed.flush_when_reachable(self.profile, self.config, self.state))
        return OpOutcome("signon", Result.APPROVED, response_code=code)

    def echo(self) -> Operation:
        """0800 echo test; then, the host being reachable, what is owed (as the terminal)."""
        end = yield from self._drive(network.network(self.profile, self.config, self.state, self.key_context,
                                                     NetworkKind.ECHO))
        code = end.response_code
        if code is None:
            return OpOutcome("echo", Result.FAILED, end.error)
        yield from self._drive(owed.flush_when_reachable(self.profile, self.config, self.state))
        if not end.approved:
            return OpOutcome("echo", Result.DECLINED, f"echo answered {code} {response_text(code)}", code)
        return OpOutcome("echo", Result.APPROVED, response_code=code)

    def sale(self, amount: int) -> Operation:
        """A chip sale with PIN: DE 52 PIN block, DE 55 from the card's GENERATE AC (ARQC)."""
        return self._financial(TxnType.SALE, amount, card=self.card, pin=LOAD_PIN, icc_kind=TransactionType.PURCHASE)

    def refund(self, sale: SaleRef, amount: int) -> Operation:
        """A refund of ``amount`` matched to ``sale`` by its RRN and date (possim-87: DE 63 OR/OD; ``cup-pos``:
        DE 37 and DE 61), with the chip's data."""
        return self._financial(TxnType.REFUND, amount, card=self.card, icc_kind=TransactionType.REFUND, sale=sale)

    def void(self, sale: SaleRef) -> Operation:
        """A void of ``sale`` by its RRN (DE 37), for its full amount; no card data."""
        return self._financial(TxnType.VOID, sale.amount, sale=sale)

    def settle_reversals(self) -> Operation:
        """Send the reversals (and repeats) still owed (at the end of a run); the outcome says whether any is left.
        An operation still in flight is dropped: the run is over (see :attr:`owed_reversals`)."""
        if self._in_flight is not None and self.state.reversal_attempts(self._in_flight) == 0:
            self.state.forget(self._in_flight)
        self._in_flight = None
        yield from self._drive(owed.flush_reversals(self.profile, self.config, self.state))
        if self.state.owed_reversals:
            return OpOutcome("reversal", Result.FAILED, f"{self.state.owed_reversals} reversal(s) not acknowledged")
        with contextlib.suppress(CommunicationFailure):
            yield from self._drive(owed.flush_repeats(self.profile, self.config, self.state))
        if self.state.owed_repeat_count:
            return OpOutcome("reversal", Result.FAILED, f"{self.state.owed_repeat_count} refund(s) still unanswered")
        return OpOutcome("reversal", Result.APPROVED)

    # ------------------------------------------------------------------ the flows' driver

    def _drive(self, flow: Step[T]) -> Generator[Outgoing, Incoming, T]:
        """Run a flow of :mod:`pos_terminal.flows`: perform each effect it yields (keys, one exchange) and send
        back the result, or throw the failure into it.

        The effects are dispatched in this loop: it runs for every effect of every operation of every load
        terminal, and a Connect or a Drop (the link connects on its first send and closes after a failure itself)
        costs no generator of its own."""
        result: Any = None
        failure: Exception | None = None
        while True:
            effect = advance(flow, result, failure)
            if isinstance(effect, Finished):
                return effect.value  # type: ignore[no-any-return]
            result, failure = None, None
            try:
                if isinstance(effect, Send):
                    if effect.operation == "reversal":
                        self._sent_reversals += 1
                    result = yield from self._exchange(effect.operation, effect.request, effect.keys, effect.accept,
                                                       verify=effect.verify)
                elif isinstance(effect, NeedKeys):
                    result = yield from self._keys()
            except Exception as error:  # noqa: BLE001 - the flow decides what it handles; the rest comes back out
                failure = error

    # ------------------------------------------------------------------ building blocks

    def _exchange(self, operation: str, request: Message, keys: MessageKeys | None,
                  accept: Callable[[str], bool] | None = None, *, verify: bool = True,
                  ) -> Generator[Outgoing, Incoming, Message]:
        """Sign and send ``request``; return the checked answer or raise :class:`CommunicationFailure`.
        ``accept``: the answers the operation hopes for (default: the profile's approvals); any other is
        reported as an error.

        ``verify`` False: the answer's MAC is not checked (a sign-on's 0810; TR-31 authenticates its keys)."""
        signed, payload = self.profile.outgoing_frame(request, self.dialect, keys, self.config.tpdu)
        label = _label(request)
        started = time.perf_counter()
        incoming = yield Outgoing(operation, label, payload)
        seconds = time.perf_counter() - started
        length = len(incoming) if isinstance(incoming, bytes) else 0
        try:
            if isinstance(incoming, Lost):
                if not incoming.sent:
                    raise HostUnreachable(incoming.reason)
                raise CommunicationFailure(incoming.reason, FailureKind.NO_RESPONSE)
            response = self._checked(signed, incoming, keys, verify=verify)
        except CommunicationFailure as failure:
            self._report(operation, label, seconds, len(payload), length, None, str(failure))
            raise
        code = self.profile.response_code(response)
        self._report(operation, label, seconds, len(payload), length, code,
                     None if (accept or self.profile.is_approved)(code) else f"answered {code} {response_text(code)}")
        return response

    def _checked(self, request: Message, raw: bytes, keys: MessageKeys | None, *, verify: bool) -> Message:
        """The decoded answer, when it answers ``request`` and (``verify``) its MAC verifies
        (:func:`~pos_terminal.flows.answers.accept_answer`, as the terminal engine)."""
        try:
            response = decode(raw, self.dialect)
        except Iso8583Error as error:
            raise CommunicationFailure(f"garbled response: {error}", FailureKind.GARBLED) from None
        accept_answer(self.profile, self.dialect, self.keyring, self.scheme, self.terminal_id, request, response, raw,
                      keys, verify=verify)
        return response

    def _report(self, operation: str, label: str, seconds: float, sent: int, received: int,
                code: str | None, error: str | None) -> None:
        if self.listener is not None:
            self.listener(TimedExchange(self.terminal_id, operation, label, seconds, sent, received, code, error))

    @property
    def key_context(self) -> KeyContext:
        """The terminal's keyring, key scheme and dialect, as the network flows use them (made once: the three
        never change; the keyring's keys do, inside it)."""
        return self._key_context

    def _keys(self) -> Generator[Outgoing, Incoming, MessageKeys]:
        """Keys for the next request; master/session keys sign on first when none are loaded."""
        return (yield from self._drive(network.message_keys(self.profile, self.config, self.state, self.key_context)))

    def _sale_record(self, sale: SaleRef) -> TransactionRecord:
        """The in-memory record of an earlier approved sale, as a refund or void names it: sent when the sale
        was (a light terminal's sale), else on its date MMDD (DE 13, in a leap year so that 0229 exists)."""
        now = self._clock()
        moment = now
        if sale.transmitted_at is not None:
            moment = sale.transmitted_at
        elif len(sale.local_date) == 4 and sale.local_date.isdigit():
            moment = now.replace(year=2000, month=int(sale.local_date[:2]), day=int(sale.local_date[2:]))
        return TransactionRecord(
            id=sale.invoice, invoice=sale.invoice, stan=sale.stan or 0, batch=self.batch, txn_type=TxnType.SALE,
            status=TxnStatus.APPROVED, amount=sale.amount, currency=self.config.currency,
            masked_pan=self.card.masked_pan, card_fingerprint="", card_brand=self.card.brand,
            entry_mode=self.card.entry.value, processing_code=self.profile.processing_code(TxnType.SALE, None),
            mti=self.profile.request_mti(TxnType.SALE), original_id=None, reason_code=None, rrn=sale.rrn,
            auth_code=sale.auth_code, response_code=None, voided_by=None, transmitted_at=moment, created_at=now,
            updated_at=now, host_data={},
        )

    def _new_transaction(self, kind: TxnType, amount: int, original: TransactionRecord | None) -> NewTransaction:
        """What the light terminal records of a financial request (the load card's masked PAN and brand)."""
        if original is None:
            made = self._new.get(kind)
            if made is not None:
                return made.for_amount(amount)
        card = self.card
        new = NewTransaction(
            txn_type=kind, amount=amount, currency=self.config.currency, masked_pan=card.masked_pan,
            card_fingerprint=NO_FINGERPRINT, card_brand=card.brand, entry_mode=card.entry.value,
            original_id=original.id if original is not None else None,
            reason_code=None, processing_code=self.profile.processing_code(kind, original), mti=self._request_mti(kind),
        )
        if original is None:
            self._new[kind] = new
        return new

    def _request_mti(self, kind: TxnType) -> str:
        """The profile's request MTI for ``kind``, asked once per kind (it depends on nothing else)."""
        mti = self._mtis.get(kind)
        if mti is None:
            mti = self._mtis[kind] = self.profile.request_mti(kind)
        return mti

    def _icc_data(self, amount: int, kind: TransactionType, moment: datetime) -> bytes | None:
        """DE 55 from the chip's GENERATE AC; a card whose ATC ran out is replaced by a fresh one."""
        chip = self.card.chip
        if chip is None:
            return None
        if chip.atc >= MAX_ATC:
            chip.atc = 0
        previous = self._terminal_data.get(kind)
        if previous is None:
            data = self._terminal_data[kind] = TerminalData(
                amount_authorised=amount, currency=self.config.currency, terminal_country=self.config.country,
                transaction_date=moment.date(), transaction_type=kind)
        else:
            data = previous.next_transaction(amount, moment.date())
        return build_field55(chip, data, kind)

    def _financial(
        self, kind: TxnType, amount: int, *, card: PresentedCard | None = None, pin: str | None = None,
        icc_kind: TransactionType | None = None, sale: SaleRef | None = None,
    ) -> Operation:
        """The terminal's financial flow (:mod:`pos_terminal.flows.financial`) on the in-memory state."""
        operation = kind.value
        self._in_flight = None  # an earlier operation abandoned mid-flight: its request stays owed
        try:
            prepared = yield from self._drive(financial.prepare(self.profile, self.config, self.state))
        except CommunicationFailure as failure:
            return OpOutcome(operation, Result.FAILED, str(failure))
        original = self._sale_record(sale) if sale is not None else None
        record = self.state.begin(self._new_transaction(kind, amount, original),
                                  reversible=self.profile.reverses(kind), original=original)

        def build(record: TransactionRecord, keys: MessageKeys) -> Message:
            return self.profile.financial_request(FinancialContext(
                record, self.config, card, keys,
                pin_block=pin_block(keys, pin, card.pan) if pin and card else None,
                icc_data=self._icc_data(amount, icc_kind, record.transmitted_at)
                if card and icc_kind is not None else None,
                original=original,
                original_rrn=sale.rrn if sale is not None else None,
                original_date=sale.local_date if sale is not None else None,
                reason=REFUND_REASON if kind is TxnType.REFUND else None,
            ))

        self._in_flight = record
        end = yield from self._drive(financial.send(self.profile, self.config, self.state, record, build, prepared))
        self._in_flight = None
        if isinstance(end, financial.Owed):
            return OpOutcome(operation, Result.FAILED, f"{end.failure}; owed: repeated until the host answers")
        if not isinstance(end, financial.Answered):
            return OpOutcome(operation, Result.FAILED, str(end.failure))
        code = end.answer.response_code
        pass_issuer_authentication(card, end.response.get(55))
        if not end.approved:
            return OpOutcome(operation, Result.DECLINED, f"answered {code} {response_text(code)}", code)
        rrn, auth = end.response.get(37), end.response.get(38)
        sale_ref = SaleRef(rrn, amount, local_date(record.transmitted_at), record.invoice, record.stan,
                           auth if isinstance(auth, str) else None, record.transmitted_at) \
            if kind is TxnType.SALE and isinstance(rrn, str) and rrn.strip() else None
        return OpOutcome(operation, Result.APPROVED, response_code=code, sale=sale_ref)
