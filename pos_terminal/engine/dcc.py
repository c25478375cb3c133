"""Dynamic currency conversion at the sale: ask the host for a rate, offer it, let the cardholder choose.

docs/protocol.md, "Dynamic currency conversion". Before a sale with a card billed in another currency than
the sale's (the chip's Application Currency Code '9F42'), a terminal with ``dcc = true`` sends a rate
inquiry (0600 / 910000). An offer (0610/00: DE 6, DE 10, DE 51) is shown to the cardholder, who pays in
the card's currency (the sale then carries the offer) or in the merchant's (a plain sale). No offer
(the card is not eligible: 57; any other code; no answer in time; a garbled answer) and the sale goes
on without DCC, as real terminals do. The inquiry moves no money and journals no transaction (only its
messages): a terminal killed between the inquiry and the sale has nothing to undo.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_terminal.engine.core import CommunicationFailure, EngineCore
from pos_terminal.state.cards import PresentedCard
from protocols.dcc import DccOffer
from protocols.money import currency as currency_info

__all__ = ["DccMixin", "RateInquiry"]


@dataclass(frozen=True)
class RateInquiry:
    """What came of asking for a rate: an ``offer`` to show, or why there is none (``reason``)."""

    offer: DccOffer | None
    reason: str
    response_code: str | None = None
    asked: bool = False
    """Whether a rate inquiry went out (False: DCC does not apply to this card, sale or terminal)."""

    def to_json(self) -> dict[str, object]:
        return {"offered": self.offer is not None, "reason": self.reason, "response_code": self.response_code,
                **({"offer": {**self.offer.to_json(), "rate_date": self.offer.rate_date}} if self.offer else {})}


class DccMixin(EngineCore):
    """The DCC rate inquiry."""

    def dcc_applies(self, card: PresentedCard, currency: str) -> str | None:
        """None when a sale in ``currency`` with ``card`` should be offered DCC; else why not."""
        if not self.config.dcc:
            return "dcc is off in terminal.toml"
        if not self.profile.supports_dcc:
            return f"the {self.profile.name} profile has no dynamic currency conversion"
        if card.billing_currency == currency:
            return f"the card is billed in {currency_info(currency).alpha}, the sale's currency"
        return None

    async def rate_inquiry(self, card: PresentedCard, amount: int, currency: str | None = None) -> RateInquiry:
        """Ask the host what a sale of ``amount`` (minor units of ``currency``, default the terminal's) would be
        in ``card``'s billing currency. Never raises for the host's answer or its absence: the sale goes on."""
        currency = currency or self.config.currency
        why = self.dcc_applies(card, currency)
        if why is not None:
            return RateInquiry(None, why)
        try:
            keys = await self.message_keys()
            request = self.profile.rate_inquiry_request(self.journal.next_stan(), self._clock(), card, amount,
                                                        currency, self.config, keys)
            response = await self._exchange(request, keys, None)
            code = str(response[39])
            if not self.profile.is_approved(code):
                return RateInquiry(None, f"no offer: the host answered {code}", code, asked=True)
            offer = self.profile.read_rate_offer(response)
        except CommunicationFailure as failure:
            return RateInquiry(None, f"no offer: {failure}", asked=True)
        if offer.currency != card.billing_currency:
            return RateInquiry(None, f"no offer: the host quoted {offer.currency}, the card is billed in "
                               f"{card.billing_currency}", code, asked=True)
        return RateInquiry(offer, "offered", code, asked=True)
