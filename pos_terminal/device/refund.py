"""The refund function: supervisor password, the original, amount within the remainder, reason, card, PIN.

Every terminal-side rule the engine enforces is checked here first, at the step
where the cashier can still correct it (an amount over the remainder is refused
at the amount step, before any card is asked for); the engine checks again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pos_terminal.state.cards import PresentedCard
from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.events import Key
from pos_terminal.device.flow import Flow
from pos_terminal.device.prompts import PasswordPrompt, PinPrompt
from pos_terminal.device.sale import AMOUNT_DIGITS, amount_hint
from pos_terminal.device.screen import pair, right
from pos_terminal.device.status import Beep
from pos_terminal.engine.terminal import RefundRequest
from pos_terminal.journal import JournalError
from protocols.possim87.additional_data import REFUND_REASONS
from pos_terminal.output.receipt import format_amount
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from pos_terminal.rules.supervisor import Grant

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices

__all__ = ["REFUND_REASONS", "RefundFlow", "RefundStep"]

TITLE = "REFUND"
RRN_DIGITS = 12
INVOICE_DIGITS = 6
REASON_DIGITS = 2
REASON_HINT = ("01 RETURNED  02 CANCELLED  03 DAMAGED\n04 PRICE ADJ.  05 DUPLICATE  99 OTHER\n"
               "ENTER OK  CLEAR DELETE  CANCEL STOP")
"""The reason codes of :data:`REFUND_REASONS`, shortened to fit under the display."""


class RefundStep(StrEnum):
    PASSWORD = "refund.password"
    METHOD = "refund.method"
    RRN = "refund.rrn"
    DATE = "refund.date"
    INVOICE = "refund.invoice"
    ORIGINAL = "refund.original"
    AMOUNT = "refund.amount"
    REASON = "refund.reason"
    CARD = "refund.card"
    PIN = "refund.pin"


def _valid_mmdd(text: str) -> bool:
    return len(text) == 4 and 1 <= int(text[:2]) <= 12 and 1 <= int(text[2:]) <= 31


class RefundFlow(Flow):
    """PASSWORD -> METHOD -> (RRN -> DATE | INVOICE) -> ORIGINAL -> AMOUNT -> REASON -> CARD -> (PIN) -> online.

    An RRN not in the journal goes straight to AMOUNT (limited by the terminal's
    refund limit) when unmatched refunds are configured, and is refused otherwise.
    """

    def __init__(self, device: DeviceServices) -> None:
        super().__init__(device)
        self._step = RefundStep.PASSWORD
        self.password_prompt = PasswordPrompt(self, TITLE, "refund")
        self._grant: Grant | None = None
        self.rrn = DigitEntry(RRN_DIGITS)
        self.date = DigitEntry(4)
        self.invoice = DigitEntry(INVOICE_DIGITS)
        self.amount = DigitEntry(AMOUNT_DIGITS, amount=True)
        self.reason = DigitEntry(REASON_DIGITS)
        self.original: TransactionRecord | None = None
        self.remaining = 0
        self.card: PresentedCard | None = None
        self.pin: PinPrompt | None = None
        self.message = ""

    @property
    def step(self) -> RefundStep:
        return self._step

    # ------------------------------------------------------------------ display

    def _money(self, amount: int) -> str:
        return format_amount(amount, self.device.config.currency)

    @property
    def limit(self) -> int:
        """The most this refund may be: the original's remainder and the terminal's limit."""
        return min(self.remaining, self.device.config.max_refund_amount)

    def render(self) -> list[str]:
        step = self._step
        if step is RefundStep.PASSWORD:
            return self.password_prompt.render()
        if step is RefundStep.METHOD:
            return [TITLE, "ORIGINAL BY:", "F1 RRN", "F2 INVOICE"]
        if step is RefundStep.RRN:
            return [TITLE, "ORIGINAL RRN", right(self.rrn.digits), self.message]
        if step is RefundStep.DATE:
            return [TITLE, "ORIGINAL DATE MMDD", right(self.date.digits), self.message]
        if step is RefundStep.INVOICE:
            return [TITLE, "ORIGINAL INVOICE", right(self.invoice.digits), self.message]
        if step is RefundStep.ORIGINAL:
            original = self.original
            assert original is not None
            return [
                f"{original.txn_type.upper()} INV {original.invoice:06d}",
                original.masked_pan,
                pair("AMOUNT", self._money(original.amount)),
                pair("LEFT", self._money(self.remaining)),
            ]
        if step is RefundStep.AMOUNT:
            return ["REFUND AMOUNT", pair("MAX", self._money(self.limit)), self.message,
                    right(self._money(self.amount.value))]
        if step is RefundStep.REASON:
            return [TITLE, "REASON CODE", right(self.reason.digits),
                    REFUND_REASONS.get(self.reason.digits, self.message)]
        if step is RefundStep.CARD:
            return [TITLE, right(self._money(self.amount.value)), "PRESENT ORIGINAL CARD", self.message]
        assert self.pin is not None
        return self.pin.render()

    @property
    def hint(self) -> str:
        step = self._step
        edit = "CLEAR DELETE  CANCEL STOP"
        hints = {
            RefundStep.METHOD: "F1 BY RRN AND DATE (ON THE RECEIPT)\nF2 BY INVOICE  CANCEL STOP",
            RefundStep.RRN: f"THE SALE'S 12-DIGIT RRN, ENTER\n{edit}",
            RefundStep.DATE: f"THE SALE'S DATE: MMDD, ENTER\n{edit}",
            RefundStep.INVOICE: f"THE SALE'S INVOICE NUMBER, ENTER\n{edit}",
            RefundStep.ORIGINAL: "ENTER OK: REFUND THIS SALE\nCANCEL STOP",
            RefundStep.AMOUNT: amount_hint(self.device.config.currency).replace("\n", "\nAT MOST THE MAX SHOWN\n"),
            RefundStep.REASON: REASON_HINT,
            RefundStep.CARD: "THE SALE'S CARD: INSERT, TAP, SWIPE\nOR KEY IN  CANCEL STOP",
        }
        if step is RefundStep.PASSWORD:
            return self.password_prompt.hint
        if step is RefundStep.PIN:
            assert self.pin is not None
            return self.pin.hint
        return hints[step]

    # ------------------------------------------------------------------ keys

    async def on_key(self, key: Key) -> None:
        step = self._step
        if step is RefundStep.PASSWORD:
            grant = await self.password_prompt.on_key(key)
            if grant is not None:
                self._grant = grant
                self._step = RefundStep.METHOD
        elif step is RefundStep.METHOD:
            self._choose_method(key)
        elif step in (RefundStep.RRN, RefundStep.DATE, RefundStep.INVOICE):
            self._reference_key(key)
        elif step is RefundStep.ORIGINAL:
            self._advance_if(key is Key.ENTER, RefundStep.AMOUNT)
        elif step is RefundStep.AMOUNT:
            self._amount_key(key)
        elif step is RefundStep.REASON:
            if key is not Key.ENTER:
                self.message = ""
                self.type_into(self.reason, key)
            else:
                self._advance_if(len(self.reason) == REASON_DIGITS, RefundStep.CARD, why="2 DIGITS, SEE BELOW")
        elif step is RefundStep.PIN:
            assert self.pin is not None
            pin = self.pin.on_key(key)
            if pin is not None:
                await self._go_online(pin)
        else:
            self.device.beep(Beep.ERROR)

    def _advance_if(self, ok: bool, step: RefundStep, *, why: str = "") -> None:
        """Go to ``step`` if ``ok``; else beep and show ``why`` (what the cashier must fix)."""
        if ok:
            self.message = ""
            self._step = step
        else:
            self.device.beep(Beep.ERROR)
            self.message = why

    def _choose_method(self, key: Key) -> None:
        if key is Key.F1:
            self._step = RefundStep.RRN
        elif key is Key.F2:
            self._step = RefundStep.INVOICE
        else:
            self.device.beep(Beep.ERROR)

    def _reference_key(self, key: Key) -> None:
        entry = {RefundStep.RRN: self.rrn, RefundStep.DATE: self.date, RefundStep.INVOICE: self.invoice}[self._step]
        if key is not Key.ENTER:
            self.message = ""
            self.type_into(entry, key)
        elif self._step is RefundStep.RRN:
            self._advance_if(len(self.rrn) == RRN_DIGITS, RefundStep.DATE,
                             why=f"{RRN_DIGITS} DIGITS, NOT {len(self.rrn)}")
        elif self._step is RefundStep.DATE:
            if _valid_mmdd(self.date.digits):
                self._look_up()
            else:
                self.device.beep(Beep.ERROR)
                self.message = "DATE IS MMDD"
        elif self.invoice.value > 0:
            self._look_up()
        else:
            self.device.beep(Beep.ERROR)
            self.message = "TYPE THE INVOICE"

    def _look_up(self) -> None:
        """Find the original in the journal and decide where the flow goes."""
        journal = self.device.journal
        by_rrn = self._step is RefundStep.DATE
        try:
            original = (journal.find_by_rrn(self.rrn.digits, self.date.digits) if by_rrn
                        else journal.find_by_invoice(self.invoice.value))
        except JournalError:
            self._refuse_reference("SEVERAL MATCH: BY RRN" if not by_rrn else "SEVERAL MATCH")
            return
        if original is None:
            if by_rrn and self.device.config.allow_unmatched_refunds:
                self.remaining = self.device.config.max_refund_amount
                self._advance_if(True, RefundStep.AMOUNT)
            else:
                self._refuse_reference("ORIGINAL NOT FOUND")
            return
        if original.txn_type is not TxnType.SALE or original.status is not TxnStatus.APPROVED:
            self.device.finish([TITLE, f"INV {original.invoice:06d}", "NOT AN APPROVED SALE"], Beep.FAILURE)
            return
        if original.is_voided:
            self.device.finish([TITLE, f"INV {original.invoice:06d}", "SALE WAS VOIDED"], Beep.FAILURE)
            return
        self.remaining = journal.refundable_remaining(original.id)
        if self.remaining <= 0:
            self.device.finish([TITLE, f"INV {original.invoice:06d}", "FULLY REFUNDED"], Beep.FAILURE)
            return
        self.original = original
        self._advance_if(True, RefundStep.ORIGINAL)

    def _refuse_reference(self, message: str) -> None:
        """Back to the first reference entry, with the reason shown."""
        self.device.beep(Beep.ERROR)
        for entry in (self.rrn, self.date, self.invoice):
            entry.wipe()
        self._step = RefundStep.RRN if self._step is RefundStep.DATE else RefundStep.INVOICE
        self.message = message

    def _amount_key(self, key: Key) -> None:
        if key is not Key.ENTER:
            self.message = ""
            self.type_into(self.amount, key)
            return
        amount = self.amount.value
        if amount <= 0:
            self._refuse_amount("TYPE THE AMOUNT")
        elif amount > self.remaining:
            self._refuse_amount("OVER REMAINDER")
        elif amount > self.device.config.max_refund_amount:
            self._refuse_amount("OVER REFUND LIMIT")
        else:
            self._advance_if(True, RefundStep.REASON)

    def _refuse_amount(self, message: str) -> None:
        self.device.beep(Beep.ERROR)
        self.amount.wipe()
        self.message = message

    # ------------------------------------------------------------------ card and online

    async def on_card(self, card: PresentedCard) -> None:
        if self._step is not RefundStep.CARD:
            self.device.beep(Beep.ERROR)
            return
        if self.original is not None and card.masked_pan != self.original.masked_pan:
            self.device.beep(Beep.ERROR)
            self.message = "NOT THE ORIGINAL CARD"
            return
        self.card = card
        self.message = ""
        if self.device.config.pin_on_refund:
            self.pin = PinPrompt(self, TITLE, self._money(self.amount.value))
            self._step = RefundStep.PIN
        else:
            await self._go_online(None)

    async def on_card_removed(self) -> None:
        self.abandon_if_chip_pulled(self._step is RefundStep.PIN, self.card, TITLE)

    def _request(self, pin: str | None) -> RefundRequest:
        assert self.card is not None and self._grant is not None
        by_invoice = self.invoice.value > 0
        return RefundRequest(
            card=self.card,
            amount=self.amount.value,
            supervisor_password="",
            grant=self._grant,
            original_rrn=None if by_invoice else self.rrn.digits,
            original_date=None if by_invoice else self.date.digits,
            original_invoice=self.invoice.value if by_invoice else None,
            reason=self.reason.digits,
            pin=pin,
        )

    async def _go_online(self, pin: str | None) -> None:
        request = self._request(pin)
        self._grant = None
        result = await self.device.online(TITLE, lambda: self.device.engine.refund(request))
        self.device.conclude(TITLE, result)

    def wipe(self) -> None:
        self._grant = None
        self.card = None
        self.password_prompt.wipe()
        if self.pin is not None:
            self.pin.wipe()
