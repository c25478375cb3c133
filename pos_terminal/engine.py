"""The terminal's transaction engine: journal first, then the host, then the journal again.

Every financial request is journaled as PENDING together with its reversal record before a
byte leaves the terminal (design.md section 3). Only a valid response clears the reversal.
A timeout, a dropped line, a garbled response or one whose MAC fails leaves the reversal in
place and the engine sends it at once (0400, then 0401 repeats), and again before the next
online transaction or after a restart, until the host acknowledges it.

The engine is UI-free: the command line, the scenario runner and the device model drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from emv.errors import EmvError
from emv.terminal import TerminalData, TransactionType, build_field55
from emv import tlv
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
from pos_terminal.cards import PresentedCard
from pos_terminal.config import TerminalConfig, load_config
from pos_terminal.journal import Journal, JournalError, card_fingerprint, load_or_create_secret
from pos_terminal.keyring import TerminalKeyring
from pos_terminal.observe import ExchangeObserver, observed
from pos_terminal.protocol import (
    AdditionalDataError,
    AdditionalTag,
    BatchTotals,
    TotalsKind,
    Mti,
    NetworkCode,
    ProcessingCode,
    ResponseCode,
    additional_data,
    response_mti,
)
from pos_terminal.records import MessageDirection, NewTransaction, TransactionRecord, TxnStatus, TxnType
from pos_terminal.results import Outcome, ReversalOutcome, TxnResult
from pos_terminal.settlement import batch_entries, batch_totals, report_lines, settlement_report
from pos_terminal.security import (
    KeyScheme,
    MessageKeys,
    pin_block,
    pin_block_format_for,
    sign_request,
    verify_response,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class TerminalRefusal(Exception):
    """The terminal itself refuses the operation (exit 1); the message is for the cashier."""


class CommunicationFailure(Exception):
    """No usable answer from the host: unreachable, timed out, garbled, or failed its MAC."""


class HostUnreachable(CommunicationFailure):
    """No connection to the host could be made: nothing was sent."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RefundRequest:
    """What the cashier entered for a refund."""

    card: PresentedCard
    amount: int
    supervisor_password: str = field(repr=False)
    original_rrn: str | None = None
    original_date: str | None = None
    original_invoice: int | None = None
    reason: str | None = None
    pin: str | None = field(default=None, repr=False)


class TerminalEngine:
    """One terminal: configuration, journal, keys, and the exchanges with its host."""

    def __init__(
        self,
        config: TerminalConfig,
        journal: Journal,
        keyring: TerminalKeyring,
        fingerprint_secret: bytes,
        *,
        clock: Clock = _utc_now,
        observer: ExchangeObserver | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.keyring = keyring
        self.dialect: Dialect = get_dialect(config.dialect)
        self._fingerprint_secret = fingerprint_secret
        self._clock = clock
        self.observer = observer
        """Called with each message on the wire (pos_terminal.observe); may be set after :meth:`open`."""

    @classmethod
    def open(cls, data_dir: Path, config: TerminalConfig | None = None, *, clock: Clock = _utc_now) -> TerminalEngine:
        """The terminal whose state lives in ``data_dir`` (created on first use, with the test defaults)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        config = config or load_config(data_dir)
        journal = Journal.open(data_dir / "journal.sqlite3")
        keyring = TerminalKeyring.open(data_dir, journal)
        secret = load_or_create_secret(data_dir / "card-fingerprint.key")
        return cls(config, journal, keyring, secret, clock=clock)

    def close(self) -> None:
        self.journal.close()

    @property
    def scheme(self) -> KeyScheme:
        return KeyScheme(self.config.key_scheme)

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

    async def sign_on(self) -> TxnResult:
        """0800 sign-on; with master/session keys, load the session keys the host delivers.

        Once the host answers, reversals left pending (by a crash or a dead line) are sent.
        """
        return await self._then_flush(await self._network(NetworkCode.SIGN_ON, "signon"))

    async def echo(self) -> TxnResult:
        """0800 echo test; then, the host being reachable, any pending reversal is sent."""
        return await self._then_flush(await self._network(NetworkCode.ECHO, "echo"))

    async def _then_flush(self, result: TxnResult) -> TxnResult:
        """After a network exchange succeeded: send what is owed (reversals, then advices)."""
        if result.outcome is not Outcome.COMPLETED:
            return result
        outcomes = await self.flush_reversals() if self.journal.pending_reversals() else []
        if not outcomes or outcomes[-1].status == "acked":
            with contextlib.suppress(CommunicationFailure):
                await self.flush_advices()
        return replace(result, reversal=outcomes[-1]) if outcomes else result

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

    # ------------------------------------------------------------------ reversals

    async def flush_reversals(self) -> list[ReversalOutcome]:
        """Send every pending reversal (oldest first); stop at the first that cannot be delivered."""
        outcomes = []
        for pending in self.journal.pending_reversals():
            outcome = await self._reverse(self.journal.get(pending.transaction_id))
            outcomes.append(outcome)
            if outcome.status != "acked":
                break
        return outcomes

    async def _reverse(self, record: TransactionRecord) -> ReversalOutcome:
        """Send the reversal of ``record`` up to the configured attempts; 0401 after the first send."""
        attempts = 0
        for _ in range(self.config.reversal_attempts_per_run):
            reversal = self.journal.reversal_for(record.id)
            if reversal is None:
                break
            repeat = reversal.attempts > 0
            reversal = self.journal.note_reversal_attempt(reversal.id, self._clock())
            attempts = reversal.attempts
            try:
                keys = await self._message_keys()
                request = messages.reversal_request(record, self.config, repeat=repeat, additional=self._with_ksn(keys))
                response = await self._exchange(request, keys, record.id)
            except CommunicationFailure as failure:
                log.info("reversal of STAN %06d not delivered: %s", record.stan, failure)
                continue
            code = str(response[39])
            if code not in REVERSAL_CLEARING_CODES:
                log.info("reversal of STAN %06d answered %s: not applied, it will be repeated", record.stan, code)
                continue
            self.journal.acknowledge_reversal(reversal.id, code, self._clock())
            return ReversalOutcome("acked", attempts, code)
        return ReversalOutcome("pending", attempts)

    # ------------------------------------------------------------------ advices (store-and-forward)

    async def flush_advices(self) -> int:
        """Upload pending advices in the order they were queued; stop at the first failure (raised).

        Each advice is marked as attempted once the connection is open and before it is sent, so a
        resend (after a timeout or a crash) goes out as a repeat (0221), while an advice that never
        left (host unreachable) still goes out as 0220; the host applies an advice once. Returns how many
        advices the host answered.
        """
        answered = 0
        for advice in self.journal.pending_advices():
            record = self.journal.get(advice.transaction_id)
            repeat = advice.attempts > 0
            keys = await self._message_keys()
            original = self.journal.get(record.original_id) if record.original_id else None
            items = self._original_reference(original, None, None)
            items[AdditionalTag.OFFLINE_APPROVAL] = record.auth_code or ""
            if record.reason_code:
                items[AdditionalTag.REASON] = record.reason_code
            request = messages.advice_request(record, self.config, repeat=repeat, additional=self._with_ksn(keys, items))
            channel = await self._open()
            self.journal.note_advice_attempt(advice.id, self._clock())  # from here on, bytes may reach the host
            response = await self._exchange(request, keys, record.id, channel)
            if response[39] not in ADVICE_FINAL_CODES:
                raise CommunicationFailure(f"advice of invoice {record.invoice:06d} answered {response[39]}: "
                                           "not applied, it will be repeated")
            self.journal.acknowledge_advice(
                advice.id, response_code=str(response[39]), rrn=_text_field(response, 37),
                host_data=_credit_data(response), now=self._clock(),
            )
            answered += 1
        return answered

    def _offline_eligibility(self, new: NewTransaction) -> str | None:
        """Why this refund cannot complete offline, or None when it can (docs/protocol.md, Store-and-forward)."""
        if not self.config.offline_refunds:
            return "offline refunds are not enabled"
        if new.txn_type is not TxnType.REFUND or new.original_id is None:
            return "only a matched refund can complete offline"
        if new.amount > self.config.offline_amount_limit:
            return f"offline limit: {new.amount} exceeds the offline refund limit {self.config.offline_amount_limit}"
        queued = len(self.journal.pending_advices())
        if queued >= self.config.offline_queue_limit:
            return f"offline limit: {queued} advices already queued (limit {self.config.offline_queue_limit})"
        return None

    def _complete_offline(self, operation: str, new: NewTransaction, failure: HostUnreachable, base: dict) -> TxnResult:
        """Host unreachable: approve the refund offline and queue its advice, or decline it offline."""
        refusal = self._offline_eligibility(new)
        if refusal is not None:
            if self.config.offline_refunds and new.txn_type is TxnType.REFUND:
                return TxnResult(operation, Outcome.REFUSED, error=f"declined offline: {refusal}", **base)
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, error=str(failure), **base)
        auth_code = f"Y3{secrets.randbelow(10_000):04d}"
        try:
            record = self.journal.begin_offline_refund(new, now=self._clock(), auth_code=auth_code)
        except JournalError as refusal:
            return TxnResult(operation, Outcome.REFUSED, error=f"declined offline: {_journal_reason(refusal)}", **base)
        self.journal.record_event("offline_refund", {"invoice": record.invoice, "amount": record.amount},
                                  now=self._clock())
        return TxnResult(operation, Outcome.COMPLETED, response_code="Y3", stan=record.stan, invoice=record.invoice,
                         transaction_id=record.id, auth_code=auth_code, offline=True, **base)

    # ------------------------------------------------------------------ settlement

    async def settle(self) -> TxnResult:
        """Close the open batch with the host (docs/protocol.md, Settlement).

        Reversals and advices go first; then 0500 with the totals; on 95 the batch is uploaded
        transaction by transaction and settled again (960000); on 00 the batch closes and its
        number increments. The result carries the settlement report.
        """
        batch = self.journal.current_batch()
        try:
            await self._flush_owed()
            totals = batch_totals(self.journal, batch)
            code = await self._send_settlement(batch, totals, after_upload=False)
            uploaded = code == ResponseCode.RECONCILIATION_ERROR
            if uploaded:
                await self._upload_batch(batch)
                code = await self._send_settlement(batch, totals, after_upload=True)
        except CommunicationFailure as failure:
            return TxnResult("settle", Outcome.COMMUNICATION_FAILED, error=str(failure), currency=self.config.currency)
        closed = code == ResponseCode.APPROVED
        if closed:
            self.journal.close_batch()
        self.journal.record_event("settlement", {"batch": batch, "response_code": code, "uploaded": uploaded},
                                  now=self._clock())
        report = settlement_report(self.journal, batch, totals, result="CLOSED" if closed else "OUT OF BALANCE",
                                   uploaded=uploaded)
        return TxnResult("settle", Outcome.COMPLETED, response_code=code, currency=self.config.currency,
                         settlement=report, receipt=tuple(report_lines(report, self.config.currency)))

    async def _send_settlement(self, batch: int, totals: BatchTotals, *, after_upload: bool) -> str:
        keys = await self._message_keys()
        request = messages.settlement_request(
            self.journal.next_stan(), self._clock(), batch, totals.to_fields(), self.config,
            after_upload=after_upload, additional=self._with_ksn(keys),
        )
        return str((await self._exchange(request, keys, None))[39])

    async def _upload_batch(self, batch: int) -> None:
        """0320 for every approved sale and refund of the batch; each must be answered 00."""
        for record, kind in batch_entries(self.journal, batch):
            if kind not in (TotalsKind.DEBIT, TotalsKind.CREDIT):
                continue
            keys = await self._message_keys()
            items = {AdditionalTag.VOIDED: "1" if record.is_voided else "0"}
            request = messages.batch_upload_request(record, self.config, self._with_ksn(keys, items))
            response = await self._exchange(request, keys, record.id)
            if response[39] != ResponseCode.APPROVED:
                raise CommunicationFailure(f"batch upload of invoice {record.invoice:06d} refused: {response[39]}")

    # ------------------------------------------------------------------ financial transactions

    def _fingerprint(self, card: PresentedCard) -> str:
        return card_fingerprint(self._fingerprint_secret, card.pan)

    def matches_original(self, card: PresentedCard, original: TransactionRecord) -> bool:
        """True when ``card`` is the card of the journaled ``original`` (keyed fingerprint, not the masked PAN)."""
        return hmac.compare_digest(self._fingerprint(card), original.card_fingerprint)

    def _new_transaction(
        self, kind: TxnType, amount: int, card: PresentedCard | None, processing_code: str,
        *, original: TransactionRecord | None = None, reason: str | None = None,
    ) -> NewTransaction:
        return NewTransaction(
            txn_type=kind,
            amount=amount,
            currency=self.config.currency,
            masked_pan=card.masked_pan if card else original.masked_pan if original else "",
            card_fingerprint=self._fingerprint(card) if card else original.card_fingerprint if original else "",
            card_brand=card.brand if card else original.card_brand if original else "",
            entry_mode=card.entry.value if card else original.entry_mode if original else "",
            original_id=original.id if original else None,
            reason_code=reason,
            processing_code=processing_code,
            mti=Mti.FINANCIAL_REQUEST,
        )

    def _icc_data(self, card: PresentedCard, amount: int, kind: TransactionType, moment: datetime) -> bytes | None:
        """Field 55 from the chip (GENERATE AC); the card's ATC survives between runs in the journal."""
        if card.chip is None:
            return None
        counter = f"atc_{card.name}"
        card.chip.atc = self.journal.get_counter(counter, 0)
        self.journal.set_counter(counter, card.chip.atc + 1)  # persisted first: a crash never reuses an ATC
        data = TerminalData(
            amount_authorised=amount, currency=self.config.currency, terminal_country=self.config.country,
            transaction_date=date(moment.year, moment.month, moment.day), transaction_type=kind,
        )
        return build_field55(card.chip, data, kind)

    async def sale(self, card: PresentedCard, amount: int, pin: str | None = None) -> TxnResult:
        """A purchase, online, with an ARQC from the chip and the PIN when one is given."""
        return await self._financial(
            "sale", self._new_transaction(TxnType.SALE, amount, card, ProcessingCode.PURCHASE), card,
            pin=pin, icc_kind=TransactionType.PURCHASE,
        )

    async def refund(self, request: RefundRequest) -> TxnResult:
        """A matched (or, where configured, unmatched) refund: every terminal-side rule, then online."""
        try:
            await self._check_supervisor(request.supervisor_password)
            original = self._find_refund_original(request)
            self._check_refund(request, original)
        except TerminalRefusal as refusal:
            return TxnResult("refund", Outcome.REFUSED, amount=request.amount, currency=self.config.currency,
                             masked_pan=request.card.masked_pan, error=str(refusal))
        items = self._original_reference(original, request.original_rrn, request.original_date)
        if request.reason:
            items[AdditionalTag.REASON] = request.reason
        new = self._new_transaction(TxnType.REFUND, request.amount, request.card, ProcessingCode.REFUND,
                                    reason=request.reason)
        if original is not None:
            new = NewTransaction(**{**new.__dict__, "original_id": original.id})
        return await self._financial("refund", new, request.card, pin=request.pin, icc_kind=TransactionType.REFUND,
                                     additional=items)

    async def void(self, invoice: int, supervisor_password: str) -> TxnResult:
        """Cancel a sale or a refund of the open batch, by its invoice number."""
        try:
            await self._check_supervisor(supervisor_password)
            original = self.journal.find_by_invoice(invoice, batch=self.journal.current_batch())
            if original is None:
                raise TerminalRefusal(f"invoice {invoice:06d} is not in the open batch")
            if original.txn_type is TxnType.VOID or original.status is not TxnStatus.APPROVED:
                raise TerminalRefusal(f"invoice {invoice:06d} is a {original.status} {original.txn_type}: not voidable")
            if original.is_voided:
                raise TerminalRefusal(f"invoice {invoice:06d} is already voided")
        except TerminalRefusal as refusal:
            return TxnResult("void", Outcome.REFUSED, invoice=invoice, error=str(refusal))
        code = ProcessingCode.VOID_SALE if original.txn_type is TxnType.SALE else ProcessingCode.VOID_REFUND
        new = self._new_transaction(TxnType.VOID, original.amount, None, code, original=original)
        return await self._financial("void", new, None, original_rrn=original.rrn)

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

    async def _check_supervisor(self, password: str) -> None:
        """The password hash (PBKDF2) runs in a worker thread so a UI on this event loop stays responsive."""
        if not await asyncio.to_thread(self.config.verify_supervisor_password, password):
            self.journal.record_event("supervisor_password_wrong", {}, now=self._clock())
            raise TerminalRefusal("wrong supervisor password")

    def _find_refund_original(self, request: RefundRequest) -> TransactionRecord | None:
        if request.original_invoice is not None:
            try:
                original = self.journal.find_by_invoice(request.original_invoice)
            except JournalError as error:
                raise TerminalRefusal(f"invoice {request.original_invoice:06d}: {_journal_reason(error)}") from None
            if original is None:
                raise TerminalRefusal(f"no transaction with invoice {request.original_invoice:06d} in the journal")
            return original
        if request.original_rrn:
            try:
                original = self.journal.find_by_rrn(request.original_rrn, request.original_date)
            except (ValueError, JournalError) as error:
                raise TerminalRefusal(f"original RRN {request.original_rrn}: {_journal_reason(error)}") from None
            if original is None and not self.config.allow_unmatched_refunds:
                raise TerminalRefusal(f"original RRN {request.original_rrn} is not in this terminal's journal")
            return original
        if not self.config.allow_unmatched_refunds:
            raise TerminalRefusal("unmatched refunds are not allowed: give the original RRN or invoice")
        return None

    def _check_refund(self, request: RefundRequest, original: TransactionRecord | None) -> None:
        if request.amount > self.config.max_refund_amount:
            raise TerminalRefusal(f"refund of {request.amount} exceeds the terminal limit {self.config.max_refund_amount}")
        if self.config.pin_on_refund and not request.pin:
            raise TerminalRefusal("this terminal asks the PIN on refunds: none was entered")
        if original is None:
            return
        if original.txn_type is not TxnType.SALE or original.status is not TxnStatus.APPROVED or original.is_voided:
            raise TerminalRefusal(f"invoice {original.invoice:06d} is not an approved sale: nothing to refund")
        if not self.matches_original(request.card, original):
            raise TerminalRefusal("card does not match the original sale's card")
        remaining = self.journal.refundable_remaining(original.id)
        if request.amount > remaining:
            raise TerminalRefusal(f"amount {request.amount} exceeds the refundable remainder {remaining}")

    async def _flush_owed(self) -> None:
        """Reversals, then advices, must reach the host before anything new (design.md section 3)."""
        for outcome in await self.flush_reversals():
            if outcome.status != "acked":
                raise HostUnreachable("an earlier reversal is still pending: host unreachable")
        await self.flush_advices()

    async def _financial(
        self, operation: str, new: NewTransaction, card: PresentedCard | None, *,
        pin: str | None = None, icc_kind: TransactionType | None = None,
        additional: dict[str, str] | None = None, original_rrn: str | None = None,
    ) -> TxnResult:
        """Flush reversals, journal, send, and journal the outcome (or reverse)."""
        base = {"amount": new.amount, "currency": new.currency, "masked_pan": new.masked_pan or None}
        try:  # the journal's money rules (remainder, pending refunds, refunds of a sale to void): refuse early
            self.journal.check_original(new)
        except JournalError as refusal:
            return TxnResult(operation, Outcome.REFUSED, error=_journal_reason(refusal), **base)
        try:
            await self._flush_owed()
            keys = await self._message_keys()
            channel = await self._open()
        except HostUnreachable as failure:
            return self._complete_offline(operation, new, failure, base)
        except CommunicationFailure as failure:
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, error=str(failure), **base)
        try:  # a malformed PIN is refused here, before anything is journaled or sent
            block = pin_block(keys, pin, card.pan) if pin and card else None
            record = self.journal.begin_transaction(new, now=self._clock())
        except (CryptoError, JournalError) as refusal:  # the PIN, or the journal's money rules
            await channel.close()
            return TxnResult(operation, Outcome.REFUSED, error=_journal_reason(refusal), **base)
        try:
            request = messages.financial_request(
                record, self.config, card,
                pin_block=block,
                icc_data=self._icc_data(card, new.amount, icc_kind, record.transmitted_at)
                if card and icc_kind is not None else None,
                additional=self._with_ksn(keys, additional), original_rrn=original_rrn,
            )
            response = await self._exchange(request, keys, record.id, channel)
        except (CommunicationFailure, CryptoError, EmvError, Iso8583Error) as failure:
            await channel.close()
            reversal = await self._reverse(record)
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, stan=record.stan, invoice=record.invoice,
                             transaction_id=record.id, reversal=reversal, error=str(failure), **base)
        return self._complete(operation, record, response, card, base)

    def _complete(
        self, operation: str, record: TransactionRecord, response: Message, card: PresentedCard | None, base: dict
    ) -> TxnResult:
        code = str(response[39])
        host_data = _credit_data(response)
        completed = self.journal.complete_transaction(
            record.id, status=TxnStatus.APPROVED if code == ResponseCode.APPROVED else TxnStatus.DECLINED,
            response_code=code, rrn=_text_field(response, 37), auth_code=_text_field(response, 38),
            host_data=host_data, now=self._clock(),
        )
        self._issuer_authentication(card, response)
        return TxnResult(operation, Outcome.COMPLETED, response_code=code, stan=completed.stan, rrn=completed.rrn,
                         invoice=completed.invoice, transaction_id=completed.id, auth_code=completed.auth_code,
                         host_data=host_data, **base)

    @staticmethod
    def _issuer_authentication(card: PresentedCard | None, response: Message) -> None:
        """Pass the issuer's ARPC (tag 91 of the response's DE 55) to the chip, as EMV terminals do."""
        icc = response.get(55)
        if card is None or card.chip is None or not isinstance(icc, bytes):
            return
        issuer_data = tlv.flatten(tlv.decode(icc)).get("91")
        if issuer_data:
            arpc, arc = (issuer_data[:8], issuer_data[8:]) if len(issuer_data) == 10 else (issuer_data[:4], issuer_data[4:])
            card.chip.external_authenticate(arpc, arc)


def _text_field(message: Message, number: int) -> str | None:
    """A text field's value, or None when absent or blank."""
    value = message.get(number)
    return value if isinstance(value, str) and value.strip() else None


def _credit_data(response: Message) -> dict[str, str]:
    """What the host says about when a refund reaches the cardholder (DE 63 CC and CD)."""
    items = additional_data(response)
    names = (("credit_channel", AdditionalTag.CREDIT_CHANNEL), ("credit_date", AdditionalTag.CREDIT_DATE))
    return {name: items[tag] for name, tag in names if tag in items}


REVERSAL_CLEARING_CODES = frozenset({ResponseCode.APPROVED, ResponseCode.ORIGINAL_NOT_FOUND})
"""A 0410 with 00 (reversed) or 25 (nothing to reverse) clears the reversal; any other answer means the
host did not apply it (format error, security violation, malfunction...), so it is repeated."""

ADVICE_FINAL_CODES = frozenset({ResponseCode.APPROVED, ResponseCode.INVALID_TRANSACTION, ResponseCode.INVALID_AMOUNT,
                                ResponseCode.ORIGINAL_NOT_FOUND})
"""The 0230 answers that decide an advice (docs/protocol.md); any other is a failure to apply it: resent."""


def _journal_reason(error: Exception) -> str:
    """The journal's refusal without its file path prefix (the cashier does not need it)."""
    text = str(error)
    return text.split(": ", 1)[1] if text.startswith("journal ") and ": " in text else text
