"""The host's ``cup-pos`` money: sale, void, refund and the reversal of a sale or void.

Each handler gets an :class:`~simulator.host.exchange.Exchange` whose MAC verified and returns the
answer; what it journals (the transaction in the host's one model, see
:data:`~simulator.host.protocols.cup.classify.CANONICAL_CODES`, its ledger movements) is committed by the
caller together with the stored answer. The checks are the host's usual ones
(:mod:`simulator.host.cardcheck` for the PIN and the cryptogram, :mod:`simulator.host.antifraud`
for refunds, the refundable remainder, the credit model of :mod:`simulator.host.credits`).

Requests are found again by terminal, voucher number (DE 11) and batch (60.2): the host journals
the batch number where the possim-87 protocol has DE 7 (``transmission_time``), so a reversal
finds its sale or void and a repeated refund finds its stored answer.
"""

from __future__ import annotations

import logging

from emv.masking import mask_pan
from iso8583.message import Message
from protocols.cup.errors import CupFieldError
from protocols.cup.fields import Field61
from protocols.iso87 import ResponseCode, response_mti
from simulator.host import antifraud
from simulator.host.cardcheck import arpc, card_checks
from simulator.host.cards import brand_of
from simulator.host.protocols.cup.answers import answer
from simulator.host.protocols.cup.classify import CANONICAL_CODES, CANONICAL_MTI, CupRequest
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
from simulator.host.journal import Cause, Direction, HostTransaction, Status, iso_time
from simulator.host.services import HostServices

log = logging.getLogger(__name__)

_ZERO_BATCH_OR_VOUCHER = "000000"


class CupMoney:
    """The money-moving handlers of the ``cup-pos`` host (sans I/O, over the host's journal)."""

    def __init__(self, services: HostServices) -> None:
        self.services = services
        self.journal = services.journal

    # -- journal helpers ------------------------------------------------------------------

    def record(
        self, exchange: Exchange, kind: CupRequest, code: str, status: Status, *, canonical: str,
        mti: str = CANONICAL_MTI, amount: int | None = None, rrn: str | None = None, auth: str | None = None,
        original: HostTransaction | None = None, original_rrn: str | None = None, card_of: HostTransaction | None = None,
        credit: tuple[str, str] | None = None, note: str | None = None,
    ) -> int:
        """Journal the request's transaction (the card from ``card_of`` when the request carries none)."""
        request, profile, pan = exchange.request, exchange.terminal, exchange.pan
        assert profile is not None
        if pan is not None:
            masked, fingerprint = mask_pan(pan), self.services.keyring.fingerprint(pan)
        elif card_of is not None:
            masked, fingerprint = card_of.masked_pan, card_of.card_fingerprint
        else:
            masked = fingerprint = None
        return self.journal.insert_transaction(HostTransaction(
            time=iso_time(exchange.now), terminal_id=profile.terminal_id, stan=field_text(request, 11) or "",
            transmission_time=kind.batch, local_date=exchange.now.strftime("%m%d"), mti=mti,
            processing_code=canonical, amount=amount, currency=field_text(request, 49), masked_pan=masked,
            card_fingerprint=fingerprint, rrn=rrn, auth_code=auth, response_code=code, status=status,
            original_id=original.id if original else None, original_rrn=original_rrn,
            credit_channel=credit[0] if credit else None, credit_date=credit[1] if credit else None,
            invoice=field_text(request, 11), batch=kind.batch,
            note=f"cup-pos {request.mti} 60.1={kind.field60.transaction_type}" + (f"; {note}" if note else ""),
        ))

    @staticmethod
    def _original_message(request: Message) -> Field61 | None:
        value = field_text(request, 61)
        if value is None:
            return None
        try:
            return Field61.decode(value)
        except CupFieldError as exc:
            raise FormatError(str(exc)) from None

    @staticmethod
    def _names_other(original: HostTransaction, named: Field61 | None) -> bool:
        """True when DE 61 names a batch and voucher (not zeros) other than ``original``'s."""
        if named is None or (named.original_batch == _ZERO_BATCH_OR_VOUCHER
                             and named.original_voucher == _ZERO_BATCH_OR_VOUCHER):
            return False
        return (named.original_batch, named.original_voucher) != (original.batch, original.stan)

    # -- sale -----------------------------------------------------------------------------

    def sale(self, exchange: Exchange, kind: CupRequest) -> Message:
        """0200 / 000000 / 22: PIN and cryptogram checks, then a debit."""
        request, now = exchange.request, exchange.now
        amount = request_amount(request)
        if exchange.pan is None:
            raise FormatError("no PAN (DE 2) or track 2 data (DE 35)")
        check = card_checks(self.services.cards, exchange, exchange.pan)
        if check.code is not None:
            self.record(exchange, kind, check.code, Status.DECLINED, canonical=CANONICAL_CODES["sale"], amount=amount)
            return answer(request, check.code, now, arpc(check, exchange.pan, request, approved=False))
        rrn, auth = self.journal.next_rrn(), auth_code()
        txn = self.record(exchange, kind, ResponseCode.APPROVED, Status.APPROVED, canonical=CANONICAL_CODES["sale"],
                          amount=amount, rrn=rrn, auth=auth)
        self.services.ledger.move(exchange, txn, Direction.DEBIT, Cause.SALE, amount)
        return answer(request, ResponseCode.APPROVED, now,
                      {37: rrn, 38: auth, **arpc(check, exchange.pan, request, approved=True)})

    # -- void -----------------------------------------------------------------------------

    def void(self, exchange: Exchange, kind: CupRequest) -> Message:
        """0200 / 200000 / 23: the void of an approved, unrefunded sale of the same batch, for its full amount."""
        request, now, profile = exchange.request, exchange.now, exchange.terminal
        assert profile is not None
        rrn = require_field(request, 37)
        amount = request_amount(request)
        named = self._original_message(request)
        original = self.journal.find_by_rrn(profile.terminal_id, rrn)

        def decline(code: str, note: str | None = None) -> Message:
            if note:
                log.info("void %s of %s refused with %s: %s", field_text(request, 11), profile.terminal_id, code, note)
            self.record(exchange, kind, code, Status.DECLINED, canonical=CANONICAL_CODES["void"], amount=amount,
                        original=original, original_rrn=rrn, card_of=original, note=note)
            return answer(request, code, now)

        if original is None or self._names_other(original, named):
            return decline(ResponseCode.ORIGINAL_NOT_FOUND)
        assert original.id is not None
        if (original.mti != CANONICAL_MTI or original.processing_code != CANONICAL_CODES["sale"]
                or original.status is not Status.APPROVED):
            return decline(ResponseCode.INVALID_TRANSACTION, f"the original is a {original.status.value} "
                                                             f"{original.processing_code}")
        if original.batch != kind.batch:
            return decline(ResponseCode.INVALID_TRANSACTION, f"the sale is in batch {original.batch}, not the open "
                                                             f"batch {kind.batch}: refund it instead")
        if amount != original.amount:
            return decline(ResponseCode.INVALID_AMOUNT, "a void is for the sale's full amount")
        plan = self.services.transitions.void(original)
        if isinstance(plan, Breach):
            return decline(ResponseCode.INVALID_TRANSACTION, plan.value)
        void_rrn, auth = self.journal.next_rrn(), auth_code()
        txn = self.record(exchange, kind, ResponseCode.APPROVED, Status.APPROVED, canonical=CANONICAL_CODES["void"],
                          amount=amount, rrn=void_rrn, auth=auth, original=original, original_rrn=rrn,
                          card_of=original)
        self.services.transitions.apply(exchange, plan, txn, Cause.VOID)
        return answer(request, ResponseCode.APPROVED, now, {37: void_rrn, 38: auth})

    # -- refund ---------------------------------------------------------------------------

    def refund(self, exchange: Exchange, kind: CupRequest) -> Message:
        """0220 / 200000 / 25: a matched refund (DE 37 the sale's RRN, DE 61 its batch, voucher, date) or, where
        the terminal may, an unmatched one; one credit. Without card data (a repeat rebuilt after the terminal
        restarted) the credit goes to the original sale's card."""
        request, now, profile = exchange.request, exchange.now, exchange.terminal
        assert profile is not None
        amount = request_amount(request)
        named = self._original_message(request)
        original_rrn = field_text(request, 37)
        pan = exchange.pan
        today = self.services.business_date(now)
        original: HostTransaction | None = None

        def decline(code: str, note: str | None = None) -> Message:
            if note:
                log.info("refund %s of %s refused with %s: %s", field_text(request, 11), profile.terminal_id, code,
                         note)
            self.record(exchange, kind, code, Status.DECLINED, canonical=CANONICAL_CODES["refund"], amount=amount,
                        original=original, original_rrn=original_rrn, card_of=original, note=note)
            return answer(request, code, now)

        if original_rrn is not None:
            original = self.journal.find_by_rrn(profile.terminal_id, original_rrn)
            date = named.original_date if named is not None else None
            if original is None or self._names_other(original, named) or (
                    date not in (None, "0000") and original.local_date != date):
                original = None
                return decline(ResponseCode.ORIGINAL_NOT_FOUND)
            assert original.id is not None and original.amount is not None
            if (original.mti != CANONICAL_MTI or original.processing_code != CANONICAL_CODES["sale"]
                    or original.status is not Status.APPROVED):
                return decline(ResponseCode.INVALID_TRANSACTION)
            fingerprint = self.services.keyring.fingerprint(pan) if pan else original.card_fingerprint
            refusal = antifraud.check_against_original(original, currency=field_text(request, 49),
                                                       fingerprint=fingerprint,
                                                       policy=self.services.config.refund_policy, today=today)
            if refusal is not None:
                return decline(refusal.code, refusal.rule)
            breach = self.services.transitions.refund(original, amount)
            if breach is not None:
                return decline(ResponseCode.INVALID_AMOUNT, breach.value)
        elif not profile.allow_unmatched_refunds:
            return decline(ResponseCode.NOT_PERMITTED, "unmatched refunds are not allowed for this terminal")
        elif pan is None:
            return decline(ResponseCode.INVALID_CARD, "no card data and no original sale to credit")
        else:
            fingerprint = self.services.keyring.fingerprint(pan)
        refusal = antifraud.check_velocity(self.journal, terminal_id=profile.terminal_id, fingerprint=fingerprint,
                                           amount=amount, policy=self.services.config.refund_policy, now=now)
        if refusal is not None:
            return decline(refusal.code, refusal.rule)
        if pan is not None:
            check = card_checks(self.services.cards, exchange, pan)
            if check.code is not None:
                return decline(check.code)
        brand = self.services.cards.brand(pan) if pan else _brand_of_masked(original)
        channel, credit_date = self.services.config.credit.credit_for(brand, today)
        rrn, auth = self.journal.next_rrn(), auth_code()
        txn = self.record(exchange, kind, ResponseCode.APPROVED, Status.APPROVED, canonical=CANONICAL_CODES["refund"],
                          amount=amount, rrn=rrn, auth=auth, original=original, original_rrn=original_rrn,
                          card_of=original, credit=(channel.value, credit_date.strftime("%Y%m%d")))
        self.services.ledger.move(exchange, txn, Direction.CREDIT, Cause.REFUND, amount)
        return answer(request, ResponseCode.APPROVED, now, {37: rrn, 38: auth})

    # -- reversal -------------------------------------------------------------------------

    def reversal(self, exchange: Exchange, kind: CupRequest) -> Message:
        """0400 of a sale or void (its voucher, batch and 60.1): undone once; acknowledged with 00 either way.

        A reversal that arrives before its original marks the original's voucher so that it is
        refused (94) if it comes; a reversal of a void puts the voided sale back.
        """
        request, now, profile = exchange.request, exchange.now, exchange.terminal
        assert profile is not None and kind.row is not None
        stan = require_field(request, 11)
        amount = request_amount(request) if 4 in request else None
        canonical = CANONICAL_CODES[kind.row.name]
        original = self.journal.find_by_request(profile.terminal_id, CANONICAL_MTI, stan, kind.batch)
        if original is not None and original.processing_code != canonical:
            original = None
        plan = self.services.transitions.reverse(original) if original is not None else None
        if isinstance(plan, Breach):
            log.warning("reversal of %s %s (batch %s) from %s refused: %s", kind.row.name, stan, kind.batch,
                        profile.terminal_id, plan.value)
            self.record(exchange, kind, ResponseCode.INVALID_TRANSACTION, Status.DECLINED, canonical=canonical,
                        mti="0400", amount=amount, original=original, original_rrn=original.rrn if original else None,
                        card_of=original, note=plan.value)
            return answer(request, ResponseCode.INVALID_TRANSACTION, now)
        txn = self.record(exchange, kind, ResponseCode.APPROVED, Status.APPROVED, canonical=canonical, mti="0400",
                          amount=amount, original=original, original_rrn=original.rrn if original else None,
                          card_of=original)
        if original is None:
            log.info("reversal of unknown %s %s (batch %s) from %s acknowledged", kind.row.name, stan, kind.batch,
                     profile.terminal_id)
            self.journal.store_response(
                terminal_id=profile.terminal_id, stan=stan, transmission_time=kind.batch,
                mti_class=response_mti(kind.row.mti), request_digest=REVERSED_BEFORE_ARRIVAL, response=b"",
                time=now,
            )
        else:
            assert plan is not None
            if plan.note:
                log.info("reversal of %s %s acknowledged: %s", kind.row.name, stan, plan.note)
            self.services.transitions.apply(exchange, plan, txn, Cause.REVERSAL)
        return answer(request, ResponseCode.APPROVED, now)


def _brand_of_masked(original: HostTransaction | None) -> str | None:
    """The brand a masked PAN's first six digits suggest (the card of a sale, when the refund carries none)."""
    if original is None or not original.masked_pan:
        return None
    return brand_of(original.masked_pan[:6])
