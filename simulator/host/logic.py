"""The acquirer host emulator's decisions, without I/O: one request in, one :class:`HostDecision` out.

Rules (docs/protocol.md for the codes; design.md section 3):

* Unknown terminal (DE 41, or DE 42 not its merchant) -> 03. Keys: DE 63 KS (20 hex digits: DUKPT
  TDES, 24: DUKPT AES), else the terminal's master/session keys. The request MAC is verified on all
  requests but 0800 (an 0800 echo carrying a MAC is verified too) -> 63; no session keys -> 63.
  Responses are MACed whenever the keys are known, declines included, except the 0810 that
  delivers new master/session keys (the key blocks are authenticated by TR-31 under the TMK).
* 0800: sign-on / key change deliver a new TPK and TAK (mksk) or just approve (DUKPT); echo approves.
* 0200 sale, refund (matched by DE 63 OR + OD, or unmatched where allowed), void of a sale or a
  refund; PIN (DE 52) and card cryptogram (DE 55) checks; the ledger records each movement.
* 0400/0401 reversal: the original (DE 90) is undone once; always acknowledged with 00.
* 0220/0221 advice (an offline refund, :mod:`simulator.host.advice`): always answered 0230; the
  refund is credited once when it holds (00), else journaled as declined with 25 / 12 / 13.
* 0320 batch upload and 0500 settlement (:mod:`simulator.host.settlement`): 0330/00 records the
  uploaded transaction; 0510 is 00 when the totals agree with the journal (920000) or with the
  uploaded set (960000), else 95; both journaled.
* A retransmission (same terminal, STAN, DE 7 and message class) gets the stored response bytes,
  with no second movement; the same key with different content -> 94. An advice applied earlier
  under another DE 7 (same STAN, original, amount and offline code) is not credited again.
* Anything else -> 12; a message that does not decode -> 30 when its MTI and STAN can be read.
* Scripted rules (:mod:`simulator.host.rules`): ``respond`` replaces processing; delay, drop,
  disconnect and corrupt_mac apply after it (money has moved: the terminal must reverse).

Each request is processed in one journal transaction: its outcome, its ledger rows and its stored
response are committed together.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

from emv import tlv
from emv.cards import TestCard
from emv.cryptogram import CryptogramType
from emv.errors import EmvError
from emv.issuer import issuer_authentication_data, verify_cryptogram
from emv.masking import mask_pan
from iso8583 import Dialect, Message, decode, encode, get_dialect, render_text
from iso8583.errors import Iso8583Error
from keys.errors import CryptoError, MacVerificationError
from pos_terminal.protocol import (
    AdditionalDataError,
    AdditionalTag,
    Mti,
    NetworkCode,
    ProcessingCode,
    ResponseCode,
    additional_data,
    encode_additional_data,
    mac_field,
    parse_original_data_elements,
    response_mti,
)
from pos_terminal.security import MessageKeys, recover_pin, sign_response, verify_request
from simulator.host import advice as advices
from simulator.host import settlement
from simulator.host.cards import CardDirectory, request_pan, request_psn
from simulator.host.config import HostConfig, TerminalProfile
from simulator.host.decision import HostDecision, Outcome
from simulator.host.journal import (
    REFUND_MTIS,
    Cause,
    Direction,
    HostJournal,
    SettlementBasis,
    SettlementRecord,
    Status,
    TransactionRecord,
    iso_time,
)
from simulator.host.keyring import HostKeyring, KeyResolutionError, MalformedKsnError
from simulator.host.rules import Rule, RuleAction, RuleSet
from simulator.host.salvage import salvage

log = logging.getLogger(__name__)

ECHOED_FIELDS = (3, 4, 7, 11, 12, 13, 22, 25, 37, 41, 42, 49, 60, 62, 70, 90)
"""Request fields copied into the response (never PAN, track data, PIN block or ICC data)."""
TPDU_ID = 0x60
REVERSAL_MTIS = frozenset({Mti.REVERSAL, Mti.REVERSAL_REPEAT})
ADVICE_MTIS = frozenset({Mti.ADVICE, Mti.ADVICE_REPEAT})
PROCESSED_MTIS = frozenset({Mti.FINANCIAL_REQUEST, *REVERSAL_MTIS, *ADVICE_MTIS, Mti.BATCH_UPLOAD, Mti.SETTLEMENT})
"""The MTIs answered after the MAC check by :meth:`HostLogic._financial` (0800 aside)."""
_DIGEST_FIELDS = (2, 3, 4, 35, 37, 49, 90)
_EXTRA_DIGEST_FIELDS: dict[str, tuple[int, ...]] = {
    "022": (60, 62),
    "032": (11, 12, 13, 38, 60, 62),
    "050": (60, 74, 75, 76, 77, 86, 87, 88, 89),
}
"""More fields a retransmission must repeat, per message class (the 0200 / 0400 digest is unchanged)."""
_DIGEST_TAGS = (AdditionalTag.ORIGINAL_RRN, AdditionalTag.ORIGINAL_DATE, AdditionalTag.OFFLINE_APPROVAL,
                AdditionalTag.VOIDED)
"""DE 63 tags in the digest of those classes (never KS: a DUKPT repeat carries a new KSN)."""
VOID_CODES = {ProcessingCode.VOID_SALE: ProcessingCode.PURCHASE, ProcessingCode.VOID_REFUND: ProcessingCode.REFUND}


class FormatError(ValueError):
    """A request decodes but lacks a field or carries one that makes no sense: answer 30."""


_REVERSED_BEFORE_ARRIVAL = "reversed-before-arrival"
"""Stored-response marker for an original whose reversal came first: the original is refused (94)."""


@dataclass
class _Exchange:
    """One request being processed: what the steps found out so far."""

    request: Message
    now: datetime
    profile: TerminalProfile | None = None
    keys: MessageKeys | None = None
    pan: str | None = field(default=None, repr=False)
    sign: bool = True


@dataclass(frozen=True)
class _CardCheck:
    """Outcome of the PIN and cryptogram checks: a decline code or None, and the ARPC context."""

    code: str | None
    arqc_field55: bytes | None = None
    card: TestCard | None = None


def _swap_tpdu(header: bytes) -> bytes:
    """A response header: a TPDU's destination and origin swapped, anything else as received."""
    if len(header) == 5 and header[0] == TPDU_ID:
        return header[:1] + header[3:5] + header[1:3]
    return header


def _auth_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _text(request: Message, number: int) -> str | None:
    value = request.get(number)
    return value if isinstance(value, str) else None


def _amount(request: Message) -> int:
    value = _text(request, 4)
    if value is None or not value.isdigit():
        raise FormatError("DE 4 (amount) missing or not numeric")
    return int(value)


def _journal_mti(mti: str) -> str:
    """The MTI a transaction is journaled under: a repeat as its original (0401 -> 0400, 0221 -> 0220)."""
    if mti in REVERSAL_MTIS:
        return Mti.REVERSAL
    if mti in ADVICE_MTIS:
        return Mti.ADVICE
    return mti


def _require(request: Message, number: int) -> str:
    value = _text(request, number)
    if not value:
        raise FormatError(f"DE {number} missing")
    return value


class HostLogic:
    """The host's rules over one journal, one key ring and one card directory (sans I/O)."""

    def __init__(
        self,
        config: HostConfig,
        *,
        rules: RuleSet | None = None,
        journal: HostJournal | None = None,
        cards: CardDirectory | None = None,
    ) -> None:
        self.config = config
        self.dialect: Dialect = get_dialect(config.dialect)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.journal = journal or HostJournal(config.journal_path)
        self.keyring = HostKeyring(config, self.dialect)
        self.cards = cards or CardDirectory.from_test_cards()
        self.rules = rules or RuleSet()

    def close(self) -> None:
        """Close the journal."""
        self.journal.close()

    # -- entry points ---------------------------------------------------------------------

    def handle_bytes(self, data: bytes, *, now: datetime, peer: str) -> HostDecision:
        """Decode one received message and handle it; a message that does not decode gets 30 or nothing."""
        try:
            request = decode(data, self.dialect)
        except Exception as exc:  # DecodeError, or anything a malformed frame provokes
            return self._undecodable(data, f"{type(exc).__name__}: {exc}", now, peer)
        return self.handle(request, now=now, peer=peer)

    def handle(self, request: Message, *, now: datetime, peer: str) -> HostDecision:
        """The decision for one decoded request. Never raises: a failure answers 30 or drops."""
        self._journal_message("in", request, now, peer)
        try:
            decision = self._handle(request, now)
        except FormatError as exc:
            log.warning("format error in %s from %s: %s", request.mti, peer, exc)
            decision = self._format_error(request, now, str(exc))
        except Exception as exc:  # a bug must not take the host down: answer 30, keep serving
            log.exception("handling %s from %s failed", request.mti, peer)
            decision = self._format_error(request, now, f"internal error: {type(exc).__name__}")
        self._journal_decision(decision, now, peer)
        return decision

    # -- the pipeline ---------------------------------------------------------------------

    def _handle(self, request: Message, now: datetime) -> HostDecision:
        exchange = _Exchange(request, now, pan=request_pan(request))
        rule = self.rules.match(request, exchange.pan)
        if rule is not None:
            log.info("rule %r matches %s %s", rule.name, request.mti, _text(request, 11))
        if rule is not None and rule.action is RuleAction.RESPOND:
            assert rule.response_code is not None
            return self._scripted(exchange, rule)
        decision = self._process(exchange)
        return decision if rule is None else self._apply_rule(rule, decision)

    def _process(self, exchange: _Exchange) -> HostDecision:
        request = exchange.request
        if not request.mti.isdigit() or len(request.mti) != 4 or request.mti[2] not in "02":
            raise FormatError(f"MTI {request.mti} is not a request")
        _require(request, 11)
        code = self._identify(exchange)
        if code is not None:
            return self._answer(exchange, code)
        if request.mti == Mti.NETWORK:
            return self._network(exchange)
        if request.mti not in PROCESSED_MTIS:
            return self._answer(exchange, ResponseCode.INVALID_TRANSACTION)
        if exchange.keys is None:
            return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
        if not self._mac_ok(exchange):
            return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
        return self._financial(exchange)

    def _identify(self, exchange: _Exchange) -> str | None:
        """Find the terminal and its keys; 03 for an unknown terminal, 30 for a malformed KSN."""
        request = exchange.request
        profile = self.config.terminals.get(_text(request, 41) or "")
        merchant = _text(request, 42)
        if profile is None or (merchant is not None and merchant != profile.merchant_id):
            exchange.sign = False
            return ResponseCode.INVALID_MERCHANT
        exchange.profile = profile
        try:
            tags = additional_data(request)
        except AdditionalDataError as exc:
            raise FormatError(str(exc)) from None
        try:
            exchange.keys = self.keyring.request_keys(profile, tags.get(AdditionalTag.KSN))
        except MalformedKsnError as exc:
            raise FormatError(str(exc)) from None
        except KeyResolutionError as exc:
            (log.debug if request.mti == Mti.NETWORK else log.warning)("no keys for %s from %s: %s", request.mti, profile.terminal_id, exc)
        return None

    def _mac_ok(self, exchange: _Exchange) -> bool:
        assert exchange.keys is not None
        try:
            verify_request(exchange.request, self.dialect, exchange.keys)
        except MacVerificationError as exc:
            log.warning("terminal %s: %s", _text(exchange.request, 41), exc)
            return False
        return True

    # -- network management ---------------------------------------------------------------

    def _network(self, exchange: _Exchange) -> HostDecision:
        request = exchange.request
        code = _text(request, 70)
        profile = exchange.profile
        assert profile is not None
        if code in (NetworkCode.SIGN_ON, NetworkCode.KEY_CHANGE):
            if AdditionalTag.KSN in additional_data(request):
                return self._answer(exchange, ResponseCode.APPROVED)
            delivery = self.keyring.new_session(profile)
            self.journal.record_session(
                time=exchange.now, terminal_id=profile.terminal_id, pin_key_block=delivery.pin_key_block,
                pin_key_kcv=delivery.pin_key_kcv, mac_key_block=delivery.mac_key_block,
                mac_key_kcv=delivery.mac_key_kcv,
            )
            exchange.sign = False
            return self._answer(exchange, ResponseCode.APPROVED, {63: encode_additional_data({
                AdditionalTag.PIN_KEY_BLOCK: delivery.pin_key_block,
                AdditionalTag.PIN_KEY_KCV: delivery.pin_key_kcv,
                AdditionalTag.MAC_KEY_BLOCK: delivery.mac_key_block,
                AdditionalTag.MAC_KEY_KCV: delivery.mac_key_kcv,
            })})
        if code == NetworkCode.ECHO:
            if mac_field(request) in request and (exchange.keys is None or not self._mac_ok(exchange)):
                return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
            return self._answer(exchange, ResponseCode.APPROVED)
        return self._answer(exchange, ResponseCode.INVALID_TRANSACTION)

    # -- financial ------------------------------------------------------------------------

    def _request_digest(self, request: Message) -> str:
        """A keyed digest of what a retransmission must repeat (the MTI's repeat bit aside)."""
        parts = [request.mti[:3]]
        extra = _EXTRA_DIGEST_FIELDS.get(request.mti[:3], ())
        for number in (*_DIGEST_FIELDS, *extra):
            value = request.get(number)
            parts.append("" if value is None else value.hex() if isinstance(value, bytes) else value)
        if extra:
            try:
                tags = additional_data(request)
            except AdditionalDataError:
                tags = {}
            parts.extend(f"{tag}={tags.get(tag, '')}" for tag in _DIGEST_TAGS)
        return self.keyring.keyed_digest(*parts)

    def _financial(self, exchange: _Exchange) -> HostDecision:
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        stan, de7 = _require(request, 11), _require(request, 7)
        mti_class = response_mti(request.mti)
        digest = self._request_digest(request)
        stored = self.journal.stored_response(profile.terminal_id, stan, de7, mti_class)
        if stored is not None:
            if stored.request_digest == _REVERSED_BEFORE_ARRIVAL:
                log.info("%s %s from %s arrived after its reversal: refused, no money moves",
                         request.mti, stan, profile.terminal_id)
                return self._answer(exchange, ResponseCode.DUPLICATE)
            if not hmac.compare_digest(stored.request_digest, digest):
                return self._answer(exchange, ResponseCode.DUPLICATE)
            log.info("retransmission of %s %s from %s: resending the stored response",
                     request.mti, stan, profile.terminal_id)
            # Same answer, signed with this request's keys: a DUKPT repeat (0401, 0221) carries a new KSN,
            # so the first answer's MAC would not verify; with unchanged keys the bytes are identical.
            previous = decode(stored.response, self.dialect)
            unsigned = replace(previous, fields={n: v for n, v in previous.fields.items() if n not in (64, 128)})
            return replace(self._decision(exchange, unsigned), retransmission=True)
        with self.journal.atomic():
            response = self._dispatch(exchange)
            decision = self._decision(exchange, response)
            assert decision.response_bytes is not None
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=stan, transmission_time=de7, mti_class=mti_class,
                request_digest=digest, response=decision.response_bytes, time=exchange.now,
            )
        return decision

    def _dispatch(self, exchange: _Exchange) -> Message:
        mti = exchange.request.mti
        if mti in REVERSAL_MTIS:
            return self._reversal(exchange)
        if mti in ADVICE_MTIS:
            return self._advice(exchange)
        if mti == Mti.BATCH_UPLOAD:
            return self._upload(exchange)
        if mti == Mti.SETTLEMENT:
            return self._settle(exchange)
        return self._dispatch_0200(exchange)

    def _dispatch_0200(self, exchange: _Exchange) -> Message:
        processing_code = _text(exchange.request, 3)
        if processing_code == ProcessingCode.PURCHASE:
            return self._sale(exchange)
        if processing_code == ProcessingCode.REFUND:
            return self._refund(exchange)
        if processing_code in VOID_CODES:
            return self._void(exchange, ProcessingCode(processing_code))
        self._record(exchange, ResponseCode.INVALID_TRANSACTION, Status.DECLINED)
        return self._response(exchange.request, ResponseCode.INVALID_TRANSACTION)

    def _card_checks(self, exchange: _Exchange, pan: str) -> _CardCheck:
        """PIN (DE 52) and cryptogram (DE 55) checks against the issuer's record of the card."""
        request = exchange.request
        card = self.cards.get(pan)
        block, field55 = request.get(52), request.get(55)
        if (block is not None or field55 is not None) and card is None:
            log.info("card %s is not a card of this issuer", mask_pan(pan))
            return _CardCheck(ResponseCode.INVALID_CARD)
        arqc = None
        if isinstance(field55, bytes):
            assert card is not None
            if card.issuer_master_key is None:
                return _CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
            psn = request_psn(request, card)
            try:
                check = verify_cryptogram(field55, card.issuer_master_key, pan, psn)
            except EmvError as exc:
                log.info("cryptogram of %s not checkable: %s", mask_pan(pan), exc)
                return _CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
            if not check.ok:
                log.info("cryptogram of %s failed: %s", mask_pan(pan), check.reason)
                return _CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
            arqc = field55 if check.cryptogram_type is CryptogramType.ARQC else None
        if isinstance(block, bytes):
            assert card is not None and exchange.keys is not None
            try:
                pin = recover_pin(exchange.keys, block, pan)
            except CryptoError:
                return _CardCheck(ResponseCode.INCORRECT_PIN, arqc, card)
            if not hmac.compare_digest(pin.encode(), card.pin.encode()):
                return _CardCheck(ResponseCode.INCORRECT_PIN, arqc, card)
        return _CardCheck(None, arqc, card)

    def _arpc(self, check: _CardCheck, pan: str, request: Message, approved: bool) -> dict[int, bytes]:
        """DE 55 with tag 91 (issuer authentication data) answering a verified ARQC."""
        if check.arqc_field55 is None or check.card is None or check.card.issuer_master_key is None:
            return {}
        try:
            data = issuer_authentication_data(check.arqc_field55, check.card.issuer_master_key, pan,
                                              request_psn(request, check.card), approved)
        except EmvError as exc:
            log.info("no ARPC for %s: %s", mask_pan(pan), exc)
            return {}
        return {55: tlv.encode([tlv.Tlv.primitive("91", data)])}

    def _card_pan(self, exchange: _Exchange) -> str:
        if exchange.pan is None:
            raise FormatError("no PAN (DE 2) or track 2 data (DE 35)")
        return exchange.pan

    def _sale(self, exchange: _Exchange) -> Message:
        request = exchange.request
        amount, pan = _amount(request), self._card_pan(exchange)
        check = self._card_checks(exchange, pan)
        if check.code is not None:
            self._record(exchange, check.code, Status.DECLINED, amount=amount)
            return self._response(request, check.code, self._arpc(check, pan, request, approved=False))
        rrn, auth = self.journal.next_rrn(), _auth_code()
        txn = self._record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, rrn=rrn, auth=auth)
        self._move(exchange, txn, Direction.DEBIT, Cause.SALE, amount)
        return self._response(request, ResponseCode.APPROVED,
                              {37: rrn, 38: auth, **self._arpc(check, pan, request, approved=True)})

    def _refund(self, exchange: _Exchange) -> Message:
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        amount, pan = _amount(request), self._card_pan(exchange)
        tags = additional_data(request)
        original_rrn, original_date = tags.get(AdditionalTag.ORIGINAL_RRN), tags.get(AdditionalTag.ORIGINAL_DATE)
        reason = tags.get(AdditionalTag.REASON)
        original: TransactionRecord | None = None

        def decline(code: str) -> Message:
            self._record(exchange, code, Status.DECLINED, amount=amount, original=original,
                         original_rrn=original_rrn, reason=reason)
            return self._response(request, code)

        if original_rrn is not None:
            original = self.journal.find_by_rrn(profile.terminal_id, original_rrn)
            if original is None or (original_date is not None and original.local_date != original_date):
                original = None
                return decline(ResponseCode.ORIGINAL_NOT_FOUND)
            if (original.mti != Mti.FINANCIAL_REQUEST or original.processing_code != ProcessingCode.PURCHASE
                    or original.status is not Status.APPROVED):
                return decline(ResponseCode.INVALID_TRANSACTION)
            if original.card_fingerprint != self.keyring.fingerprint(pan):
                return decline(ResponseCode.INVALID_CARD)
            assert original.id is not None and original.amount is not None
            if amount > original.amount - self.journal.refunded_amount(original.id):
                return decline(ResponseCode.INVALID_AMOUNT)
        elif not profile.allow_unmatched_refunds:
            return decline(ResponseCode.NOT_PERMITTED)
        check = self._card_checks(exchange, pan)
        if check.code is not None:
            return decline(check.code)
        channel, credit_date = self.config.credit.credit_for(self.cards.brand(pan), exchange.now.date())
        rrn, auth = self.journal.next_rrn(), _auth_code()
        txn = self._record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, rrn=rrn, auth=auth,
                           original=original, original_rrn=original_rrn, reason=reason,
                           credit_channel=channel.value, credit_date=credit_date.strftime("%Y%m%d"))
        self._move(exchange, txn, Direction.CREDIT, Cause.REFUND, amount)
        return self._response(request, ResponseCode.APPROVED, {37: rrn, 38: auth, 63: encode_additional_data({
            AdditionalTag.CREDIT_CHANNEL: channel.value,
            AdditionalTag.CREDIT_DATE: credit_date.strftime("%Y%m%d"),
        })})

    def _void(self, exchange: _Exchange, processing_code: ProcessingCode) -> Message:
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        rrn = _require(request, 37)
        amount = _amount(request) if 4 in request else None
        original = self.journal.find_by_rrn(profile.terminal_id, rrn)

        def decline(code: str) -> Message:
            self._record(exchange, code, Status.DECLINED, amount=amount, original=original, original_rrn=rrn)
            return self._response(request, code)

        if original is None:
            return decline(ResponseCode.ORIGINAL_NOT_FOUND)
        assert original.id is not None
        originals = REFUND_MTIS if processing_code is ProcessingCode.VOID_REFUND else (Mti.FINANCIAL_REQUEST,)
        if (original.mti not in originals or original.processing_code != VOID_CODES[processing_code]
                or original.status is not Status.APPROVED):
            return decline(ResponseCode.INVALID_TRANSACTION)
        if processing_code is ProcessingCode.VOID_SALE and self.journal.refunded_amount(original.id):
            log.info("void of sale %s refused: it has approved refunds (void them first)", rrn)
            return decline(ResponseCode.INVALID_TRANSACTION)
        auth = _auth_code()
        txn = self._record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, auth=auth,
                           original=original, original_rrn=rrn)
        self.journal.set_status(original.id, Status.VOIDED)
        self._undo(exchange, original.id, txn, Cause.VOID)
        return self._response(request, ResponseCode.APPROVED, {38: auth})

    def _advice(self, exchange: _Exchange) -> Message:
        """An offline refund: credited once when it holds, else journaled declined; answered 0230 either way."""
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        try:
            advice = advices.parse_advice(request)
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        applied = self.journal.find_applied_advice(profile.terminal_id, _require(request, 11), advice.original_rrn,
                                                   advice.amount, advice.offline_code)
        if applied is not None:
            log.info("advice %s from %s was applied before (RRN %s): no second credit",
                     applied.stan, profile.terminal_id, applied.rrn)
            return self._advice_response(request, applied)
        original = advices.locate_original(advice, lambda rrn: self.journal.find_by_rrn(profile.terminal_id, rrn))
        refunded = self.journal.refunded_amount(original.id) if original is not None and original.id else 0
        code = advices.refusal(advice, original, refunded)
        if code is not None:
            log.warning("advice %s from %s refused with %s: no credit", _text(request, 11), profile.terminal_id,
                        code)
            self._record(exchange, code, Status.DECLINED, amount=advice.amount, auth=advice.offline_code,
                         original=original, original_rrn=advice.original_rrn, reason=advice.reason, card_of=original)
            return self._response(request, code)
        assert original is not None
        brand = advices.original_card_brand(original, self.cards, self.keyring.fingerprint)
        channel, credit_date = self.config.credit.credit_for(brand, exchange.now.date())
        txn = self._record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=advice.amount,
                           rrn=self.journal.next_rrn(), auth=advice.offline_code, original=original,
                           original_rrn=advice.original_rrn, reason=advice.reason, credit_channel=channel.value,
                           credit_date=credit_date.strftime("%Y%m%d"), card_of=original)
        self._move(exchange, txn, Direction.CREDIT, Cause.REFUND, advice.amount)
        record = self.journal.transaction(txn)
        assert record is not None
        return self._advice_response(request, record)

    def _advice_response(self, request: Message, applied: TransactionRecord) -> Message:
        """0230/00 for an applied advice: its RRN, offline approval code and credit channel and date."""
        extra: dict[int, str | bytes] = {37: applied.rrn or ""}
        if applied.auth_code:
            extra[38] = applied.auth_code
        if applied.credit_channel and applied.credit_date:
            extra[63] = encode_additional_data({AdditionalTag.CREDIT_CHANNEL: applied.credit_channel,
                                                AdditionalTag.CREDIT_DATE: applied.credit_date})
        return self._response(request, ResponseCode.APPROVED, extra)

    def _upload(self, exchange: _Exchange) -> Message:
        """0320: one transaction of a batch upload joins the terminal's uploaded set (0330/00)."""
        assert exchange.profile is not None
        try:
            upload = settlement.parse_upload(exchange.request, exchange.profile.terminal_id, exchange.now)
        except settlement.MalformedRequest as exc:
            raise FormatError(str(exc)) from None
        self.journal.record_upload(upload)
        return self._response(exchange.request, ResponseCode.APPROVED)

    def _settle(self, exchange: _Exchange) -> Message:
        """0500: the terminal's totals against the host's (journal or uploaded set): 0510 with 00 or 95."""
        assert exchange.profile is not None
        try:
            request = settlement.parse_settlement(exchange.request, exchange.profile.terminal_id)
        except settlement.MalformedRequest as exc:
            raise FormatError(str(exc)) from None
        record = settlement.settle(self.journal, request, exchange.now)
        log.info("settlement of %s batch %06d (%s): %s", request.terminal_id, request.batch, request.basis.value,
                 record.response_code)
        return self._response(exchange.request, record.response_code)

    def _reversal(self, exchange: _Exchange) -> Message:
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        try:
            original_mti, original_stan, original_de7 = parse_original_data_elements(_require(request, 90))
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        original = self.journal.find_by_request(profile.terminal_id, original_mti, f"{original_stan:06d}",
                                                original_de7)
        amount = _amount(request) if 4 in request else None
        txn = self._record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, original=original,
                           original_rrn=original.rrn if original else None)
        if original is None:
            log.info("reversal of unknown %s %06d from %s acknowledged", original_mti, original_stan,
                     profile.terminal_id)
            # The reversal overtook its original: mark the original's key so it is refused if it comes.
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=f"{original_stan:06d}", transmission_time=original_de7,
                mti_class=response_mti(original_mti), request_digest=_REVERSED_BEFORE_ARRIVAL, response=b"",
                time=exchange.now,
            )
        elif original.status is not Status.APPROVED:
            log.info("reversal of a %s transaction acknowledged without movement", original.status.value)
        else:
            assert original.id is not None
            self.journal.set_status(original.id, Status.REVERSED)
            self._undo(exchange, original.id, txn, Cause.REVERSAL)
            if original.processing_code in VOID_CODES and original.original_id is not None:
                self.journal.set_status(original.original_id, Status.APPROVED)  # the voided one stands again
        return self._response(request, ResponseCode.APPROVED)

    # -- journal helpers ------------------------------------------------------------------

    def _record(
        self,
        exchange: _Exchange,
        code: str,
        status: Status,
        *,
        amount: int | None = None,
        rrn: str | None = None,
        auth: str | None = None,
        original: TransactionRecord | None = None,
        original_rrn: str | None = None,
        reason: str | None = None,
        credit_channel: str | None = None,
        credit_date: str | None = None,
        card_of: TransactionRecord | None = None,
    ) -> int:
        """Journal the request's transaction; ``card_of``: take the card from that record (advices)."""
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        pan = exchange.pan
        if card_of is not None or request.mti in ADVICE_MTIS:
            masked, fingerprint = (card_of.masked_pan, card_of.card_fingerprint) if card_of else (None, None)
        else:
            masked = mask_pan(pan) if pan else None
            fingerprint = self.keyring.fingerprint(pan) if pan else None
        return self.journal.insert_transaction(TransactionRecord(
            time=iso_time(exchange.now),
            terminal_id=profile.terminal_id,
            stan=_text(request, 11) or "",
            transmission_time=_text(request, 7) or "",
            local_date=_text(request, 13) or exchange.now.strftime("%m%d"),
            mti=_journal_mti(request.mti),
            processing_code=_text(request, 3),
            amount=amount,
            currency=_text(request, 49),
            masked_pan=masked,
            card_fingerprint=fingerprint,
            rrn=rrn,
            auth_code=auth,
            response_code=code,
            status=status,
            original_id=original.id if original else None,
            original_rrn=original_rrn,
            reason=reason,
            credit_channel=credit_channel,
            credit_date=credit_date,
            invoice=_text(request, 62),
            batch=_text(request, 60),
        ))

    def _move(self, exchange: _Exchange, txn: int, direction: Direction, cause: Cause, amount: int) -> None:
        assert exchange.profile is not None
        self.journal.add_ledger_entry(time=exchange.now, transaction_id=txn, terminal_id=exchange.profile.terminal_id,
                                      direction=direction, cause=cause, amount=amount,
                                      currency=_text(exchange.request, 49))

    def _undo(self, exchange: _Exchange, original_id: int, txn: int, cause: Cause) -> None:
        """Counter every movement of ``original_id`` still in force (see HostJournal.live_entries)."""
        assert exchange.profile is not None
        for entry in self.journal.live_entries(original_id):
            self.journal.add_ledger_entry(
                time=exchange.now, transaction_id=txn, terminal_id=exchange.profile.terminal_id,
                direction=entry.direction.opposite, cause=cause, amount=entry.amount, currency=entry.currency,
                counter_of=entry.id,
            )

    # -- responses ------------------------------------------------------------------------

    def _response(self, request: Message, code: str, extra: dict[int, str | bytes] | None = None) -> Message:
        fields: dict[int, str | bytes] = {n: request.fields[n] for n in ECHOED_FIELDS if n in request.fields}
        fields[39] = str(code)
        fields.update(extra or {})
        return Message(response_mti(request.mti), fields, _swap_tpdu(request.header))

    def _decision(self, exchange: _Exchange, response: Message) -> HostDecision:
        """Sign (when the keys are known) and encode ``response``."""
        if exchange.sign and exchange.keys is not None:
            response = sign_response(response, self.dialect, exchange.keys)
        return HostDecision(Outcome.RESPOND, response, encode(response, self.dialect))

    def _answer(self, exchange: _Exchange, code: str, extra: dict[int, str | bytes] | None = None) -> HostDecision:
        return self._decision(exchange, self._response(exchange.request, code, extra))

    def _scripted(self, exchange: _Exchange, rule: Rule) -> HostDecision:
        """A rule's fixed answer: no processing, no money; journaled and signed like any answer."""
        request = exchange.request
        code = rule.response_code or ResponseCode.DO_NOT_HONOUR
        if self._identify(exchange) is not None:
            exchange.sign = False
        elif request.mti == Mti.NETWORK:
            exchange.sign = exchange.keys is not None
        status = Status.APPROVED if code == ResponseCode.APPROVED else Status.DECLINED
        if exchange.profile is not None and request.mti != Mti.NETWORK and _text(request, 7):
            with self.journal.atomic():
                amount = _text(request, 4)
                if request.mti == Mti.SETTLEMENT:
                    self._record_scripted_settlement(exchange, code)
                elif request.mti != Mti.BATCH_UPLOAD:  # an upload answered by a rule is not recorded
                    self._record(exchange, code, status,
                                 amount=int(amount) if amount and amount.isdigit() else None,
                                 reason=f"rule: {rule.name}")
                decision = self._answer(exchange, code)
                assert decision.response_bytes is not None
                self.journal.store_response(
                    terminal_id=exchange.profile.terminal_id, stan=_text(request, 11) or "",
                    transmission_time=_text(request, 7) or "", mti_class=response_mti(request.mti),
                    request_digest=self._request_digest(request), response=decision.response_bytes,
                    time=exchange.now,
                )
        else:
            decision = self._answer(exchange, code)
        return replace(decision, rule=rule.name)

    def _record_scripted_settlement(self, exchange: _Exchange, code: str) -> None:
        """Journal a settlement a rule answered: the terminal's totals when readable, no host totals."""
        assert exchange.profile is not None
        request = exchange.request
        try:
            totals = settlement.parse_settlement(request, exchange.profile.terminal_id).totals
        except settlement.MalformedRequest:
            totals = None
        self.journal.record_settlement(SettlementRecord(
            time=iso_time(exchange.now), terminal_id=exchange.profile.terminal_id,
            batch=settlement.batch_number(request.get(60)), stan=_text(request, 11) or "",
            transmission_time=_text(request, 7) or "", response_code=code, basis=SettlementBasis.RULE,
            processing_code=_text(request, 3), terminal_totals=totals,
        ))

    def _apply_rule(self, rule: Rule, decision: HostDecision) -> HostDecision:
        """Delay, drop, disconnect or corrupt the MAC of an already processed answer."""
        if rule.action is RuleAction.DROP:
            return replace(decision, outcome=Outcome.DROP, rule=rule.name)
        if rule.action is RuleAction.DISCONNECT:
            return replace(decision, outcome=Outcome.DISCONNECT, rule=rule.name)
        if rule.action is RuleAction.DELAY:
            return replace(decision, delay=rule.delay, rule=rule.name)
        response = decision.response
        if response is None:
            return replace(decision, rule=rule.name)
        number = mac_field(response)
        mac = response.get(number)
        if not isinstance(mac, bytes) or not mac:
            log.info("rule %r: the response has no MAC to corrupt", rule.name)
            return replace(decision, rule=rule.name)
        corrupted = replace(response, fields={**response.fields, number: bytes([mac[0] ^ 0x01]) + mac[1:]})
        return replace(decision, response=corrupted, response_bytes=encode(corrupted, self.dialect), rule=rule.name)

    def _format_error(self, request: Message, now: datetime, reason: str) -> HostDecision:
        """Answer 30 when the MTI is a request's and the STAN is known; otherwise drop."""
        stan = _text(request, 11)
        if not (request.mti.isdigit() and len(request.mti) == 4 and request.mti[2] in "02" and stan):
            log.warning("dropping an unanswerable %s: %s", request.mti, reason)
            return HostDecision(Outcome.DROP)
        exchange = _Exchange(request, now)
        try:
            try:
                if self._identify(exchange) is not None:
                    exchange.keys = None
            except FormatError:
                exchange.keys = None
            fields = {n: v for n, v in request.fields.items() if n in (7, 11, 41, 42)}
            response = Message(response_mti(request.mti), {**fields, 39: ResponseCode.FORMAT_ERROR.value},
                               _swap_tpdu(request.header))
            return self._decision(exchange, response)
        except Exception:  # even the format error cannot be built: stay silent
            log.exception("cannot answer a format error to %s", request.mti)
            return HostDecision(Outcome.DROP)

    def _undecodable(self, data: bytes, reason: str, now: datetime, peer: str) -> HostDecision:
        partial = salvage(data, self.dialect)
        self.journal.record_message(
            time=now, peer=peer, direction="in", terminal_id=_text(partial, 41) if partial else None,
            stan=_text(partial, 11) if partial else None, mti=partial.mti if partial else None,
            note=f"undecodable ({len(data)} bytes): {reason}",
        )
        log.warning("undecodable message from %s (%d bytes): %s", peer, len(data), reason)
        decision = self._format_error(partial, now, reason) if partial is not None else HostDecision(Outcome.DROP)
        self._journal_decision(decision, now, peer)
        return decision

    def record_link_error(self, peer: str, reason: str, now: datetime) -> None:
        """Journal a frame that could not be cut out of the byte stream (the connection ends)."""
        log.warning("link error from %s: %s", peer, reason)
        self.journal.record_message(time=now, peer=peer, direction="in", note=f"link error: {reason}")

    # -- message journal ------------------------------------------------------------------

    def _journal_message(self, direction: str, message: Message, now: datetime, peer: str, note: str | None = None) -> None:
        try:
            dump = render_text(message, self.dialect)
        except Iso8583Error as exc:
            dump, note = None, f"{note + '; ' if note else ''}not encodable: {exc}"
        self.journal.record_message(time=now, peer=peer, direction=direction, terminal_id=_text(message, 41),
                                    stan=_text(message, 11), mti=message.mti, dump=dump, note=note)

    def _journal_decision(self, decision: HostDecision, now: datetime, peer: str) -> None:
        notes = []
        if decision.retransmission:
            notes.append("retransmission: stored response")
        if decision.rule:
            notes.append(f"rule {decision.rule}")
        if decision.delay:
            notes.append(f"delayed {decision.delay:g} s")
        note = "; ".join(notes) or None
        if decision.response is None:
            self.journal.record_message(time=now, peer=peer, direction="out",
                                        note="no response" + (f"; {note}" if note else ""))
        elif decision.outcome is Outcome.RESPOND:
            self._journal_message("out", decision.response, now, peer, note)
        else:
            self._journal_message("out", decision.response, now, peer,
                                  f"not sent ({decision.outcome.value}){'; ' + note if note else ''}")
