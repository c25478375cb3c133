"""The acquirer host emulator's decisions, without I/O: one request in, one :class:`HostDecision` out.

Rules (docs/protocol.md for the codes). This module is the pipeline (terminal, keys, MAC,
retransmissions, scripted rules, format errors, the message journal); the money-moving handlers
are in :mod:`simulator.host.financial`, the card checks in :mod:`simulator.host.cardcheck`:

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

A dialect with its own protocol (``cup-pos``) gets its own handler set (:mod:`simulator.host.cup`):
:meth:`HostLogic._handle` and :meth:`HostLogic._format_error` hand the request to it; decoding, the
message journal and the shared helpers (ledger, journal, keys, cards, rules) stay here.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import replace
from datetime import datetime

from iso8583 import Dialect, Message, decode, encode, render_text, resolve_dialect
from iso8583.channels import EventLog
from iso8583.errors import Iso8583Error
from keys.errors import MacVerificationError
from protocols.iso87 import Mti, NetworkCode, ResponseCode, mac_field, response_mti
from protocols.possim87.additional_data import (
    AdditionalDataError,
    AdditionalTag,
    additional_data,
    encode_additional_data,
)
from protocols.security import sign_and_encode, verify_request_received
from simulator.host import settlement
from simulator.host.cards import CardDirectory, request_pan
from simulator.host.config import HostConfig
from simulator.host.decision import HostDecision, Outcome
from simulator.host.journal import HostJournal, SettlementBasis, SettlementRecord, Status, iso_time
from simulator.host.keyring import HostKeyring, KeyResolutionError, MalformedKsnError
from simulator.host.rules import Rule, RuleAction, RuleSet
from simulator.host.salvage import salvage

from simulator.host.exchange import (
    PROCESSED_MTIS,
    REVERSED_BEFORE_ARRIVAL,
    Exchange,
    FormatError,
    field_text,
    require_field,
    response_message,
    swap_tpdu,
)
from simulator.host.cup import handler_for
from simulator.host.financial import FinancialMixin
from simulator.host.inquiry import answer_status_inquiry
from simulator.host.signon import check_sign_on

log = logging.getLogger(__name__)

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

class HostLogic(FinancialMixin):
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
        self.dialect: Dialect = resolve_dialect(config.dialect)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.journal = journal or HostJournal(config.journal_path)
        self.keyring = HostKeyring(config, self.dialect)
        self.journal.sealer = self.keyring.frame_sealer()
        self.journal.dialect = self.dialect
        self.cards = cards or CardDirectory.from_test_cards()
        self.rules = rules or RuleSet()
        self.events = EventLog(log)
        """What peers provoke (malformed frames, MAC failures...) is logged once per kind per interval:
        a flood of bad requests costs one line per ten seconds, not one per request."""
        self.protocol = handler_for(self)
        """The handler set of a dialect with its own protocol (``cup-pos``: simulator.host.cup), else None."""

    def close(self) -> None:
        """Close the journal."""
        self.journal.close()

    # -- entry points ---------------------------------------------------------------------

    def handle_bytes(self, data: bytes, *, now: datetime, peer: str) -> HostDecision:
        """Decode one received message and handle it; a message that does not decode gets 30 or nothing.

        Everything the request writes (its messages in and out, its transaction, its money, its
        stored response) is one unit in the journal: inside an enclosing :meth:`HostJournal.atomic`
        (the server's group commit) a savepoint, else one commit of its own.
        """
        with self.journal.atomic():
            try:
                request = decode(data, self.dialect)
            except Exception as exc:  # DecodeError, or anything a malformed frame provokes
                return self._undecodable(data, f"{type(exc).__name__}: {exc}", now, peer)
            return self._handle_journaled(request, now, peer, bytes(data))

    def handle(self, request: Message, *, now: datetime, peer: str, frame: bytes | None = None) -> HostDecision:
        """The decision for one decoded request (``frame``: its bytes as received). Never raises:
        a malformed request answers 30, a fault of the host's own (its disk full, a bug) 96."""
        with self.journal.atomic():
            return self._handle_journaled(request, now, peer, frame if frame is not None else self._encoded(request))

    def _handle_journaled(self, request: Message, now: datetime, peer: str, frame: bytes | None) -> HostDecision:
        """Journal the request, decide, journal the answer (inside the caller's journal unit)."""
        self._journal_message("in", request, now, peer, frame=frame)
        try:
            with self.journal.atomic():  # the request's own work: undone alone when it fails
                decision = self._handle(request, now, frame)
        except FormatError as exc:
            self.events.report("format error", "format error in %s from %s: %s", request.mti, peer, exc)
            decision = self._error_answer(request, now, str(exc), ResponseCode.FORMAT_ERROR)
        except Exception as exc:  # a fault of the host must not take it down: 96, keep serving
            log.exception("handling %s from %s failed", request.mti, peer)
            decision = self._error_answer(request, now, f"host fault: {type(exc).__name__}",
                                          ResponseCode.SYSTEM_MALFUNCTION)
        self._journal_decision(decision, now, peer)
        return decision

    def answer_system_malfunction(self, data: bytes, now: datetime) -> HostDecision:
        """96 for a request whose processing could not be made durable (the journal refused the commit).

        Nothing of it is on disk, so nothing is journaled now either; the answer is built from what
        decodes of ``data`` (a request that does not decode is not answered).
        """
        try:
            request = decode(data, self.dialect)
        except Exception:
            request = salvage(data, self.dialect)
        if request is None:
            return HostDecision(Outcome.DROP)
        return self._error_answer(request, now, "journal commit failed", ResponseCode.SYSTEM_MALFUNCTION)

    def _encoded(self, request: Message) -> bytes | None:
        try:
            return encode(request, self.dialect)
        except Iso8583Error:
            return None

    # -- the pipeline ---------------------------------------------------------------------

    def _handle(self, request: Message, now: datetime, frame: bytes | None = None) -> HostDecision:
        if self.protocol is not None:
            return self.protocol.handle(request, now)
        exchange = Exchange(request, now, pan=request_pan(request), frame=frame)
        rule = self.rules.match(request, exchange.pan)
        if rule is not None:
            log.info("rule %r matches %s %s", rule.name, request.mti, field_text(request, 11))
        if rule is not None and rule.action is RuleAction.RESPOND:
            assert rule.response_code is not None
            return self._scripted(exchange, rule)
        decision = self._process(exchange)
        return decision if rule is None else self._apply_rule(rule, decision)

    def _process(self, exchange: Exchange) -> HostDecision:
        request = exchange.request
        if not request.mti.isdigit() or len(request.mti) != 4 or request.mti[2] not in "02":
            raise FormatError(f"MTI {request.mti} is not a request")
        require_field(request, 11)
        code = self._identify(exchange)
        if code is not None:
            return self._answer(exchange, code)
        if request.mti == Mti.NETWORK:
            return self._network(exchange)
        if request.mti == Mti.ADMINISTRATIVE:
            if exchange.keys is None or not self._mac_ok(exchange):
                return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
            assert exchange.profile is not None
            return self._decision(exchange, answer_status_inquiry(
                self.journal, request, exchange.profile.terminal_id, self.business_date(exchange.now)))
        if request.mti not in PROCESSED_MTIS:
            return self._answer(exchange, ResponseCode.INVALID_TRANSACTION)
        if exchange.keys is None:
            return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
        if not self._mac_ok(exchange):
            return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
        return self._financial(exchange)

    def _identify(self, exchange: Exchange) -> str | None:
        """Find the terminal and its keys; 03 for an unknown terminal, 30 for a malformed KSN."""
        request = exchange.request
        profile = self.config.terminals.get(field_text(request, 41) or "")
        merchant = field_text(request, 42)
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
            if request.mti == Mti.NETWORK:
                log.debug("no keys for %s from %s: %s", request.mti, profile.terminal_id, exc)
            else:
                self.events.report("no keys", "no keys for %s from %s: %s", request.mti, profile.terminal_id, exc)
        return None

    def _mac_ok(self, exchange: Exchange) -> bool:
        """The request MAC, over the bytes as received (re-encoded only for a request built in memory)."""
        assert exchange.keys is not None
        try:
            verify_request_received(exchange.request, exchange.frame, self.dialect, exchange.keys)
        except MacVerificationError as exc:
            self.events.report("MAC failure", "terminal %s: %s", field_text(exchange.request, 41), exc)
            return False
        return True

    # -- network management ---------------------------------------------------------------

    def _network(self, exchange: Exchange) -> HostDecision:
        request = exchange.request
        code = field_text(request, 70)
        profile = exchange.profile
        assert profile is not None
        if code in (NetworkCode.SIGN_ON, NetworkCode.KEY_CHANGE):
            if AdditionalTag.KSN in additional_data(request):  # DUKPT: no keys to issue; a MAC sent must verify
                if mac_field(request) in request and (exchange.keys is None or not self._mac_ok(exchange)):
                    return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
                return self._answer(exchange, ResponseCode.APPROVED)
            exchange.sign = False  # the requester may hold no session keys; TR-31 authenticates the blocks
            verdict = check_sign_on(request, exchange.frame, self.dialect, profile, self.journal, exchange.now,
                                    self.config.sign_on_window_seconds)
            if verdict.reason is not None:
                self.events.report("sign-on refused", "sign-on of %s refused: %s", profile.terminal_id, verdict.reason)
                return self._answer(exchange, ResponseCode.SECURITY_VIOLATION)
            if verdict.repeat:
                last = self.journal.last_session(profile.terminal_id)
                assert last is not None
                blocks = (last["pin_key_block"], last["pin_key_kcv"], last["mac_key_block"], last["mac_key_kcv"])
            else:
                delivery = self.keyring.new_session(profile)
                blocks = (delivery.pin_key_block, delivery.pin_key_kcv, delivery.mac_key_block, delivery.mac_key_kcv)
                self.journal.record_session(
                    time=exchange.now, terminal_id=profile.terminal_id, pin_key_block=blocks[0],
                    pin_key_kcv=blocks[1], mac_key_block=blocks[2], mac_key_kcv=blocks[3],
                    request_stan=field_text(request, 11), request_time=field_text(request, 7),
                )
            return self._answer(exchange, ResponseCode.APPROVED, {63: encode_additional_data(dict(zip(
                (AdditionalTag.PIN_KEY_BLOCK, AdditionalTag.PIN_KEY_KCV, AdditionalTag.MAC_KEY_BLOCK,
                 AdditionalTag.MAC_KEY_KCV), blocks, strict=True)))})
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

    def _financial(self, exchange: Exchange) -> HostDecision:
        request = exchange.request
        profile = exchange.profile
        assert profile is not None
        stan, de7 = require_field(request, 11), require_field(request, 7)
        mti_class = response_mti(request.mti)
        digest = self._request_digest(request)
        stored = self.journal.stored_response(profile.terminal_id, stan, de7, mti_class)
        if stored is not None:
            if stored.request_digest == REVERSED_BEFORE_ARRIVAL:
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

    def _decision(self, exchange: Exchange, response: Message) -> HostDecision:
        """Sign (when the keys are known) and encode ``response``, encoding it once."""
        if exchange.sign and exchange.keys is not None:
            signed, encoded = sign_and_encode(response, self.dialect, exchange.keys, response=True)
            return HostDecision(Outcome.RESPOND, signed, encoded)
        return HostDecision(Outcome.RESPOND, response, encode(response, self.dialect))

    def _answer(self, exchange: Exchange, code: str, extra: dict[int, str | bytes] | None = None) -> HostDecision:
        return self._decision(exchange, response_message(exchange.request, code, extra))

    def _scripted(self, exchange: Exchange, rule: Rule) -> HostDecision:
        """A rule's fixed answer: no processing, no money; journaled and signed like any answer."""
        request = exchange.request
        code = rule.response_code or ResponseCode.DO_NOT_HONOUR
        if self._identify(exchange) is not None:
            exchange.sign = False
        elif request.mti == Mti.NETWORK:
            exchange.sign = exchange.keys is not None
        status = Status.APPROVED if code == ResponseCode.APPROVED else Status.DECLINED
        if exchange.profile is not None and request.mti != Mti.NETWORK and field_text(request, 7):
            with self.journal.atomic():
                amount = field_text(request, 4)
                if request.mti == Mti.SETTLEMENT:
                    self._record_scripted_settlement(exchange, code)
                elif request.mti != Mti.BATCH_UPLOAD:  # an upload answered by a rule is not recorded
                    self._record(exchange, code, status,
                                 amount=int(amount) if amount and amount.isdigit() else None,
                                 reason=f"rule: {rule.name}")
                decision = self._answer(exchange, code)
                assert decision.response_bytes is not None
                self.journal.store_response(
                    terminal_id=exchange.profile.terminal_id, stan=field_text(request, 11) or "",
                    transmission_time=field_text(request, 7) or "", mti_class=response_mti(request.mti),
                    request_digest=self._request_digest(request), response=decision.response_bytes,
                    time=exchange.now,
                )
        else:
            decision = self._answer(exchange, code)
        return replace(decision, rule=rule.name)

    def _record_scripted_settlement(self, exchange: Exchange, code: str) -> None:
        """Journal a settlement a rule answered: the terminal's totals when readable, no host totals."""
        assert exchange.profile is not None
        request = exchange.request
        try:
            totals = settlement.parse_settlement(request, exchange.profile.terminal_id).totals
        except settlement.MalformedRequest:
            totals = None
        self.journal.record_settlement(SettlementRecord(
            time=iso_time(exchange.now), terminal_id=exchange.profile.terminal_id,
            batch=settlement.batch_number(request.get(60)), stan=field_text(request, 11) or "",
            transmission_time=field_text(request, 7) or "", response_code=code, basis=SettlementBasis.RULE,
            processing_code=field_text(request, 3), terminal_totals=totals,
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
        """30 to a request that does not make sense (see :meth:`_error_answer`)."""
        return self._error_answer(request, now, reason, ResponseCode.FORMAT_ERROR)

    def _error_answer(self, request: Message, now: datetime, reason: str, code: str) -> HostDecision:
        """Answer ``code`` (30 format error, 96 system malfunction) to whatever request ``request`` is.

        The answer echoes what identifies the request (DE 7, 11, 41, 42, whichever could be read)
        and is MACed when the terminal's keys are known. Only a message whose MTI is not a request's
        goes unanswered.
        """
        if self.protocol is not None:
            return self.protocol.format_error(request, now, reason, code)
        if not (request.mti.isdigit() and len(request.mti) == 4 and request.mti[2] in "02"):
            self.events.report("unanswerable", "dropping an unanswerable %s: %s", request.mti, reason)
            return HostDecision(Outcome.DROP)
        exchange = Exchange(request, now)
        try:
            try:
                if self._identify(exchange) is not None:
                    exchange.keys = None
            except FormatError:
                exchange.keys = None
            fields = {n: v for n, v in request.fields.items() if n in (7, 11, 41, 42)}
            response = Message(response_mti(request.mti), {**fields, 39: str(code)}, swap_tpdu(request.header))
            return self._decision(exchange, response)
        except Exception:  # even the error answer cannot be built: stay silent
            log.exception("cannot answer %s to %s", code, request.mti)
            return HostDecision(Outcome.DROP)

    def _undecodable(self, data: bytes, reason: str, now: datetime, peer: str) -> HostDecision:
        partial = salvage(data, self.dialect)
        self.journal.record_message(
            time=now, peer=peer, direction="in", terminal_id=field_text(partial, 41) if partial else None,
            stan=field_text(partial, 11) if partial else None, mti=partial.mti if partial else None,
            frame=bytes(data), note=f"undecodable ({len(data)} bytes): {reason}",
        )
        self.events.report("undecodable", "undecodable message from %s (%d bytes): %s", peer, len(data), reason)
        decision = self._format_error(partial, now, reason) if partial is not None else HostDecision(Outcome.DROP)
        self._journal_decision(decision, now, peer)
        return decision

    def record_link_error(self, peer: str, reason: str, now: datetime) -> None:
        """Journal a frame that could not be cut out of the byte stream (the connection ends)."""
        self.events.report("link error", "link error from %s: %s", peer, reason)
        self.journal.record_message(time=now, peer=peer, direction="in", note=f"link error: {reason}")

    # -- message journal ------------------------------------------------------------------

    def _journal_message(self, direction: str, message: Message, now: datetime, peer: str, note: str | None = None,
                         *, frame: bytes | None = None) -> None:
        """Journal a message as its identifying fields and its (sealed) frame; the dump is rendered when read."""
        if log.isEnabledFor(logging.DEBUG):
            try:
                log.debug("%s %s\n%s", "<<" if direction == "in" else ">>", message.mti, render_text(message, self.dialect))
            except Iso8583Error:
                pass
        self.journal.record_message(time=now, peer=peer, direction=direction, terminal_id=field_text(message, 41),
                                    stan=field_text(message, 11), mti=message.mti, frame=frame, note=note)

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
            self._journal_message("out", decision.response, now, peer, note, frame=decision.response_bytes)
        else:
            self._journal_message("out", decision.response, now, peer,
                                  f"not sent ({decision.outcome.value}){'; ' + note if note else ''}",
                                  frame=decision.response_bytes)
