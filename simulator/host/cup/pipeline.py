"""The host's ``cup-pos`` handler set: one decoded request in, one :class:`HostDecision` out.

:class:`~simulator.host.logic.HostLogic` hands every request to :class:`CupHost` when its dialect
is ``cup-pos``; it keeps what is common (the message journal, decoding, rules bookkeeping, the
card directory, the key ring, the ledger helpers). The steps:

* The terminal (DE 41, DE 42 its merchant): unknown -> 03, unsigned.
* The request's transaction (:mod:`simulator.host.cup.classify`): not in the CUP table -> 12.
* Network management (0800, 0820) and settlement / batch upload (0500, 0320) carry no MAC.
  A sign-on (60.3 = 003) gets new working keys: a PIK and a MAK, kept in the host key store
  like the possim-87 session keys and journaled as a session (DE 62 as sent, check values),
  returned in DE 62 enciphered under the terminal's TMK with their check values. The emulator
  answers the single-length (001) and track-key (004) sign-ons with 12.
* Sales, voids, refunds and reversals need the working keys and a DE 64 that verifies (the CUP
  ECB MAC); otherwise A0, unsigned, with processing request 3 in the header: sign on again.
  Their answers carry DE 64 (declines too).
* A repeat (same terminal, voucher DE 11, batch 60.2 and message class) gets the stored answer,
  re-MACed, and no second movement: a refund whose answer was lost is credited once. The same
  key with other content (DE 3, 4, 37, 49, 60, 61) -> 94. A request whose reversal came first -> 94.
* Rules (:mod:`simulator.host.rules`): ``respond`` answers instead of processing (journaled and
  stored, no money); delay, drop, disconnect and corrupt_mac apply after processing.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from iso8583 import Message, decode, encode
from keys.errors import CryptoError
from protocols.cup.errors import CupFieldError
from protocols.cup.mac import apply_mac, verify_frame_mac
from protocols.cup.signon_keys import SignOnKeyScheme, WorkingKeys, wrap_working_keys
from protocols.iso87 import ResponseCode, response_mti
from simulator.host.cards import request_pan
from simulator.host.cup import batch
from simulator.host.cup.answers import MAC_ERROR, answer, answer_header
from simulator.host.cup.classify import CANONICAL_CODES, CupRequest, classify
from simulator.host.cup.money import CupMoney
from simulator.host.decision import HostDecision, Outcome
from simulator.host.exchange import REVERSED_BEFORE_ARRIVAL, Exchange, FormatError, field_text, require_field
from simulator.host.journal import Status
from simulator.host.rules import Rule, RuleAction

if TYPE_CHECKING:
    from simulator.host.logic import HostLogic

log = logging.getLogger(__name__)

_DIGEST_FIELDS = (3, 4, 37, 49, 60, 61)
"""What a repeat must carry unchanged. Not the card data: a refund repeated after the terminal restarted
has none (the terminal journals no card data), and not DE 39 (a reversal's reason)."""
_FORMAT_ERROR_FIELDS = (11, 41, 42)


class CupHost:
    """The ``cup-pos`` handlers over one :class:`~simulator.host.logic.HostLogic`'s journal, keys and cards."""

    def __init__(self, logic: HostLogic) -> None:
        self.logic = logic
        self.journal = logic.journal
        self.money = CupMoney(logic)

    # -- entry points ---------------------------------------------------------------------

    def handle(self, request: Message, now: datetime) -> HostDecision:
        """The decision for one decoded request (a FormatError is answered 30 by the caller)."""
        exchange = Exchange(request, now, pan=request_pan(request))
        rule = self.logic.rules.match(request, exchange.pan)
        if rule is not None:
            log.info("rule %r matches %s %s", rule.name, request.mti, field_text(request, 11))
        if rule is not None and rule.action is RuleAction.RESPOND:
            return self._scripted(exchange, rule)
        decision = self._process(exchange)
        return decision if rule is None else self.logic._apply_rule(rule, decision)

    def format_error(self, request: Message, now: datetime, reason: str,
                     code: str = ResponseCode.FORMAT_ERROR) -> HostDecision:
        """``code`` (30 format error, 96 system malfunction) for a request whose MTI is a request's (unsigned:
        its MAC was never checked); else drop."""
        if not (request.mti.isdigit() and len(request.mti) == 4 and request.mti[2] in "02"):
            self.logic.events.report("unanswerable", "dropping an unanswerable %s: %s", request.mti, reason)
            return HostDecision(Outcome.DROP)
        fields = {n: v for n, v in request.fields.items() if n in _FORMAT_ERROR_FIELDS}
        response = Message(response_mti(request.mti), {**fields, 39: str(code)},
                           answer_header(request.header))
        try:
            return HostDecision(Outcome.RESPOND, response, encode(response, self.logic.dialect))
        except Exception:  # even the format error cannot be built: stay silent
            log.exception("cannot answer a format error to %s", request.mti)
            return HostDecision(Outcome.DROP)

    # -- the pipeline ---------------------------------------------------------------------

    def _identify(self, exchange: Exchange) -> bool:
        """Find the terminal (and its working keys); False for an unknown terminal or merchant."""
        request = exchange.request
        profile = self.logic.config.terminals.get(field_text(request, 41) or "")
        merchant = field_text(request, 42)
        if profile is None or (merchant is not None and merchant != profile.merchant_id):
            return False
        exchange.profile = profile
        exchange.keys = self.logic.keyring.session_keys(profile.terminal_id)
        return True

    def _process(self, exchange: Exchange) -> HostDecision:
        request = exchange.request
        if not request.mti.isdigit() or len(request.mti) != 4 or request.mti[2] not in "02":
            raise FormatError(f"MTI {request.mti} is not a request")
        require_field(request, 11)
        kind = classify(request)
        if not self._identify(exchange):
            return self._decision(exchange, answer(request, ResponseCode.INVALID_MERCHANT, exchange.now), sign=False)
        if kind.row is None:
            return self._decision(exchange, answer(request, ResponseCode.INVALID_TRANSACTION, exchange.now))
        if kind.is_network:
            return self._network(exchange, kind)
        if kind.is_batch:
            with self.journal.atomic():
                handler = batch.settle if kind.row.name == "settlement" else batch.upload
                return self._decision(exchange, handler(self.journal, exchange, kind), sign=False)
        if exchange.keys is None or not self._mac_ok(exchange):
            return self._decision(exchange, answer(request, MAC_ERROR, exchange.now, sign_on_again=True), sign=False)
        return self._financial(exchange, kind)

    def _mac_ok(self, exchange: Exchange) -> bool:
        """DE 64 present and the CUP ECB MAC of the request's MTI..DE 63 under the MAK."""
        assert exchange.keys is not None
        request = exchange.request
        if not isinstance(request.get(64), bytes):
            self.logic.events.report("MAC failure", "terminal %s: %s without DE 64", field_text(request, 41), request.mti)
            return False
        try:
            verify_frame_mac(encode(request, self.logic.dialect), exchange.keys.request_mac_key)
        except (CryptoError, CupFieldError) as exc:
            self.logic.events.report("MAC failure", "terminal %s: %s request: %s", field_text(request, 41), request.mti, exc)
            return False
        return True

    def _decision(self, exchange: Exchange, response: Message, *, sign: bool = True) -> HostDecision:
        """MAC (when the request carried one and the keys are known) and encode ``response``."""
        if sign and exchange.keys is not None and 64 in exchange.request:
            response = apply_mac(response, exchange.keys.response_mac_key, self.logic.dialect)
        return HostDecision(Outcome.RESPOND, response, encode(response, self.logic.dialect))

    # -- network management ---------------------------------------------------------------

    def _network(self, exchange: Exchange, kind: CupRequest) -> HostDecision:
        request, profile = exchange.request, exchange.profile
        assert profile is not None and kind.row is not None
        if kind.row.name == "sign_on":
            delivery = self.logic.keyring.new_session(profile)
            exchange.keys = delivery.keys
            wrapped = wrap_working_keys(profile.tmk, WorkingKeys(delivery.keys.pin_key, delivery.keys.request_mac_key))
            self.journal.record_session(
                time=exchange.now, terminal_id=profile.terminal_id, pin_key_block=wrapped.pik.hex().upper(),
                pin_key_kcv=wrapped.pik_check_value.hex().upper(), mac_key_block=wrapped.mak.hex().upper(),
                mac_key_kcv=wrapped.mak_check_value.hex().upper(),
            )
            return self._decision(exchange, answer(request, ResponseCode.APPROVED, exchange.now,
                                                   {62: wrapped.encode()}), sign=False)
        if kind.row.name.startswith("sign_on"):
            log.info("terminal %s asks for sign-on keys %s: only %s is served", profile.terminal_id,
                     kind.row.network_code, SignOnKeyScheme.DOUBLE_LENGTH.value)
            return self._decision(exchange, answer(request, ResponseCode.INVALID_TRANSACTION, exchange.now),
                                  sign=False)
        return self._decision(exchange, answer(request, ResponseCode.APPROVED, exchange.now), sign=False)

    # -- financial ------------------------------------------------------------------------

    def _digest(self, request: Message) -> str:
        parts = [request.mti[:3]]
        for number in _DIGEST_FIELDS:
            value = request.get(number)
            parts.append("" if value is None else value.hex() if isinstance(value, bytes) else value)
        return self.logic.keyring.keyed_digest(*parts)

    def _dispatch(self, exchange: Exchange, kind: CupRequest) -> Message:
        assert kind.row is not None
        if kind.reversal:
            return self.money.reversal(exchange, kind)
        handlers = {"sale": self.money.sale, "void": self.money.void, "refund": self.money.refund}
        handler = handlers.get(kind.row.name)
        if handler is None:
            return answer(exchange.request, ResponseCode.INVALID_TRANSACTION, exchange.now)
        return handler(exchange, kind)

    def _financial(self, exchange: Exchange, kind: CupRequest) -> HostDecision:
        request, profile = exchange.request, exchange.profile
        assert profile is not None
        stan, mti_class = require_field(request, 11), response_mti(request.mti)
        digest = self._digest(request)
        stored = self.journal.stored_response(profile.terminal_id, stan, kind.batch, mti_class)
        if stored is not None:
            if stored.request_digest == REVERSED_BEFORE_ARRIVAL:
                log.info("%s %s from %s arrived after its reversal: refused, no money moves", request.mti, stan,
                         profile.terminal_id)
                return self._decision(exchange, answer(request, ResponseCode.DUPLICATE, exchange.now))
            if not hmac.compare_digest(stored.request_digest, digest):
                return self._decision(exchange, answer(request, ResponseCode.DUPLICATE, exchange.now))
            log.info("repeat of %s %s from %s: resending the stored answer", request.mti, stan, profile.terminal_id)
            previous = decode(stored.response, self.logic.dialect)
            unsigned = replace(previous, fields={n: v for n, v in previous.fields.items() if n != 64})
            return replace(self._decision(exchange, unsigned), retransmission=True)
        with self.journal.atomic():
            decision = self._decision(exchange, self._dispatch(exchange, kind))
            assert decision.response_bytes is not None
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=stan, transmission_time=kind.batch, mti_class=mti_class,
                request_digest=digest, response=decision.response_bytes, time=exchange.now,
            )
        return decision

    # -- rules ----------------------------------------------------------------------------

    def _scripted(self, exchange: Exchange, rule: Rule) -> HostDecision:
        """A rule's fixed answer: no processing, no money; journaled, stored and MACed like any answer."""
        request = exchange.request
        code = rule.response_code or ResponseCode.DO_NOT_HONOUR
        kind = classify(request)
        if not self._identify(exchange):
            decision = self._decision(exchange, answer(request, code, exchange.now), sign=False)
        elif kind.row is None or kind.is_network:
            decision = self._decision(exchange, answer(request, code, exchange.now), sign=False)
        elif kind.is_batch:
            with self.journal.atomic():
                response = batch.scripted_settlement(self.journal, exchange, kind, code) \
                    if kind.row.name == "settlement" else answer(request, code, exchange.now)
            decision = self._decision(exchange, response, sign=False)
        else:
            decision = self._scripted_financial(exchange, kind, code, rule)
        return replace(decision, rule=rule.name)

    def _scripted_financial(self, exchange: Exchange, kind: CupRequest, code: str, rule: Rule) -> HostDecision:
        request, profile = exchange.request, exchange.profile
        assert profile is not None and kind.row is not None
        amount = field_text(request, 4)
        with self.journal.atomic():
            self.money.record(exchange, kind, code, Status.APPROVED if code == ResponseCode.APPROVED else Status.DECLINED,
                              canonical=CANONICAL_CODES.get(kind.row.name, field_text(request, 3) or ""),
                              mti="0400" if kind.reversal else "0200",
                              amount=int(amount) if amount and amount.isdigit() else None, note=f"rule: {rule.name}")
            decision = self._decision(exchange, answer(request, code, exchange.now))
            assert decision.response_bytes is not None
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=field_text(request, 11) or "", transmission_time=kind.batch,
                mti_class=response_mti(request.mti), request_digest=self._digest(request),
                response=decision.response_bytes, time=exchange.now,
            )
        return decision
