"""The toy network's host protocol: the toy's steps in the host's one pipeline, over its shared services."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from emv.masking import mask_pan
from iso8583 import Message, encode
from protocols.iso87 import parse_original_data_elements, response_mti
from simulator.host.decision import Delivery, HostDecision
from simulator.host.exchange import Exchange, FormatError, auth_code, field_text, request_amount, require_field
from simulator.host.journal import Cause, Direction, HostTransaction, Status, iso_time
from simulator.host.lifecycle import Breach
from simulator.host.protocols.base import Handling, HostProtocol, RepeatKey
from simulator.host.rules import Rule
from tests.e2e.toy_network import NAME
from tests.e2e.toy_network.contract import REFUND, SALE, mac_ok, with_mac

_ECHOED = (3, 4, 7, 11, 41, 42, 49, 70, 90)


class ToyHost(HostProtocol):
    """The toy network (tests.e2e.toy_network) on the host: no key exchange, its own MAC, refunds by RRN."""

    name = NAME

    def identify(self, exchange: Exchange) -> str | None:
        terminal = self.services.config.terminals.get(field_text(exchange.request, 41) or "")
        if terminal is None or field_text(exchange.request, 42) != terminal.merchant_id:
            return "03"
        exchange.terminal = terminal
        return None

    def handling(self, exchange: Exchange) -> Handling:
        mti = exchange.request.mti
        if mti == "0800":
            return Handling.VERIFIED
        return Handling.STORED if mti in ("0200", "0400", "0401", "0500") else Handling.REFUSE

    def verify(self, exchange: Exchange) -> bool:
        return mac_ok(exchange.request, self.dialect)

    def security_refusal(self, exchange: Exchange) -> Message:
        return self.answer(exchange, "63")

    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        assert exchange.terminal is not None
        request = exchange.request
        return RepeatKey(exchange.terminal.terminal_id, require_field(request, 11), require_field(request, 7),
                         response_mti(request.mti))

    def digest(self, request: Message) -> str:
        return self.services.keyring.keyed_digest(request.mti[:3], *(str(request.get(n, "")) for n in (3, 4, 37, 90)))

    def dispatch(self, exchange: Exchange) -> Message:
        request = exchange.request
        if request.mti == "0800":
            return self.answer(exchange, "00")
        if request.mti == "0500":
            return self.answer(exchange, "00")
        if request.mti in ("0400", "0401"):
            return self._reversal(exchange)
        code = field_text(request, 3)
        if code == SALE:
            return self._sale(exchange)
        if code == REFUND:
            return self._refund(exchange)
        return self._decline(exchange, "12")

    def answer(self, exchange: Exchange, code: str) -> Message:
        request = exchange.request
        fields = {n: request.fields[n] for n in _ECHOED if n in request.fields}
        return Message(response_mti(request.mti), {**fields, 39: str(code)})

    def sign(self, exchange: Exchange, response: Message) -> HostDecision:
        signed = with_mac(response, self.dialect)
        return HostDecision(Delivery.RESPOND, signed, encode(signed, self.dialect))

    def error_answer(self, request: Message, now: datetime, code: str) -> HostDecision:
        return self.sign(Exchange(request, now), self.answer(Exchange(request, now), code))

    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        return self.sign(exchange, self.answer(exchange, code))

    # -- money ----------------------------------------------------------------------------

    def _sale(self, exchange: Exchange) -> Message:
        amount = request_amount(exchange.request)
        rrn, auth = self.services.journal.next_rrn(), auth_code()
        txn = self._record(exchange, "00", Status.APPROVED, amount, rrn=rrn, auth=auth)
        self.services.ledger.move(exchange, txn, Direction.DEBIT, Cause.SALE, amount)
        approved = self.answer(exchange, "00")
        return replace(approved, fields={**approved.fields, 37: rrn, 38: auth})

    def _refund(self, exchange: Exchange) -> Message:
        assert exchange.terminal is not None
        amount = request_amount(exchange.request)
        original = self.services.journal.find_by_rrn(exchange.terminal.terminal_id, require_field(exchange.request, 37))
        if original is None:
            return self._decline(exchange, "25")
        breach = self.services.transitions.refund(original, amount)
        if breach is not None:
            return self._decline(exchange, "13", original=original, note=breach.value)
        rrn, auth = self.services.journal.next_rrn(), auth_code()
        txn = self._record(exchange, "00", Status.APPROVED, amount, rrn=rrn, auth=auth, original=original)
        self.services.ledger.move(exchange, txn, Direction.CREDIT, Cause.REFUND, amount)
        approved = self.answer(exchange, "00")
        return replace(approved, fields={**approved.fields, 37: rrn, 38: auth})

    def _reversal(self, exchange: Exchange) -> Message:
        assert exchange.terminal is not None
        try:
            mti, stan, de7 = parse_original_data_elements(require_field(exchange.request, 90))
        except ValueError as error:
            raise FormatError(str(error)) from None
        original = self.services.journal.find_by_request(exchange.terminal.terminal_id, mti, f"{stan:06d}", de7)
        if original is None:
            return self.answer(exchange, "25")
        plan = self.services.transitions.reverse(original)
        if isinstance(plan, Breach):
            return self._decline(exchange, "12", original=original, note=plan.value)
        txn = self._record(exchange, "00", Status.APPROVED, original.amount, original=original)
        self.services.transitions.apply(exchange, plan, txn, Cause.REVERSAL)
        return self.answer(exchange, "00")

    def _decline(self, exchange: Exchange, code: str, *, original: HostTransaction | None = None,
                 note: str | None = None) -> Message:
        amount = field_text(exchange.request, 4)
        self._record(exchange, code, Status.DECLINED, int(amount) if amount else None, original=original, note=note)
        return self.answer(exchange, code)

    def _record(self, exchange: Exchange, code: str, status: Status, amount: int | None, *, rrn: str | None = None,
                auth: str | None = None, original: HostTransaction | None = None, note: str | None = None) -> int:
        request, terminal = exchange.request, exchange.terminal
        assert terminal is not None
        pan = exchange.pan
        return self.services.journal.insert_transaction(HostTransaction(
            time=iso_time(exchange.now), terminal_id=terminal.terminal_id, stan=field_text(request, 11) or "",
            transmission_time=field_text(request, 7) or "", local_date=exchange.now.strftime("%m%d"),
            mti="0400" if request.mti in ("0400", "0401") else request.mti, processing_code=field_text(request, 3),
            amount=amount, currency=field_text(request, 49), masked_pan=mask_pan(pan) if pan else None,
            card_fingerprint=self.services.keyring.fingerprint(pan) if pan else None, rrn=rrn, auth_code=auth,
            response_code=code, status=status, original_id=original.id if original else None,
            original_rrn=original.rrn if original else None, note=note,
        ))
