"""The host's one request pipeline: bytes in, a :class:`HostDecision` out, whatever the network.

Every request takes the same path (docs/protocol.md, "Repeats, retransmissions and reversals that
overtake", "Response codes"); the network's own steps
are a :class:`~simulator.host.protocols.base.HostProtocol` (possim-87, cup-pos, or a plug-in):

1. decode it; a frame that does not decode gets 30 when its MTI and STAN can be salvaged, else
   nothing;
2. match the scripted rules (:mod:`simulator.host.rules`); a ``respond`` rule gets the
   protocol's scripted answer instead of processing;
3. otherwise: the MTI must be a request's and DE 11 present (else 30); **identify** (refusal:
   03); the **handling** decides the rest: 12, or dispatched without a MAC (network management),
   or **verify** (63 / the protocol's refusal), then for what moves money the **retransmission
   check** (the stored answer again for a true repeat, 94 for the same key with other content,
   94 for a request whose reversal came first), **dispatch**, the answer stored with what the
   request journaled, **sign**;
4. apply delay / drop / disconnect / corrupt_mac rules to the processed answer (money has moved:
   the terminal must reverse);
5. a :class:`~simulator.host.exchange.FormatError` is answered 30, any other fault of the host 96
   (it keeps serving); journal the message in and the message out (frames sealed), together.

Everything one request writes is one journal unit (a savepoint inside the server's group commit, or
no savepoint in its optimistic first attempt, :mod:`simulator.host.committer`); state outside SQLite
follows the unit (:mod:`simulator.host.effects`). A request whose processing failed is journaled in a
unit of its own with its 30 or 96, after the failed unit was rolled back whole (in an optimistic
group that had written, with the whole group, which then runs again with savepoints).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from iso8583 import Message, decode, encode, render_text
from iso8583.dump import masked_frame_hex
from iso8583.errors import Iso8583Error
from protocols.iso87 import ResponseCode, mac_field
from simulator.host.decision import Delivery, HostDecision
from simulator.host.journal import JournalMessage
from simulator.host.exchange import REVERSED_BEFORE_ARRIVAL, Exchange, FormatError, field_text, require_field
from simulator.host.protocols.base import Handling, HostProtocol
from simulator.host.rules import Rule, RuleAction
from simulator.host.salvage import salvage
from simulator.host.services import HostServices

__all__ = ["HostPipeline"]

log = logging.getLogger(__name__)


def is_request_mti(mti: str) -> bool:
    """True for a four-digit MTI of a request (message function 0 or 2): the host answers only those."""
    return mti.isdigit() and len(mti) == 4 and mti[2] in "02"


class HostPipeline:
    """The pipeline skeleton (see the module docstring) over one host's services and protocol."""

    def __init__(self, services: HostServices, protocol: HostProtocol) -> None:
        self.services = services
        self.protocol = protocol
        self.journal = services.journal
        self.dialect = services.dialect

    # -- entry points ---------------------------------------------------------------------

    def handle_bytes(self, data: bytes, *, now: datetime, peer: str) -> HostDecision:
        """Decode one received message and handle it; a message that does not decode gets 30 or nothing.

        Everything the request writes (its messages in and out, its transaction, its money, its
        stored response) is one unit in the journal: inside an enclosing :meth:`HostJournal.atomic`
        (the server's group commit) a savepoint (none in an optimistic group), else one commit of its own.
        """
        try:
            request = decode(data, self.dialect)
        except Exception as exc:  # DecodeError, or anything a malformed frame provokes
            with self.journal.atomic():
                return self._undecodable(data, f"{type(exc).__name__}: {exc}", now, peer)
        return self._handle_journaled(request, now, peer, bytes(data))

    def handle(self, request: Message, *, now: datetime, peer: str, frame: bytes | None = None) -> HostDecision:
        """The decision for one decoded request (``frame``: its bytes as received). Never raises:
        a malformed request answers 30, a fault of the host's own (its disk full, a bug) 96."""
        return self._handle_journaled(request, now, peer, frame if frame is not None else self._encoded(request))

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
            return HostDecision(Delivery.DROP)
        return self.error_answer(request, now, "journal commit failed", ResponseCode.SYSTEM_MALFUNCTION)

    def record_link_error(self, peer: str, reason: str, now: datetime) -> None:
        """Journal a frame that could not be cut out of the byte stream (the connection ends)."""
        self.services.events.report("link error", "link error from %s: %s", peer, reason)
        self.journal.record_message(time=now, peer=peer, direction="in", note=f"link error: {reason}")

    def _encoded(self, request: Message) -> bytes | None:
        try:
            return encode(request, self.dialect)
        except Iso8583Error:
            return None

    def _handle_journaled(self, request: Message, now: datetime, peer: str, frame: bytes | None) -> HostDecision:
        """Decide, then journal the request and its answer: one journal unit (one savepoint level per request).

        When deciding fails, the unit is rolled back whole (what the steps wrote, with their
        :meth:`~HostJournal.after_commit` effects) and a new unit journals the request with its error
        answer (30 or 96): the request is journaled either way, its failed work never. A failure of the
        journal itself (writing the messages, the commit) propagates, as the committer expects.
        """
        failure: Exception | None = None
        try:
            with self.journal.atomic():
                try:
                    decision = self.decide(request, now, frame)
                except Exception as exc:
                    failure = exc
                    raise
                self._journal_exchange(request, frame, decision, now, peer)
            return decision
        except Exception as exc:
            if exc is not failure:
                raise
        with self.journal.atomic():
            if isinstance(failure, FormatError):
                self.services.events.report("format error", "format error in %s from %s: %s", request.mti, peer,
                                            failure)
                decision = self.error_answer(request, now, str(failure), ResponseCode.FORMAT_ERROR)
            else:  # a fault of the host must not take it down: 96, keep serving
                log.error("handling %s from %s failed", request.mti, peer, exc_info=failure)
                decision = self.error_answer(request, now, f"host fault: {type(failure).__name__}",
                                             ResponseCode.SYSTEM_MALFUNCTION)
            self._journal_exchange(request, frame, decision, now, peer)
        return decision

    # -- the skeleton ---------------------------------------------------------------------

    def decide(self, request: Message, now: datetime, frame: bytes | None = None) -> HostDecision:
        """Rules, then the protocol's steps; raises FormatError (30) or anything else (96).

        Runs inside the request's journal unit (:meth:`_handle_journaled`'s savepoint): what the steps
        write (the transaction, its money, the stored answer) is undone together when one of them raises.
        """
        exchange = self.protocol.exchange(request, now, frame)
        rule = self.services.rules.match(request, exchange.pan, after_commit=self.services.after_commit)
        if rule is not None:
            log.info("rule %r matches %s %s", rule.name, request.mti, field_text(request, 11))
        if rule is not None and rule.action is RuleAction.RESPOND:
            code = rule.response_code or ResponseCode.DO_NOT_HONOUR
            return replace(self.protocol.scripted(exchange, code, rule), rule=rule.name)
        decision = self._process(exchange)
        return decision if rule is None else self._apply_rule(rule, decision)

    def _process(self, exchange: Exchange) -> HostDecision:
        protocol, request = self.protocol, exchange.request
        if not is_request_mti(request.mti):
            raise FormatError(f"MTI {request.mti} is not a request")
        require_field(request, 11)
        refusal = protocol.identify(exchange)
        if refusal is not None:
            return protocol.sign(exchange, protocol.answer(exchange, refusal))
        handling = protocol.handling(exchange)
        if handling is Handling.REFUSE:
            return protocol.sign(exchange, protocol.answer(exchange, ResponseCode.INVALID_TRANSACTION))
        if handling is Handling.OPEN:
            return protocol.sign(exchange, protocol.dispatch(exchange))
        if not protocol.verify(exchange):
            return protocol.sign(exchange, protocol.security_refusal(exchange))
        if handling is Handling.VERIFIED:
            return protocol.sign(exchange, protocol.dispatch(exchange))
        return self._stored(exchange)

    def _stored(self, exchange: Exchange) -> HostDecision:
        """What moves money: a retransmission gets the stored answer; else dispatch and store the answer."""
        protocol, request = self.protocol, exchange.request
        key = protocol.repeat_key(exchange)
        digest = protocol.digest(request)
        stored = self.journal.stored_response(key.terminal_id, key.stan, key.slot, key.mti_class)
        if stored is not None:
            if stored.request_digest == REVERSED_BEFORE_ARRIVAL:
                log.info("%s %s from %s arrived after its reversal: refused, no money moves",
                         request.mti, key.stan, key.terminal_id)
                return protocol.sign(exchange, protocol.answer(exchange, ResponseCode.DUPLICATE))
            if not protocol.same_request(stored.request_digest, digest):
                return protocol.sign(exchange, protocol.answer(exchange, ResponseCode.DUPLICATE))
            log.info("retransmission of %s %s from %s: resending the stored response",
                     request.mti, key.stan, key.terminal_id)
            # Same answer, signed with this request's keys: a DUKPT repeat (0401, 0221) carries a new KSN,
            # so the first answer's MAC would not verify; with unchanged keys the bytes are identical.
            previous = decode(stored.response, self.dialect)
            return replace(protocol.sign(exchange, protocol.unsigned(previous)), retransmission=True)
        # No savepoint of its own: decide() runs inside the request's own (_handle_journaled), which a
        # failure of dispatch, sign or store rolls back whole (one level less per request).
        decision = protocol.sign(exchange, protocol.dispatch(exchange))
        protocol.store(key, digest, decision, exchange.now)
        return decision

    def _apply_rule(self, rule: Rule, decision: HostDecision) -> HostDecision:
        """Delay, drop, disconnect or corrupt the MAC of an already processed answer."""
        if rule.action is RuleAction.DROP:
            return replace(decision, outcome=Delivery.DROP, rule=rule.name)
        if rule.action is RuleAction.DISCONNECT:
            return replace(decision, outcome=Delivery.DISCONNECT, rule=rule.name)
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

    # -- error answers --------------------------------------------------------------------

    def error_answer(self, request: Message, now: datetime, reason: str, code: str) -> HostDecision:
        """Answer ``code`` (30 format error, 96 system malfunction) to whatever request ``request`` is.

        The protocol's error answer echoes what identifies the request and is MACed where the
        protocol can. Only a message whose MTI is not a request's goes unanswered, and one whose
        answer cannot even be built.
        """
        if not is_request_mti(request.mti):
            self.services.events.report("unanswerable", "dropping an unanswerable %s: %s", request.mti, reason)
            return HostDecision(Delivery.DROP)
        try:
            return self.protocol.error_answer(request, now, str(code))
        except Exception:  # even the error answer cannot be built: stay silent
            log.exception("cannot answer %s to %s", code, request.mti)
            return HostDecision(Delivery.DROP)

    def _undecodable(self, data: bytes, reason: str, now: datetime, peer: str) -> HostDecision:
        partial = salvage(data, self.dialect)
        received = JournalMessage(
            now, peer, "in", field_text(partial, 41) if partial else None, field_text(partial, 11) if partial else None,
            partial.mti if partial else None, bytes(data), f"undecodable ({len(data)} bytes): {reason}")
        self.services.events.report("undecodable", "undecodable message from %s (%d bytes): %s", peer, len(data),
                                    reason)
        decision = (self.error_answer(partial, now, reason, ResponseCode.FORMAT_ERROR) if partial is not None
                    else HostDecision(Delivery.DROP))
        self.journal.record_messages((received, self._answer_row(decision, now, peer)))
        return decision

    # -- message journal ------------------------------------------------------------------

    def _journal_exchange(self, request: Message, frame: bytes | None, decision: HostDecision, now: datetime,
                          peer: str) -> None:
        """Journal the request and what became of it (its answer, or why none was sent), in one statement."""
        self.journal.record_messages((self._message_row("in", request, now, peer, None, frame),
                                      self._answer_row(decision, now, peer)))

    def _message_row(self, direction: str, message: Message, now: datetime, peer: str, note: str | None,
                     frame: bytes | None) -> JournalMessage:
        """A message as its identifying fields and its frame (sealed when written); the dump is rendered when read."""
        if log.isEnabledFor(logging.DEBUG):
            try:
                log.debug("%s %s\n%s\n  hex (masked, decodes with possim decode): %s",
                          "<<" if direction == "in" else ">>", message.mti, render_text(message, self.dialect),
                          masked_frame_hex(message, self.dialect))
            except Iso8583Error:
                pass
        fields = message.fields
        terminal_id, stan = fields.get(41), fields.get(11)
        return JournalMessage(now, peer, direction, terminal_id if isinstance(terminal_id, str) else None,
                              stan if isinstance(stan, str) else None, message.mti, frame, note)

    def _answer_row(self, decision: HostDecision, now: datetime, peer: str) -> JournalMessage:
        notes = []
        if decision.retransmission:
            notes.append("retransmission: stored response")
        if decision.rule:
            notes.append(f"rule {decision.rule}")
        if decision.delay:
            notes.append(f"delayed {decision.delay:g} s")
        note = "; ".join(notes) or None
        if decision.response is None:
            return JournalMessage(now, peer, "out", note="no response" + (f"; {note}" if note else ""))
        if decision.outcome is Delivery.RESPOND:
            return self._message_row("out", decision.response, now, peer, note, decision.response_bytes)
        return self._message_row("out", decision.response, now, peer,
                                 f"not sent ({decision.outcome.value}){'; ' + note if note else ''}",
                                 decision.response_bytes)
