"""The possim-87 host's money: sale, refund, void, reversal, advice, batch upload and settlement.

Each handler gets an :class:`~simulator.host.exchange.Exchange` whose MAC verified and returns the
response (docs/protocol.md, "Fields", "Store-and-forward", "Settlement"); the journal rows it
writes (transaction, ledger movements through :class:`~simulator.host.ledger.Ledger`) are
committed by the pipeline together with the stored response
(:class:`simulator.host.pipeline.HostPipeline`, the ``STORED`` path).
"""

from __future__ import annotations

import logging
from datetime import date

import simulator.host.protocols.possim87.advice as advices
import simulator.host.protocols.possim87.batch as batch
from emv.masking import mask_pan
from iso8583 import Message
from protocols.iso87 import Mti, ProcessingCode, ResponseCode, parse_original_data_elements, response_mti
from protocols.dcc import DccOffer
from protocols.possim87.additional_data import AdditionalTag, additional_data, encode_additional_data
from simulator.host import antifraud, credits
from simulator.host.cardcheck import arpc, card_checks
from simulator.host.lifecycle import Breach
from simulator.host.exchange import (
    REVERSED_BEFORE_ARRIVAL,
    Exchange,
    FormatError,
    auth_code,
    field_text,
    request_amount,
    require_field,
)
from simulator.host.journal import REFUND_MTIS, Cause, Direction, HostTransaction, Status, iso_time
from simulator.host.protocols.possim87.messages import (
    ADVICE_MTIS,
    REVERSAL_MTIS,
    VOID_CODES,
    journal_mti,
    response_message,
)
from simulator.host.protocols.possim87 import dcc
from simulator.host.protocols.possim87.dcc import journal_fields
from simulator.host.services import HostServices

log = logging.getLogger(__name__)


class Possim87Money:
    """The money-moving handlers of the possim-87 host, over the host's shared services."""

    def __init__(self, services: HostServices) -> None:
        self.services = services
        self.config = services.config
        self.journal = services.journal
        self.keyring = services.keyring
        self.cards = services.cards
        self.ledger = services.ledger

    def dispatch(self, exchange: Exchange) -> Message:
        mti = exchange.request.mti
        if mti in REVERSAL_MTIS:
            return self.reversal(exchange)
        if mti in ADVICE_MTIS:
            return self.advice(exchange)
        if mti == Mti.BATCH_UPLOAD:
            return self.upload(exchange)
        if mti == Mti.SETTLEMENT:
            return self.settle(exchange)
        return self.dispatch_0200(exchange)

    def dispatch_0200(self, exchange: Exchange) -> Message:
        processing_code = field_text(exchange.request, 3)
        if processing_code == ProcessingCode.PURCHASE:
            return self.sale(exchange)
        if processing_code == ProcessingCode.REFUND:
            return self.refund(exchange)
        if processing_code in VOID_CODES:
            return self.void(exchange, ProcessingCode(processing_code))
        self.record(exchange, ResponseCode.INVALID_TRANSACTION, Status.DECLINED)
        return response_message(exchange.request, ResponseCode.INVALID_TRANSACTION)

    def _card_pan(self, exchange: Exchange) -> str:
        if exchange.pan is None:
            raise FormatError("no PAN (DE 2) or track 2 data (DE 35)")
        return exchange.pan

    def sale(self, exchange: Exchange) -> Message:
        request = exchange.request
        amount, pan = request_amount(request), self._card_pan(exchange)
        check = card_checks(self.cards, exchange, pan)
        if check.code is not None:
            self.record(exchange, check.code, Status.DECLINED, amount=amount)
            return response_message(request, check.code, arpc(check, pan, request, approved=False))
        assert exchange.terminal is not None
        try:
            conversion = dcc.sale_conversion(self.config.dcc, self.cards, exchange, pan)
        except dcc.DccRefusal as refusal:
            self.record(exchange, refusal.code, Status.DECLINED, amount=amount, note=refusal.note)
            return response_message(request, refusal.code, arpc(check, pan, request, approved=False))
        rrn, auth = self.journal.next_rrn(), auth_code()
        cross_border = self.cards.cross_border(pan, exchange.terminal.country)
        txn = self.record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, rrn=rrn, auth=auth,
                          cross_border=cross_border, dcc=conversion)
        self.ledger.move(exchange, txn, Direction.DEBIT, Cause.SALE, amount, _billing(conversion))
        fields, tags = _dcc_answer(conversion, cross_border)
        if tags:
            fields[63] = encode_additional_data(tags)
        return response_message(request, ResponseCode.APPROVED, {
            37: rrn, 38: auth, **arpc(check, pan, request, approved=True), **fields})

    def refund(self, exchange: Exchange) -> Message:
        request = exchange.request
        profile = exchange.terminal
        assert profile is not None
        amount, pan = request_amount(request), self._card_pan(exchange)
        tags = exchange.kind if isinstance(exchange.kind, dict) else additional_data(request)  # read by identify
        original_rrn, original_date = tags.get(AdditionalTag.ORIGINAL_RRN), tags.get(AdditionalTag.ORIGINAL_DATE)
        reason = tags.get(AdditionalTag.REASON)
        fingerprint = self.keyring.fingerprint(pan)
        today = self.services.business_date(exchange.now)
        original: HostTransaction | None = None
        conversion = None

        def decline(code: str, note: str | None = None) -> Message:
            if note is not None:
                log.info("refund %s of %s refused with %s: %s", field_text(request, 11), profile.terminal_id,
                         code, note)
            self.record(exchange, code, Status.DECLINED, amount=amount, original=original,
                         original_rrn=original_rrn, reason=reason, note=note)
            return response_message(request, code)

        if original_rrn is not None:
            original = self.journal.find_by_rrn(profile.terminal_id, original_rrn)
            if original is None or (original_date is not None and original.local_date != original_date):
                original = None
                return decline(ResponseCode.ORIGINAL_NOT_FOUND)
            if (original.mti != Mti.FINANCIAL_REQUEST or original.processing_code != ProcessingCode.PURCHASE
                    or original.status is not Status.APPROVED):
                return decline(ResponseCode.INVALID_TRANSACTION)
            refusal = antifraud.check_against_original(
                original, currency=field_text(request, 49), fingerprint=fingerprint,
                policy=self.config.refund_policy, today=today, dcc_currency=field_text(request, 51))
            if refusal is not None:
                return decline(refusal.code, refusal.rule)
            assert original.id is not None and original.amount is not None
            conversion = dcc.refund_conversion(self.config.dcc, self.config.dcc_refund_rate, original, amount,
                                               self.services.transitions.refunded(original))
            breach = self.services.transitions.refund(original, amount,
                                                      conversion.amount if conversion is not None else None)
            if breach is not None:
                return decline(ResponseCode.INVALID_AMOUNT, breach.value)
        elif field_text(request, 51):
            return decline(ResponseCode.INVALID_AMOUNT, "DCC: an unmatched refund has no DCC sale to convert at")
        elif not profile.allow_unmatched_refunds:
            return decline(ResponseCode.NOT_PERMITTED, "unmatched refunds are not allowed for this terminal")
        refusal = antifraud.check_velocity(self.journal, terminal_id=profile.terminal_id, fingerprint=fingerprint,
                                           amount=amount, policy=self.config.refund_policy, now=exchange.now)
        if refusal is not None:
            return decline(refusal.code, refusal.rule)
        check = card_checks(self.cards, exchange, pan)
        if check.code is not None:
            return decline(check.code)
        cross_border = self.cards.cross_border(pan, profile.country)
        channel, credit_date = self.config.credit.credit_for(self.cards.brand(pan), today, cross_border=cross_border)
        rrn, auth = self.journal.next_rrn(), auth_code()
        txn = self.record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, rrn=rrn, auth=auth,
                           original=original, original_rrn=original_rrn, reason=reason,
                           credit_channel=channel.value, credit_date=credit_date.strftime("%Y%m%d"),
                           cross_border=cross_border, dcc=conversion)
        self.ledger.move(exchange, txn, Direction.CREDIT, Cause.REFUND, amount, _billing(conversion))
        fields, tags = _dcc_answer(conversion, cross_border)
        return response_message(request, ResponseCode.APPROVED, {**fields, 37: rrn, 38: auth, 63: encode_additional_data(
            {**self._credit_tags(self.journal.transaction(txn), today), **tags})})

    @staticmethod
    def _credit_tags(refund: HostTransaction | None, today: date) -> dict[str, str]:
        """DE 63 CC, CD, CS (and PD once posted) of a refund's credit (docs/protocol.md)."""
        view = credits.credit_view(refund, today) if refund is not None else None
        if view is None:
            return {}
        tags = {AdditionalTag.CREDIT_CHANNEL: view.channel,
                AdditionalTag.CREDIT_DATE: view.expected_date.strftime("%Y%m%d"),
                AdditionalTag.CREDIT_STATUS: view.status.value.upper()}
        if view.posted_date is not None:
            tags[AdditionalTag.POSTED_DATE] = view.posted_date.strftime("%Y%m%d")
        return tags

    def void(self, exchange: Exchange, processing_code: ProcessingCode) -> Message:
        request = exchange.request
        profile = exchange.terminal
        assert profile is not None
        rrn = require_field(request, 37)
        amount = request_amount(request) if 4 in request else None
        original = self.journal.find_by_rrn(profile.terminal_id, rrn)

        def decline(code: str, note: str | None = None) -> Message:
            self.record(exchange, code, Status.DECLINED, amount=amount, original=original, original_rrn=rrn,
                        note=note)
            return response_message(request, code)

        if original is None:
            return decline(ResponseCode.ORIGINAL_NOT_FOUND)
        assert original.id is not None
        originals = REFUND_MTIS if processing_code is ProcessingCode.VOID_REFUND else (Mti.FINANCIAL_REQUEST,)
        if (original.mti not in originals or original.processing_code != VOID_CODES[processing_code]
                or original.status is not Status.APPROVED):
            return decline(ResponseCode.INVALID_TRANSACTION)
        plan = self.services.transitions.void(original)
        if isinstance(plan, Breach):
            log.info("void of %s refused: %s", rrn, plan.value)
            return decline(ResponseCode.INVALID_TRANSACTION, plan.value)
        if field_text(request, 51) != original.dcc_currency:
            return decline(ResponseCode.INVALID_AMOUNT, "DCC: a void carries the DE 51 of the transaction it voids")
        auth = auth_code()
        conversion = dcc.offer_of(original)
        txn = self.record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, auth=auth,
                           original=original, original_rrn=rrn, cross_border=original.cross_border, dcc=conversion)
        self.services.transitions.apply(exchange, plan, txn, Cause.VOID)
        return response_message(request, ResponseCode.APPROVED,
                                {38: auth, **(dcc.dcc_fields(conversion) if conversion is not None else {})})

    def advice(self, exchange: Exchange) -> Message:
        """An offline refund: credited once when it holds, else journaled declined; answered 0230 either way."""
        request = exchange.request
        profile = exchange.terminal
        assert profile is not None
        try:
            advice = advices.parse_advice(request)
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        applied = self.journal.find_applied_advice(profile.terminal_id, require_field(request, 11), advice.original_rrn,
                                                   advice.amount, advice.offline_code)
        if applied is not None:
            log.info("advice %s from %s was applied before (RRN %s): no second credit",
                     applied.stan, profile.terminal_id, applied.rrn)
            return self._advice_response(request, applied)
        original = advices.locate_original(advice, lambda rrn: self.journal.find_by_rrn(profile.terminal_id, rrn))
        code = advices.refusal(advice, original)
        if code is None and original is not None and self.services.transitions.refund(original, advice.amount):
            code = ResponseCode.INVALID_AMOUNT  # past what is left of the sale (the money rule)
        if code is not None:
            log.warning("advice %s from %s refused with %s: no credit", field_text(request, 11), profile.terminal_id,
                        code)
            self.record(exchange, code, Status.DECLINED, amount=advice.amount, auth=advice.offline_code,
                         original=original, original_rrn=advice.original_rrn, reason=advice.reason, card_of=original)
            return response_message(request, code)
        assert original is not None
        brand = advices.original_card_brand(original, self.cards, self.keyring.fingerprint)
        cross_border = bool(original.cross_border)
        channel, credit_date = self.config.credit.credit_for(brand, self.services.business_date(exchange.now),
                                                             cross_border=cross_border)
        txn = self.record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=advice.amount,
                           rrn=self.journal.next_rrn(), auth=advice.offline_code, original=original,
                           original_rrn=advice.original_rrn, reason=advice.reason, credit_channel=channel.value,
                           credit_date=credit_date.strftime("%Y%m%d"), card_of=original, cross_border=cross_border)
        self.ledger.move(exchange, txn, Direction.CREDIT, Cause.REFUND, advice.amount)
        record = self.journal.transaction(txn)
        assert record is not None
        return self._advice_response(request, record)

    def _advice_response(self, request: Message, applied: HostTransaction) -> Message:
        """0230/00 for an applied advice: its RRN, offline approval code and credit channel and date."""
        extra: dict[int, str | bytes] = {37: applied.rrn or ""}
        if applied.auth_code:
            extra[38] = applied.auth_code
        if applied.credit_channel and applied.credit_date:
            extra[63] = encode_additional_data({AdditionalTag.CREDIT_CHANNEL: applied.credit_channel,
                                                AdditionalTag.CREDIT_DATE: applied.credit_date})
        return response_message(request, ResponseCode.APPROVED, extra)

    def upload(self, exchange: Exchange) -> Message:
        """0320: one transaction of a batch upload joins the terminal's uploaded set (0330/00)."""
        assert exchange.terminal is not None
        try:
            upload = batch.parse_upload(exchange.request, exchange.terminal.terminal_id, exchange.now)
        except batch.MalformedRequest as exc:
            raise FormatError(str(exc)) from None
        self.journal.record_upload(upload)
        return response_message(exchange.request, ResponseCode.APPROVED)

    def settle(self, exchange: Exchange) -> Message:
        """0500: the terminal's totals against the host's (journal or uploaded set): 0510 with 00 or 95."""
        assert exchange.terminal is not None
        try:
            request = batch.parse_settlement(exchange.request, exchange.terminal.terminal_id)
        except batch.MalformedRequest as exc:
            raise FormatError(str(exc)) from None
        record = batch.settle(self.journal, request, exchange.now)
        log.info("settlement of %s batch %06d (%s): %s", request.terminal_id, request.batch, request.basis.value,
                 record.response_code)
        return response_message(exchange.request, record.response_code)

    def reversal(self, exchange: Exchange) -> Message:
        request = exchange.request
        profile = exchange.terminal
        assert profile is not None
        try:
            original_mti, original_stan, original_de7 = parse_original_data_elements(require_field(request, 90))
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        original = self.journal.find_by_request(profile.terminal_id, original_mti, f"{original_stan:06d}",
                                                original_de7)
        amount = request_amount(request) if 4 in request else None
        plan = self.services.transitions.reverse(original) if original is not None else None
        if isinstance(plan, Breach):
            log.warning("reversal of %s %06d from %s refused: %s", original_mti, original_stan, profile.terminal_id,
                        plan.value)
            self.record(exchange, ResponseCode.INVALID_TRANSACTION, Status.DECLINED, amount=amount, original=original,
                        original_rrn=original.rrn if original else None, note=plan.value)
            return response_message(request, ResponseCode.INVALID_TRANSACTION)
        txn = self.record(exchange, ResponseCode.APPROVED, Status.APPROVED, amount=amount, original=original,
                          original_rrn=original.rrn if original else None)
        if original is None:
            log.info("reversal of unknown %s %06d from %s acknowledged", original_mti, original_stan,
                     profile.terminal_id)
            # The reversal overtook its original: mark the original's key so it is refused if it comes.
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=f"{original_stan:06d}", transmission_time=original_de7,
                mti_class=response_mti(original_mti), request_digest=REVERSED_BEFORE_ARRIVAL, response=b"",
                time=exchange.now,
            )
        else:
            assert plan is not None
            if plan.note:
                log.info("reversal of %s %06d from %s acknowledged: %s", original_mti, original_stan,
                         profile.terminal_id, plan.note)
            self.services.transitions.apply(exchange, plan, txn, Cause.REVERSAL)
        return response_message(request, ResponseCode.APPROVED)

    # -- journal helpers ------------------------------------------------------------------

    def record(
        self,
        exchange: Exchange,
        code: str,
        status: Status,
        *,
        amount: int | None = None,
        rrn: str | None = None,
        auth: str | None = None,
        original: HostTransaction | None = None,
        original_rrn: str | None = None,
        reason: str | None = None,
        credit_channel: str | None = None,
        credit_date: str | None = None,
        card_of: HostTransaction | None = None,
        note: str | None = None,
        cross_border: bool | None = None,
        dcc: DccOffer | None = None,
    ) -> int:
        """Journal the request's transaction; ``card_of``: take the card from that record (advices)."""
        request = exchange.request
        profile = exchange.terminal
        assert profile is not None
        pan = exchange.pan
        if card_of is not None or request.mti in ADVICE_MTIS:
            masked, fingerprint = (card_of.masked_pan, card_of.card_fingerprint) if card_of else (None, None)
        else:
            masked = mask_pan(pan) if pan else None
            fingerprint = self.keyring.fingerprint(pan) if pan else None
        return self.journal.insert_transaction(HostTransaction(
            time=iso_time(exchange.now),
            terminal_id=profile.terminal_id,
            stan=field_text(request, 11) or "",
            transmission_time=field_text(request, 7) or "",
            local_date=field_text(request, 13) or exchange.now.strftime("%m%d"),
            mti=journal_mti(request.mti),
            processing_code=field_text(request, 3),
            amount=amount,
            currency=field_text(request, 49),
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
            invoice=field_text(request, 62),
            batch=field_text(request, 60),
            note=note,
            cross_border=cross_border,
            **(journal_fields(dcc) if dcc is not None else {}),
        ))


def _billing(conversion: DccOffer | None) -> tuple[int, str] | None:
    """A DCC movement's billing side for the ledger."""
    return (conversion.amount, conversion.currency) if conversion is not None else None


def _dcc_answer(conversion: DccOffer | None, cross_border: bool) -> tuple[dict[int, str], dict[str, str]]:
    """What a sale's or refund's 0210 says of its currency: DE 6/10/51 for DCC, and DE 63 XB = Y for a card
    issued abroad (absent: domestic), DM, DP for DCC."""
    tags = {AdditionalTag.CROSS_BORDER: "Y"} if cross_border else {}
    if conversion is None:
        return {}, tags
    return dcc.dcc_fields(conversion), {**tags, **dcc.dcc_tags(conversion)}
