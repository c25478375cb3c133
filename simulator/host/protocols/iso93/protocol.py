"""The iso93 host protocol: the :class:`~simulator.host.protocols.base.HostProtocol` steps for ISO 8583:1993.

It extends the possim-87 host (:class:`~simulator.host.protocols.possim87.protocol.Possim87Host`): the
same terminals and keys (DE 41/42, DE 63 KS), MAC (DE 64, DE 128 with a secondary bitmap) and money
handlers; the 1993 messages are read into the host's one transaction model and answered in 1993 terms
(:mod:`simulator.host.protocols.iso93.translate`).

* 1804 (:mod:`~simulator.host.protocols.iso93.network`): open (no stored answer), as possim-87's 0800.
* 1600 status inquiry: MAC checked, not stored.
* 1200, 1220/1221, 1420/1421, 1320, 1520: MAC checked, retransmissions (same terminal, STAN, DE 7 and
  answer class) get the stored answer, the same key with other content 913, an original whose reversal
  came first 913.
* Anything else 902; the pipeline's 30 and 96 go out as 904 and 909.
"""

from __future__ import annotations


from iso8583 import Message
from iso8583.message import FieldValue
from protocols.iso87 import ResponseCode
from protocols.iso93 import Mti93, action_code, meaning
from protocols.iso93 import response_mti as iso93_response_mti
from simulator.host.decision import HostDecision
from simulator.host.exchange import Exchange, field_text, require_field
from simulator.host.journal import Status
from simulator.host.protocols.base import RepeatKey
from simulator.host.protocols.iso93 import translate
from simulator.host.protocols.iso93.network import network_answer
from simulator.host.protocols.possim87.inquiry import answer_status_inquiry
from simulator.host.protocols.possim87.messages import swap_tpdu
from simulator.host.protocols.possim87.protocol import Possim87Host
from simulator.host.rules import Rule

__all__ = ["Iso93Host"]

_STORED = frozenset({Mti93.FINANCIAL_REQUEST, Mti93.FINANCIAL_ADVICE, Mti93.FINANCIAL_ADVICE_REPEAT,
                     Mti93.REVERSAL_ADVICE, Mti93.REVERSAL_ADVICE_REPEAT, Mti93.FILE_ACTION_ADVICE,
                     Mti93.RECONCILIATION_ADVICE})


class Iso93Host(Possim87Host):
    """The iso93 steps (see the module docstring) over the host's shared services."""

    name = "iso93"
    network_mtis = frozenset({Mti93.NETWORK_REQUEST})
    verified_mtis = frozenset({Mti93.ADMINISTRATIVE_REQUEST})
    stored_mtis = _STORED

    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        assert exchange.terminal is not None
        request = exchange.request
        stan, de7 = require_field(request, 11), require_field(request, 7)
        return RepeatKey(exchange.terminal.terminal_id, stan, de7, translate.repeat_class(request))

    def digest(self, request: Message) -> str:
        """possim-87's digest of the request in the model's terms, with DE 56, 24 and 25 as they came."""
        fields = dict(request.fields)
        fields[90] = "|".join(field_text(request, n) or "" for n in (56, 24, 25))
        return super().digest(Message(translate.internal_mti(request) or request.mti, fields))

    def dispatch(self, exchange: Exchange) -> Message:
        request = exchange.request
        if request.mti == Mti93.NETWORK_REQUEST:
            return network_answer(self.services, exchange, self.verify)
        model = self._model(exchange)
        if request.mti == Mti93.ADMINISTRATIVE_REQUEST:
            assert exchange.terminal is not None
            answer = answer_status_inquiry(self.services.journal, model.request, exchange.terminal.terminal_id,
                                           self.services.business_date(exchange.now))
        else:
            answer = self.money.dispatch(model)
        return translate.answer_of(request, answer)

    def _model(self, exchange: Exchange) -> Exchange:
        """The exchange of the request read into the host's transaction model (same terminal, keys, card)."""
        assert exchange.terminal is not None
        model = translate.model_request(exchange.request, self.services.journal, exchange.terminal.terminal_id)
        # ``kind`` is what identify read of the 1993 request (its DE 63); the model request is another message
        # (DE 63 gains the original's OR / OD), so the money handlers read it afresh.
        return Exchange(model, exchange.now, terminal=exchange.terminal, keys=exchange.keys, pan=exchange.pan,
                        sign=exchange.sign, frame=exchange.frame, kind=None)

    def answer(self, exchange: Exchange, code: str) -> Message:
        return translate.response_to(exchange.request, code)

    def security_refusal(self, exchange: Exchange) -> Message:
        """916 (MAC incorrect): the terminal signs on again."""
        return self.answer(exchange, ResponseCode.SECURITY_VIOLATION)

    def error_response(self, request: Message, echoed: dict[int, FieldValue], code: str) -> Message:
        """904 / 909 (the 1993 action code of ``code``) in the 1993 response MTI, echoing DE 7, 11, 41, 42."""
        return Message(iso93_response_mti(request.mti), {**echoed, 39: action_code(code, request.mti)},
                       swap_tpdu(request.header))

    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        """A rule's fixed answer (a two-digit meaning or an action code): journaled and stored, no money."""
        request = exchange.request
        if self.identify(exchange) is not None:
            exchange.sign = False
        elif request.mti == Mti93.NETWORK_REQUEST:
            exchange.sign = exchange.keys is not None
        if (exchange.terminal is None or request.mti not in _STORED or not field_text(request, 7)):
            return self.sign(exchange, self.answer(exchange, code))
        with self.services.journal.atomic():
            model = self._model(exchange)
            meant = meaning(str(code))
            if model.request.mti == "0500":
                self._record_scripted_settlement(model, meant)
            elif model.request.mti != "0320":
                amount = field_text(request, 4)
                status = Status.APPROVED if meant == "00" else Status.DECLINED
                self.money.record(model, meant, status, amount=int(amount) if amount and amount.isdigit() else None,
                                  reason=f"rule: {rule.name}")
            decision = self.sign(exchange, self.answer(exchange, code))
            self.store(self.repeat_key(exchange), self.digest(request), decision, exchange.now)
        return decision
