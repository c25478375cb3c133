"""The void function: supervisor password, invoice of the open batch, the original shown, ENTER to confirm."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.events import Key
from pos_terminal.device.flow import Flow
from pos_terminal.device.prompts import PasswordPrompt
from pos_terminal.device.refund import INVOICE_DIGITS
from pos_terminal.device.screen import right
from pos_terminal.device.status import Beep
from pos_terminal.journal import JournalError
from pos_terminal.output.receipt import format_amount
from pos_terminal.rules.supervisor import Grant
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices

__all__ = ["VoidFlow", "VoidStep"]

TITLE = "VOID"


class VoidStep(StrEnum):
    PASSWORD = "void.password"
    INVOICE = "void.invoice"
    CONFIRM = "void.confirm"


def _not_voidable(record: TransactionRecord | None) -> str | None:
    """Why ``record`` cannot be voided (None when it can)."""
    if record is None:
        return "NOT IN OPEN BATCH"
    if record.txn_type is TxnType.VOID:
        return "A VOID: NOT VOIDABLE"
    if record.is_voided:
        return "ALREADY VOIDED"
    if record.status is not TxnStatus.APPROVED:
        return f"{record.status.upper()}: NOT VOIDABLE"
    return None


class VoidFlow(Flow):
    """PASSWORD -> INVOICE -> CONFIRM (the original shown) -> online."""

    def __init__(self, device: DeviceServices) -> None:
        super().__init__(device)
        self._step = VoidStep.PASSWORD
        self.password_prompt = PasswordPrompt(self, TITLE, "void")
        self._grant: Grant | None = None
        self.invoice = DigitEntry(INVOICE_DIGITS)
        self.original: TransactionRecord | None = None
        self.message = ""

    @property
    def step(self) -> VoidStep:
        return self._step

    def render(self) -> list[str]:
        if self._step is VoidStep.PASSWORD:
            return self.password_prompt.render()
        if self._step is VoidStep.INVOICE:
            return [TITLE, "INVOICE NUMBER", right(self.invoice.digits), self.message]
        original = self.original
        assert original is not None
        return [
            f"VOID {original.txn_type.upper()} {original.invoice:06d}",
            original.masked_pan,
            right(format_amount(original.amount, original.currency)),
            "ENTER=VOID CANCEL=NO",
        ]

    @property
    def hint(self) -> str:
        if self._step is VoidStep.PASSWORD:
            return self.password_prompt.hint
        if self._step is VoidStep.INVOICE:
            return "INVOICE TO VOID (OPEN BATCH), ENTER\nCLEAR DELETE  CANCEL STOP"
        return "ENTER VOID IT  CANCEL KEEP IT"

    async def on_key(self, key: Key) -> None:
        if self._step is VoidStep.PASSWORD:
            grant = await self.password_prompt.on_key(key)
            if grant is not None:
                self._grant = grant
                self._step = VoidStep.INVOICE
        elif self._step is VoidStep.INVOICE:
            if key is not Key.ENTER:
                self.message = ""
                self.type_into(self.invoice, key)
            elif self.invoice.value <= 0:
                self.device.beep(Beep.ERROR)
            else:
                self._look_up()
        elif key is Key.ENTER:
            await self._go_online()
        else:
            self.device.beep(Beep.ERROR)

    def _look_up(self) -> None:
        journal = self.device.journal
        try:
            record = journal.find_by_invoice(self.invoice.value, batch=journal.current_batch())
        except JournalError:
            record = None
        reason = _not_voidable(record)
        if reason is not None:
            self.device.beep(Beep.ERROR)
            self.invoice.wipe()
            self.message = reason
            return
        self.original = record
        self._step = VoidStep.CONFIRM

    async def _go_online(self) -> None:
        grant, invoice = self._grant, self.invoice.value
        assert grant is not None
        self._grant = None
        result = await self.device.online(TITLE, lambda: self.device.engine.void(invoice, grant=grant))
        self.device.conclude(TITLE, result)

    def wipe(self) -> None:
        self._grant = None
        self.password_prompt.wipe()
