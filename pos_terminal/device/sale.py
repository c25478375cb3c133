"""The sale function: amount, card, PIN for chip and contactless, online, result and receipts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pos_terminal.state.cards import PresentedCard
from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.events import Key
from pos_terminal.device.flow import Flow
from pos_terminal.device.prompts import PinPrompt
from pos_terminal.device.screen import pair, right
from pos_terminal.device.status import Beep
from pos_terminal.output.receipt import format_amount
from protocols.dcc import DccOffer, rate_text
from protocols.money import currency

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices

__all__ = ["AMOUNT_DIGITS", "SaleFlow", "SaleStep", "amount_hint"]

AMOUNT_DIGITS = 10
TITLE = "SALE"


def amount_hint(currency: str) -> str:
    """How amounts are typed: digits in minor units, e.g. 2500 for USD 25.00."""
    return f"TYPE 2500 FOR {format_amount(2500, currency)}, ENTER\nCLEAR DELETE  CANCEL STOP"


class SaleStep(StrEnum):
    AMOUNT = "sale.amount"
    CARD = "sale.card"
    OFFER = "sale.offer"
    PIN = "sale.pin"


class SaleFlow(Flow):
    """AMOUNT -> CARD -> (OFFER: the DCC offer, when the card is billed in another currency and the terminal has
    ``dcc = true``) -> (PIN, chip and contactless) -> online."""

    def __init__(self, device: DeviceServices) -> None:
        super().__init__(device)
        self._step = SaleStep.AMOUNT
        self.amount = DigitEntry(AMOUNT_DIGITS, amount=True)
        self.card: PresentedCard | None = None
        self.pin: PinPrompt | None = None
        self.offer: DccOffer | None = None
        """The DCC offer on the display (OFFER step), then the one the cardholder accepted (None: declined)."""
        self.choice: str | None = None
        """``accepted`` or ``declined`` once the cardholder chose."""

    @property
    def step(self) -> SaleStep:
        return self._step

    def _money(self) -> str:
        return format_amount(self.amount.value, self.device.config.currency)

    def render(self) -> list[str]:
        if self._step is SaleStep.AMOUNT:
            return [TITLE, "ENTER AMOUNT", "", right(self._money())]
        if self._step is SaleStep.CARD:
            return [TITLE, right(self._money()), "INSERT, TAP, SWIPE", "OR KEY IN CARD"]
        if self._step is SaleStep.OFFER:
            assert self.offer is not None
            merchant, card = currency(self.device.config.currency).alpha, currency(self.offer.currency).alpha
            return ["PAY IN WHICH CURRENCY",
                    pair("1", format_amount(self.offer.amount, self.offer.currency)),
                    pair("2", self._money()),
                    f"1 {merchant}={rate_text(self.offer.rate)} {card}"]
        assert self.pin is not None
        return self.pin.render()

    @property
    def hint(self) -> str:
        if self._step is SaleStep.AMOUNT:
            return amount_hint(self.device.config.currency)
        if self._step is SaleStep.CARD:
            return "CARD: INSERT, TAP, SWIPE OR KEY IN\nCANCEL STOP"
        if self._step is SaleStep.OFFER:
            assert self.offer is not None
            card = currency(self.offer.currency).alpha
            return (f"1 PAY IN {card}  2 PAY IN {currency(self.device.config.currency).alpha}\n"
                    f"MARKUP {self.offer.markup_percent}% OVER REF RATE\n"
                    f"BY {self.offer.provider}  CANCEL STOP")
        assert self.pin is not None
        return self.pin.hint

    async def on_key(self, key: Key) -> None:
        if self._step is SaleStep.AMOUNT:
            if key is not Key.ENTER:
                self.type_into(self.amount, key)
            elif self.amount.value <= 0:
                self.device.beep(Beep.ERROR)
            else:
                self._step = SaleStep.CARD
        elif self._step is SaleStep.PIN:
            assert self.pin is not None
            pin = self.pin.on_key(key)
            if pin is not None:
                await self._go_online(pin)
        elif self._step is SaleStep.OFFER and key in (Key.D1, Key.D2):
            self.choice = "accepted" if key is Key.D1 else "declined"
            if key is Key.D2:
                self.offer = None
            await self._after_offer()
        else:
            self.device.beep(Beep.ERROR)

    async def on_card(self, card: PresentedCard) -> None:
        if self._step is not SaleStep.CARD:
            self.device.beep(Beep.ERROR)
            return
        self.card = card
        if self.device.engine.dcc_applies(card, self.device.config.currency) is None:
            inquiry = await self.device.engine.rate_inquiry(card, self.amount.value)
            if inquiry.offer is not None:  # no offer (declined, timed out): the sale goes on in our currency
                self.offer = inquiry.offer
                self._step = SaleStep.OFFER
                return
        await self._after_offer()

    async def _after_offer(self) -> None:
        assert self.card is not None
        if self.card.reads_chip:
            shown = format_amount(self.offer.amount, self.offer.currency) if self.offer else self._money()
            self.pin = PinPrompt(self, TITLE, shown)
            self._step = SaleStep.PIN
        else:
            await self._go_online(None)

    async def on_card_removed(self) -> None:
        self.abandon_if_chip_pulled(self._step is SaleStep.PIN, self.card, TITLE)

    async def _go_online(self, pin: str | None) -> None:
        card, amount, offer = self.card, self.amount.value, self.offer
        assert card is not None
        result = await self.device.online(TITLE, lambda: self.device.engine.sale(card, amount, pin, dcc=offer))
        self.device.conclude(TITLE, result)

    def wipe(self) -> None:
        self.card = None
        if self.pin is not None:
            self.pin.wipe()
