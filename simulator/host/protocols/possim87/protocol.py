"""The possim-87 host protocol: the :class:`~simulator.host.protocols.base.HostProtocol` steps for possim-87.

Rules (docs/protocol.md for the codes; the steps are run by :class:`simulator.host.pipeline.HostPipeline`):

* A TPDU (5-byte header) whose ID is not 0x60, or no DE 42 -> 30 (nothing processed).
* Unknown terminal (DE 41, or DE 42 not its merchant) -> 03. Keys: DE 63 KS (20 hex digits: DUKPT
  TDES, 24: DUKPT AES), else the terminal's master/session keys. The request MAC is verified on all
  requests but 0800 (an 0800 echo carrying a MAC is verified too) -> 63; no session keys -> 63.
  Responses are MACed whenever the keys are known, declines included, except the 0810 that
  delivers new master/session keys (the key blocks are authenticated by TR-31 under the TMK).
* 0800 (:mod:`~simulator.host.protocols.possim87.network`): sign-on / key change deliver a new
  TPK and TAK (mksk) or just approve (DUKPT); echo approves.
* 0820 status inquiry (:mod:`~simulator.host.protocols.possim87.inquiry`), MAC checked, not stored.
* 0200 sale, refund, void; 0400/0401 reversal; 0220/0221 advice; 0320 batch upload; 0500
  settlement (:mod:`~simulator.host.protocols.possim87.financial`): MAC checked, retransmissions
  (same terminal, STAN, DE 7 and message class) get the stored answer, the same key with other
  content 94, an original whose reversal came first 94.
* Anything else -> 12; a message that does not decode -> 30 when its MTI and STAN can be read.
* A ``respond`` rule: the fixed answer, journaled as the request's transaction (or settlement)
  and stored, no money moves.
"""

from __future__ import annotations

import logging
from datetime import datetime

from iso8583 import Message, encode
from iso8583.message import FieldValue
from iso8583.tpdu import TPDU_LENGTH, Tpdu
from keys.errors import MacVerificationError
from protocols.iso87 import Mti, ResponseCode, response_mti
from protocols.possim87.additional_data import AdditionalDataError, AdditionalTag, additional_data
from protocols.security import sign_and_encode, verify_request_received
import simulator.host.protocols.possim87.batch as batch
from simulator.host.settlement import batch_number
from simulator.host.decision import Delivery, HostDecision
from simulator.host.exchange import Exchange, FormatError, check_tpdu_destination, field_text, require_field
from simulator.host.journal import SettlementBasis, SettlementRecord, Status, iso_time
from simulator.host.keyring import KeyResolutionError, MalformedKsnError
from simulator.host.protocols.base import Handling, HostProtocol, RepeatKey
from simulator.host.protocols.possim87.financial import Possim87Money
from simulator.host.protocols.possim87 import dcc
from simulator.host.protocols.possim87.inquiry import answer_status_inquiry
from simulator.host.protocols.possim87.messages import PROCESSED_MTIS, check_tpdu, response_message, swap_tpdu
from simulator.host.protocols.possim87.network import network_answer
from simulator.host.rules import Rule
from simulator.host.services import HostServices

__all__ = ["Possim87Host"]

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
_ERROR_FIELDS = (7, 11, 41, 42)
"""What an error answer echoes: what lets the terminal match it."""


class Possim87Host(HostProtocol):
    """The possim-87 steps (see the module docstring) over the host's shared services."""

    name = "possim-87"
    network_mtis: frozenset[str] = frozenset({Mti.NETWORK})
    """The network management MTIs: open (no stored answer), and a request of these without keys yet is
    normal (not reported)."""
    verified_mtis: frozenset[str] = frozenset({Mti.ADMINISTRATIVE})
    """MTIs MAC-checked but not stored (the status inquiry)."""
    stored_mtis: frozenset[str] = PROCESSED_MTIS
    """MTIs whose answer is stored and replayed to a retransmission; any other MTI is refused."""

    def __init__(self, services: HostServices) -> None:
        super().__init__(services)
        self.money = Possim87Money(services)
        """The money-moving handlers (sale, refund, void, reversal, advice, upload, settlement)."""

    # -- identify, route, verify ----------------------------------------------------------

    def identify(self, exchange: Exchange) -> str | None:
        """The terminal and its keys; 03 for an unknown terminal (unsigned), 30 (FormatError) for a malformed KSN."""
        request = exchange.request
        check_tpdu(request.header)
        if len(request.header) == TPDU_LENGTH:
            check_tpdu_destination(Tpdu.parse(request.header), self.services.config.tpdu)
        merchant = require_field(request, 42)
        terminal = self.services.config.terminals.get(field_text(request, 41) or "")
        if terminal is None or merchant != terminal.merchant_id:
            exchange.sign = False
            return ResponseCode.INVALID_MERCHANT
        exchange.terminal = terminal
        try:
            tags = additional_data(request)
        except AdditionalDataError as exc:
            raise FormatError(str(exc)) from None
        exchange.kind = tags  # DE 63 read once: a refund's handler takes it from here
        try:
            exchange.keys = self.services.keyring.request_keys(terminal, tags.get(AdditionalTag.KSN))
        except MalformedKsnError as exc:
            raise FormatError(str(exc)) from None
        except KeyResolutionError as exc:
            if request.mti in self.network_mtis:
                log.debug("no keys for %s from %s: %s", request.mti, terminal.terminal_id, exc)
            else:
                self.services.events.report("no keys", "no keys for %s from %s: %s", request.mti,
                                            terminal.terminal_id, exc)
        return None

    def handling(self, exchange: Exchange) -> Handling:
        mti = exchange.request.mti
        if mti in self.network_mtis:
            return Handling.OPEN
        if mti in self.verified_mtis:
            return Handling.VERIFIED
        return Handling.STORED if mti in self.stored_mtis else Handling.REFUSE

    def verify(self, exchange: Exchange) -> bool:
        """The request MAC, over the bytes as received (re-encoded only for a request built in memory).

        False without keys (no session yet, a KSN of another terminal) or when the MAC does not verify.
        """
        if exchange.keys is None:
            return False
        try:
            verify_request_received(exchange.request, exchange.frame, self.dialect, exchange.keys)
        except MacVerificationError as exc:
            self.services.events.report("MAC failure", "terminal %s: %s", field_text(exchange.request, 41), exc)
            return False
        return True

    def security_refusal(self, exchange: Exchange) -> Message:
        return response_message(exchange.request, ResponseCode.SECURITY_VIOLATION)

    # -- retransmissions ------------------------------------------------------------------

    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        """Terminal, STAN (DE 11), DE 7 and the response MTI: both DE 11 and DE 7 are required."""
        assert exchange.terminal is not None
        request = exchange.request
        stan, de7 = require_field(request, 11), require_field(request, 7)
        return RepeatKey(exchange.terminal.terminal_id, stan, de7, response_mti(request.mti))

    def digest(self, request: Message) -> str:
        """A keyed digest of what a retransmission must repeat (the MTI's repeat bit aside)."""
        mti_class, fields = request.mti[:3], request.fields
        parts = [mti_class]
        extra = _EXTRA_DIGEST_FIELDS.get(mti_class, ())
        for number in (*_DIGEST_FIELDS, *extra) if extra else _DIGEST_FIELDS:
            value = fields.get(number)
            parts.append("" if value is None else value.hex() if isinstance(value, bytes) else value)
        if extra:
            try:
                tags = additional_data(request)
            except AdditionalDataError:
                tags = {}
            parts.extend(f"{tag}={tags.get(tag, '')}" for tag in _DIGEST_TAGS)
        return self.services.keyring.keyed_digest(*parts)

    # -- dispatch and answers -------------------------------------------------------------

    def dispatch(self, exchange: Exchange) -> Message:
        request = exchange.request
        if request.mti == Mti.NETWORK:
            return network_answer(self.services, exchange, self.verify)
        if request.mti == Mti.ADMINISTRATIVE and dcc.is_rate_inquiry(request):
            answer, why = dcc.answer_rate_inquiry(self.services.config.dcc, self.services.cards, exchange)
            if why is not None:
                log.info("rate inquiry %s: no DCC offer: %s", field_text(request, 11), why)
            return answer
        if request.mti == Mti.ADMINISTRATIVE:
            assert exchange.terminal is not None
            return answer_status_inquiry(self.services.journal, request, exchange.terminal.terminal_id,
                                         self.services.business_date(exchange.now))
        return self.money.dispatch(exchange)

    def answer(self, exchange: Exchange, code: str) -> Message:
        return response_message(exchange.request, code)

    def sign(self, exchange: Exchange, response: Message) -> HostDecision:
        """Sign (when the keys are known and ``exchange.sign``) and encode ``response``, encoding it once."""
        if exchange.sign and exchange.keys is not None:
            signed, encoded = sign_and_encode(response, self.dialect, exchange.keys, response=True)
            return HostDecision(Delivery.RESPOND, signed, encoded)
        return HostDecision(Delivery.RESPOND, response, encode(response, self.dialect))

    def error_answer(self, request: Message, now: datetime, code: str) -> HostDecision:
        """``code`` echoing DE 7, 11, 41, 42 (whichever could be read); MACed when the terminal's keys are known."""
        exchange = Exchange(request, now)
        try:
            if self.identify(exchange) is not None:
                exchange.keys = None
        except FormatError:
            exchange.keys = None
        fields = {n: v for n, v in request.fields.items() if n in _ERROR_FIELDS}
        return self.sign(exchange, self.error_response(request, fields, str(code)))

    def error_response(self, request: Message, echoed: dict[int, FieldValue], code: str) -> Message:
        """The unsigned error answer to ``request``: its response MTI, the ``echoed`` fields and ``code`` in DE 39
        (a network with other MTIs or DE 39 codes, such as iso93, changes only this)."""
        return Message(response_mti(request.mti), {**echoed, 39: code}, swap_tpdu(request.header))

    # -- rules ----------------------------------------------------------------------------

    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        """A rule's fixed answer: no processing, no money; journaled and signed like any answer."""
        request = exchange.request
        if self.identify(exchange) is not None:
            exchange.sign = False
        elif request.mti == Mti.NETWORK:
            exchange.sign = exchange.keys is not None
        if exchange.terminal is None or request.mti == Mti.NETWORK or not field_text(request, 7):
            return self.sign(exchange, self.answer(exchange, code))
        with self.services.journal.atomic():
            amount = field_text(request, 4)
            if request.mti == Mti.SETTLEMENT:
                self._record_scripted_settlement(exchange, code)
            elif request.mti != Mti.BATCH_UPLOAD:  # an upload answered by a rule is not recorded
                status = Status.APPROVED if code == ResponseCode.APPROVED else Status.DECLINED
                self.money.record(exchange, code, status, amount=int(amount) if amount and amount.isdigit() else None,
                                  reason=f"rule: {rule.name}")
            decision = self.sign(exchange, self.answer(exchange, code))
            key = RepeatKey(exchange.terminal.terminal_id, field_text(request, 11) or "",
                            field_text(request, 7) or "", response_mti(request.mti))
            self.store(key, self.digest(request), decision, exchange.now)
        return decision

    def _record_scripted_settlement(self, exchange: Exchange, code: str) -> None:
        """Journal a settlement a rule answered: the terminal's totals when readable, no host totals."""
        assert exchange.terminal is not None
        request = exchange.request
        try:
            totals = batch.parse_settlement(request, exchange.terminal.terminal_id).totals
        except batch.MalformedRequest:
            totals = None
        self.services.journal.record_settlement(SettlementRecord(
            time=iso_time(exchange.now), terminal_id=exchange.terminal.terminal_id,
            batch=batch_number(request.get(60)), stan=field_text(request, 11) or "",
            transmission_time=field_text(request, 7) or "", response_code=code, basis=SettlementBasis.RULE,
            processing_code=field_text(request, 3), terminal_totals=totals,
        ))
