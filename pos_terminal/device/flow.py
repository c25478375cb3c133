"""What every menu function of the device has in common, and the notice screen that ends them.

A :class:`Flow` is one function in progress (a sale, a refund...). It renders the
display rows for its current step and reacts to keys and cards; it reaches the
engine, the beeper, the printer and the other screens through the device model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import TYPE_CHECKING

from emv.cards import EntryMode
from pos_terminal.state.cards import PresentedCard
from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.events import Key
from pos_terminal.device.screen import pages
from pos_terminal.device.status import Beep
from pos_terminal.output.ereceipt import EReceiptError, OutboxLinked

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices

__all__ = ["Flow", "NoticeFlow", "NoticeStep", "ResultFlow", "ResultStep"]


class Flow(ABC):
    """One function in progress; the device model owns it until it ends."""

    def __init__(self, device: DeviceServices) -> None:
        self.device = device

    @property
    @abstractmethod
    def step(self) -> StrEnum:
        """The current step, e.g. ``refund.amount`` (what the UI and the tests can ask)."""

    @abstractmethod
    def render(self) -> list[str]:
        """The display rows of the current step (the device model fits them to the LCD)."""

    @abstractmethod
    async def on_key(self, key: Key) -> None:
        """React to a key other than CANCEL (the device model handles CANCEL)."""

    async def on_card(self, card: PresentedCard) -> None:
        """A card at a step that does not want one."""
        self.device.beep(Beep.ERROR)

    async def on_card_removed(self) -> None:
        """The card left the reader; most steps do not care."""

    def abandon_if_chip_pulled(self, at_pin_entry: bool, card: PresentedCard | None, title: str) -> None:
        """Pulling an inserted chip card out while the PIN is asked abandons the transaction
        (a tapped card has already left the field; a swiped or keyed card was never held)."""
        if at_pin_entry and card is not None and card.entry is EntryMode.CHIP:
            self.device.finish([title, "CARD REMOVED", "CANCELLED"], Beep.FAILURE)

    @property
    def hint(self) -> str:
        """Which keys do what on the current step, shown under the display: at most 3 lines of
        :data:`~pos_terminal.device.screen.HINT_WIDTH` characters, separated by newlines."""
        return "CANCEL BACK"

    def wipe(self) -> None:
        """Drop every secret and card the flow holds; called whenever the flow ends."""

    def type_into(self, entry: DigitEntry, key: Key) -> None:
        """Apply a digit or CLEAR to ``entry``; beep on any key it refuses."""
        if not entry.press(key):
            self.device.beep(Beep.ERROR)


class NoticeStep(StrEnum):
    NOTICE = "notice"


class NoticeFlow(Flow):
    """A message (a result, a refusal, a lockout) shown until any key is pressed.

    A message longer than the display is never cut: it is wrapped onto further screens, and ENTER
    shows the next one (:func:`~pos_terminal.device.screen.pages`).
    """

    def __init__(self, device: DeviceServices, rows: list[str]) -> None:
        super().__init__(device)
        self.rows = rows
        self.pages = pages(rows)
        self.page = 0

    @property
    def step(self) -> NoticeStep:
        return NoticeStep.NOTICE

    def render(self) -> list[str]:
        return self.pages[self.page]

    @property
    def hint(self) -> str:
        if self.page < len(self.pages) - 1:
            return f"ENTER MORE ({self.page + 1}/{len(self.pages)})\nANY OTHER KEY: DONE"
        return "ANY KEY: DONE"

    async def on_key(self, key: Key) -> None:
        if key is Key.ENTER and self.page < len(self.pages) - 1:
            self.page += 1
        else:
            self.device.go_idle()


class ResultStep(StrEnum):
    RESULT = "result"
    PHONE = "result.phone"


PHONE_DIGITS = 15


class ResultFlow(Flow):
    """A transaction's result; F2 asks for the cardholder's phone number and sends an e-receipt."""

    def __init__(self, device: DeviceServices, rows: list[str], transaction_id: int) -> None:
        super().__init__(device)
        self.rows = rows
        self.transaction_id = transaction_id
        self.phone = DigitEntry(PHONE_DIGITS)
        self._step = ResultStep.RESULT

    @property
    def step(self) -> ResultStep:
        return self._step

    def render(self) -> list[str]:
        if self._step is ResultStep.PHONE:
            return ["E-RECEIPT", "CUSTOMER PHONE", self.phone.digits.rjust(21), ""]
        return self.rows

    @property
    def hint(self) -> str:
        if self._step is ResultStep.PHONE:
            return "CUSTOMER'S PHONE, THEN ENTER: SEND\nCLEAR DELETE  CANCEL BACK"
        if self.device.engine.receipts() is None:
            return "ANY KEY: DONE"
        return "F2 E-RECEIPT TO A PHONE\nANY OTHER KEY: DONE"

    async def on_key(self, key: Key) -> None:
        if self._step is ResultStep.RESULT:
            if key is Key.F2 and self.device.engine.receipts() is not None:
                self._step = ResultStep.PHONE
            else:
                self.device.go_idle()
            return
        if key is not Key.ENTER:
            self.type_into(self.phone, key)
            return
        self._send()

    def _send(self) -> None:
        archive = self.device.engine.receipts()
        assert archive is not None
        number = self.phone.digits
        try:
            archive.send(self.device.journal.get(self.transaction_id), number, "phone")
        except OutboxLinked:
            self.device.finish(["E-RECEIPT", "NOT SENT", "OUTBOX IS A LINK", ""], Beep.FAILURE)
            return
        except EReceiptError:
            self.device.beep(Beep.ERROR)
            return
        except OSError:
            self.device.finish(["E-RECEIPT", "NOT SENT", "OUTBOX NOT WRITABLE", ""], Beep.FAILURE)
            return
        self.device.finish(["E-RECEIPT", "SENT TO", number.rjust(21), ""], Beep.SUCCESS)
