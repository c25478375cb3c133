"""The terminal's transaction engine: journal first, then the host, then the journal again.

Every financial request is journaled as PENDING together with its reversal record before a
byte leaves the terminal (design.md section 3). Only a valid response clears the reversal.
A timeout, a dropped line, a garbled response or one whose MAC fails leaves the reversal in
place and the engine sends it at once (0400, then 0401 repeats), and again before the next
online transaction or after a restart, until the host acknowledges it.

What the protocol never reverses (a ``cup-pos`` refund) is journaled PENDING without a reversal
and repeated instead, same STAN and content, until the host answers it (pos_terminal.engine.recovery).
Which is which, and every message, is the protocol profile's (pos_terminal.profiles).

The engine is UI-free: the command line, the scenario runner and the device model drive it.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from emv.terminal import TerminalData, TransactionType, build_field55
from iso8583.message import Message
from keys.errors import CryptoError
from pos_terminal.state.cards import PresentedCard, pass_issuer_authentication
from pos_terminal.engine.settlement import SettlementMixin
from pos_terminal.common.clock import Clock
from pos_terminal.common.failures import CommunicationFailure, HostUnreachable, TerminalRefusal
from pos_terminal.journal.errors import journal_reason
from pos_terminal.journal import JournalError, MoneyRule, card_fingerprint
from pos_terminal.profiles import FinancialContext, NetworkKind
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnType
from pos_terminal.engine.dcc import DccMixin
from pos_terminal.engine.inquiry import InquiryMixin
from pos_terminal.rules.policy import check_refund, check_void_original, find_refund_original
from pos_terminal.engine.recovery import RecoveryMixin
from pos_terminal.rules.supervisor import Grant
from pos_terminal.output.views import transaction_view
from pos_terminal.common.results import Outcome, TxnResult
from pos_terminal.flows import financial, owed
from pos_terminal.flows.financial import NOT_SENT
from protocols.dcc import DccOffer
from protocols.security import MessageKeys, pin_block
from pos_terminal.rules.currency import refund_currency

__all__ = ["Clock", "CommunicationFailure", "HostUnreachable", "RefundRequest", "TerminalEngine", "TerminalRefusal"]


log = logging.getLogger(__name__)


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
    grant: Grant | None = field(default=None, repr=False)
    """The supervisor's approval already given on the device (then no password is checked again)."""
    currency: str | None = None
    """The currency the cashier asked for (ISO 4217 numeric); None: the original sale's (else the terminal's)."""


class TerminalEngine(RecoveryMixin, SettlementMixin, InquiryMixin, DccMixin):
    """One terminal: sign-on and echo, sale, refund and void, reversals, advices and settlement."""

    # ------------------------------------------------------------------ network management

    async def sign_on(self) -> TxnResult:
        """0800 sign-on; with master/session keys, load the session keys the host delivers.

        Once the host answers, reversals left pending (by a crash or a dead line) are sent.
        """
        return await self._then_flush(await self._network(NetworkKind.SIGN_ON, "signon"))

    async def echo(self) -> TxnResult:
        """0800 echo test (CUP: 0820); then, the host being reachable, any pending reversal is sent."""
        return await self._then_flush(await self._network(NetworkKind.ECHO, "echo"))

    async def sign_off(self) -> TxnResult:
        """Sign-off (CUP: 0820, 60.3 = 002): the working keys are dropped, the next transaction signs on.

        REFUSED where the protocol has no sign-off (the possim-87 protocol).
        """
        return await self._network(NetworkKind.SIGN_OFF, "signoff")

    async def _then_flush(self, result: TxnResult) -> TxnResult:
        """After a network exchange succeeded: send what is owed (reversals, repeats, then advices)."""
        if result.outcome is not Outcome.COMPLETED:
            return result
        outcomes = await self.run(owed.flush_when_reachable(self.profile, self.config, self.state))
        return replace(result, reversal=outcomes[-1]) if outcomes else result

    # ------------------------------------------------------------------ financial transactions

    def _fingerprint(self, card: PresentedCard) -> str:
        return card_fingerprint(self._fingerprint_secret, card.pan)

    def matches_original(self, card: PresentedCard, original: TransactionRecord) -> bool:
        """True when ``card`` is the card of the journaled ``original`` (keyed fingerprint, not the masked PAN)."""
        return hmac.compare_digest(self._fingerprint(card), original.card_fingerprint)

    def _new_transaction(
        self, kind: TxnType, amount: int, card: PresentedCard | None, processing_code: str,
        *, original: TransactionRecord | None = None, reason: str | None = None, currency: str | None = None,
        dcc: DccOffer | None = None,
    ) -> NewTransaction:
        return NewTransaction(
            txn_type=kind,
            amount=amount,
            currency=currency or self.config.currency,
            dcc=dcc,
            masked_pan=card.masked_pan if card else original.masked_pan if original else "",
            card_fingerprint=self._fingerprint(card) if card else original.card_fingerprint if original else "",
            card_brand=card.brand if card else original.card_brand if original else "",
            entry_mode=card.entry.value if card else original.entry_mode if original else "",
            original_id=original.id if original else None,
            reason_code=reason,
            processing_code=processing_code,
            mti=self.profile.request_mti(kind),
        )

    def _icc_data(self, card: PresentedCard, amount: int, kind: TransactionType, moment: datetime,
                  currency: str | None = None) -> bytes | None:
        """Field 55 from the chip (GENERATE AC); the card's ATC survives between runs in the journal."""
        if card.chip is None:
            return None
        counter = f"atc_{card.name}"
        card.chip.atc = self.journal.get_counter(counter, 0)
        self.journal.defer_counter(counter, card.chip.atc + 1)  # durable before the request leaves (_exchange)
        data = TerminalData(
            amount_authorised=amount, currency=currency or self.config.currency, terminal_country=self.config.country,
            transaction_date=date(moment.year, moment.month, moment.day), transaction_type=kind,
        )
        return build_field55(card.chip, data, kind)

    async def sale(self, card: PresentedCard, amount: int, pin: str | None = None, *, currency: str | None = None,
                   dcc: DccOffer | None = None) -> TxnResult:
        """A purchase, online, with an ARQC from the chip and the PIN when one is given.

        ``currency``: one of the terminal's sale currencies (default: its currency). ``dcc``: the rate offer
        the cardholder accepted (:meth:`rate_inquiry`): the sale carries it (DE 6, DE 10, DE 51).
        """
        currency = currency or self.config.currency
        if currency not in self.config.sale_currencies:
            allowed = ", ".join(self.config.sale_currencies)
            return TxnResult("sale", Outcome.REFUSED, amount=amount, currency=currency, masked_pan=card.masked_pan,
                             error=f"currency {currency} is not one this terminal sells in ({allowed}: terminal.toml "
                                   "currencies)", screen=("CURRENCY NOT", "ACCEPTED HERE"))
        if dcc is not None and (not self.profile.supports_dcc or dcc.currency != card.billing_currency):
            why = self.dcc_applies(card, currency) or f"the offer is in {dcc.currency}, the card is billed in " \
                f"{card.billing_currency}"
            return TxnResult("sale", Outcome.REFUSED, amount=amount, currency=currency, masked_pan=card.masked_pan,
                             error=f"no DCC: {why}", screen=("NO DCC", "FOR THIS CARD"))
        code = self.profile.processing_code(TxnType.SALE, None)
        return await self._financial(
            "sale", self._new_transaction(TxnType.SALE, amount, card, code, currency=currency, dcc=dcc), card,
            pin=pin, icc_kind=TransactionType.PURCHASE,
        )

    async def refund(self, request: RefundRequest) -> TxnResult:
        """A matched (or, where configured, unmatched) refund: every terminal-side rule, then online."""
        card = request.card
        try:
            await self._authorise("refund", request.supervisor_password, request.grant)
            original = find_refund_original(self.journal, self.config, invoice=request.original_invoice,
                                            rrn=request.original_rrn, local_date=request.original_date)
            check_refund(self.journal, self.config, amount=request.amount, card_fingerprint=self._fingerprint(card),
                         matches=lambda sale: self.matches_original(card, sale), original=original,
                         has_pin=bool(request.pin), now=self._clock())
            currency, dcc = refund_currency(self.journal, self.config.currency, original, request.amount,
                                            request.currency)
        except TerminalRefusal as refusal:
            return TxnResult("refund", Outcome.REFUSED, amount=request.amount,
                             currency=request.currency or self.config.currency, masked_pan=card.masked_pan,
                             error=str(refusal), screen=refusal.screen)
        new = self._new_transaction(TxnType.REFUND, request.amount, card,
                                    self.profile.processing_code(TxnType.REFUND, original), reason=request.reason,
                                    currency=currency, dcc=dcc)
        if original is not None:
            new = replace(new, original_id=original.id)
        elif request.original_rrn:
            new = replace(new, original_rrn=request.original_rrn, original_date=request.original_date)
        return await self._financial("refund", new, card, pin=request.pin, icc_kind=TransactionType.REFUND,
                                     original=original, original_rrn=request.original_rrn,
                                     original_date=request.original_date, reason=request.reason)

    async def void(self, invoice: int, supervisor_password: str = "", *, grant: Grant | None = None) -> TxnResult:
        """Cancel a sale or a refund of the open batch, by its invoice number, for its full amount."""
        try:
            await self._authorise("void", supervisor_password, grant)
            original = check_void_original(self.journal, invoice)
            code = self.profile.processing_code(TxnType.VOID, original)
        except TerminalRefusal as refusal:
            return TxnResult("void", Outcome.REFUSED, invoice=invoice, error=str(refusal), screen=refusal.screen)
        new = self._new_transaction(TxnType.VOID, original.amount, None, code, original=original,
                                    currency=original.currency, dcc=original.dcc)
        return await self._financial("void", new, None, original=original)

    async def unlock(self, admin_password: str) -> TxnResult:
        """The merchant admin lifts the supervisor lockout (exit 1 for a wrong or locked admin password)."""
        verdict = await self.supervisor.unlock(admin_password)
        if verdict.unlocked:
            return TxnResult("unlock", Outcome.COMPLETED, response_code="00")
        return TxnResult("unlock", Outcome.REFUSED, error=verdict.refusal())

    async def _financial(
        self, operation: str, new: NewTransaction, card: PresentedCard | None, *,
        pin: str | None = None, icc_kind: TransactionType | None = None, original: TransactionRecord | None = None,
        original_rrn: str | None = None, original_date: str | None = None, reason: str | None = None,
    ) -> TxnResult:
        """Flush what is owed, journal, send, and journal the outcome (or reverse, or repeat): the flow of
        :mod:`pos_terminal.flows.financial`, run on the journal, with the terminal's own refusals around it."""
        base = {"amount": new.amount, "currency": new.currency, "masked_pan": new.masked_pan or None}
        try:  # the journal's money rules (remainder, pending refunds, refunds of a sale to void): refuse early
            self.journal.check_original(new)
        except JournalError as refusal:
            return TxnResult(operation, Outcome.REFUSED, error=journal_reason(refusal),
                             screen=_JOURNAL_SCREENS.get(refusal.rule, ()) if refusal.rule else (), **base)
        try:
            prepared = await self.run(financial.prepare(self.profile, self.config, self.state))
        except HostUnreachable as failure:
            return self._complete_offline(operation, new, failure, base)
        except CommunicationFailure as failure:
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, error=str(failure), **base)
        try:  # a malformed PIN is refused here, before anything is journaled or sent
            block = pin_block(prepared.keys, pin, card.pan) if pin and card else None
            record = self.state.begin(new, reversible=self.profile.reverses(new.txn_type))
        except (CryptoError, JournalError) as refusal:  # the PIN, or the journal's money rules
            await self._release(prepared.connection, reusable=True)
            return TxnResult(operation, Outcome.REFUSED, error=journal_reason(refusal), **base)

        def build(record: TransactionRecord, keys: MessageKeys) -> Message:
            icc = self._icc_data(card, new.amount, icc_kind, record.transmitted_at, new.currency) \
                if card and icc_kind is not None else None
            return self.profile.financial_request(FinancialContext(
                record, self.config, card, keys, block, icc, original, original_rrn, original_date, reason))

        end = await self.run(financial.send(self.profile, self.config, self.state, record, build, prepared))
        ids = {"stan": record.stan, "invoice": record.invoice, "transaction_id": record.id}
        if isinstance(end, financial.Answered):
            return self._complete(operation, end, card, base)
        if isinstance(end, financial.Reversed):
            return TxnResult(operation, Outcome.COMMUNICATION_FAILED, reversal=end.reversal, error=str(end.failure),
                             **ids, **base)
        if isinstance(end, financial.NotSent):
            return TxnResult(operation, Outcome.REFUSED, response_code=NOT_SENT, error=f"not sent: {end.failure}",
                             **ids, **base)
        return TxnResult(operation, Outcome.COMMUNICATION_FAILED, error=(
            f"{end.failure}; the {operation} is owed to the host: it is repeated (STAN {record.stan:06d}) before the "
            "next transaction until the host answers"), **ids, **base)

    def _complete(
        self, operation: str, end: financial.Answered, card: PresentedCard | None, base: dict
    ) -> TxnResult:
        """The host answered: the issuer's data to the chip, the receipt filed, the result."""
        completed, answer = end.record, end.answer
        pass_issuer_authentication(card, end.response.get(55))
        view = transaction_view(self.journal, completed)
        return self._file_receipt(TxnResult(
            operation, Outcome.COMPLETED, response_code=answer.response_code, stan=completed.stan, rrn=completed.rrn,
            invoice=completed.invoice, transaction_id=completed.id, auth_code=completed.auth_code,
            host_data=answer.host_data, original=view.original_json(), host_approved=end.approved,
            dcc=completed.dcc.to_json() if completed.dcc is not None else None,
            cross_border=completed.host_data.get("cross_border") == "Y", **base))


_JOURNAL_SCREENS: dict[MoneyRule, tuple[str, ...]] = {
    MoneyRule.SALE_HAS_REFUNDS: ("SALE HAS REFUNDS", "VOID THEM FIRST"),
    MoneyRule.OVER_REMAINDER: ("OVER THE REMAINDER", "CHECK THE AMOUNT"),
    MoneyRule.ORIGINAL_VOIDED: ("ORIGINAL VOIDED", "NOTHING TO DO"),
    MoneyRule.VOID_PENDING: ("A VOID IS PENDING", "TRY AGAIN LATER"),
    MoneyRule.CLOSED_BATCH: ("BATCH CLOSED", "REFUND IT INSTEAD"),
    MoneyRule.CURRENCY: ("OTHER CURRENCY", "NOT ALLOWED"),
}
"""The cashier's words for a refusal by the journal's money rules (by the rule, never by its wording)."""
