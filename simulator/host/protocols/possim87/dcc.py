"""possim-87 dynamic currency conversion on the host: the rate inquiry, and DCC on sales and refunds.

docs/protocol.md, "Dynamic currency conversion":

* **Rate inquiry** (0600, DE 3 = 910000): DE 2 the PAN, DE 4 the amount in DE 49's currency. 0610/00 is an
  offer (DE 6 billing amount, DE 10 rate, DE 51 billing currency; DE 63 DM markup, DP provider, DD rate
  date, DR reference rate); 57 means the card is not eligible (the note says why). Nothing moves and
  nothing is stored for retransmissions: a read, like the status inquiry.
* **A DCC sale** carries DE 6, DE 10 and DE 51 as offered; the host checks them against the quote it would
  give now (same rate, same conversion) and journals the conversion with the sale.
* **A refund of a DCC sale** carries DE 51 (the sale's billing currency); the host converts it at the sale's
  rate, or today's (``dcc_refund_rate``), the last refund taking the exact remainder
  (:func:`protocols.dcc.refund_billing`), and answers DE 6, DE 10, DE 51.
"""

from __future__ import annotations

from iso8583 import Message
from protocols.dcc import DccError, DccOffer, decode_rate, encode_rate, refund_billing
from protocols.iso87 import ProcessingCode, ResponseCode
from protocols.possim87.additional_data import AdditionalTag, encode_additional_data
from simulator.host.cards import CardDirectory
from simulator.host.dcc import DccConfig, RefundRate
from simulator.host.exchange import Exchange, FormatError, field_text, request_amount
from simulator.host.records import HostTransaction
from simulator.host.protocols.possim87.messages import response_message

__all__ = ["DccRefusal", "answer_rate_inquiry", "dcc_fields", "journal_fields", "refund_conversion",
           "sale_conversion"]

_DCC_FIELDS = (6, 10, 51)


class DccRefusal(ValueError):
    """A DCC request the host declines: the response code and why (journaled as the note)."""

    def __init__(self, code: str, note: str) -> None:
        super().__init__(note)
        self.code = code
        self.note = note


def journal_fields(offer: DccOffer) -> dict[str, object]:
    """The host journal's DCC columns of a transaction."""
    return {"dcc_currency": offer.currency, "dcc_amount": offer.amount, "dcc_rate": offer.rate,
            "dcc_markup": offer.markup_percent, "dcc_provider": offer.provider}


def offer_of(txn: HostTransaction) -> DccOffer | None:
    """The conversion journaled with ``txn`` (None when it had none)."""
    if txn.dcc_currency is None or txn.dcc_amount is None or txn.dcc_rate is None:
        return None
    return DccOffer(txn.dcc_currency, txn.dcc_amount, txn.dcc_rate, txn.dcc_markup or "", txn.dcc_provider or "")


def dcc_fields(offer: DccOffer) -> dict[int, str]:
    """DE 6, DE 10, DE 51 of an answer carrying ``offer``."""
    return {6: f"{offer.amount:012d}", 10: offer.rate, 51: offer.currency}


def dcc_tags(offer: DccOffer) -> dict[str, str]:
    """DE 63 DM and DP of an answer carrying ``offer``."""
    return {AdditionalTag.DCC_MARKUP: offer.markup_percent, AdditionalTag.DCC_PROVIDER: offer.provider}


def answer_rate_inquiry(config: DccConfig, cards: CardDirectory, exchange: Exchange) -> tuple[Message, str | None]:
    """The 0610 answering a rate inquiry, and why the card is not eligible (None for an offer)."""
    request = exchange.request
    pan = field_text(request, 2)
    amount = request_amount(request)
    merchant = field_text(request, 49)
    if not pan or not merchant:
        raise FormatError("a rate inquiry needs DE 2 (PAN) and DE 49 (currency)")
    card = cards.get(pan)
    why = "the host does not know the card's billing currency" if card is None else \
        config.eligible(card.country, card.billing_currency, merchant)
    if why is not None or card is None:
        return response_message(request, ResponseCode.NOT_PERMITTED), why
    try:
        offer = config.quote(amount, merchant, card.billing_currency)
    except DccError as error:
        return response_message(request, ResponseCode.NOT_PERMITTED), str(error)
    tags = {**dcc_tags(offer), AdditionalTag.DCC_RATE_DATE: offer.rate_date,
            AdditionalTag.DCC_REFERENCE_RATE: offer.reference_rate}
    return response_message(request, ResponseCode.APPROVED, {**dcc_fields(offer), 63: encode_additional_data(tags)}), \
        None


def _carried(request: Message) -> tuple[str, str, str] | None:
    """DE 6, DE 10, DE 51 of a request: all three or none (a format error otherwise)."""
    fields = request.fields
    if fields.keys().isdisjoint(_DCC_FIELDS):  # a sale without DCC: one C call
        return None
    if not all(number in fields for number in _DCC_FIELDS):
        raise FormatError("DCC: DE 6, DE 10 and DE 51 travel together")
    return field_text(request, 6) or "", field_text(request, 10) or "", field_text(request, 51) or ""


def sale_conversion(config: DccConfig, cards: CardDirectory, exchange: Exchange, pan: str) -> DccOffer | None:
    """The conversion a sale carries, checked against the quote the host gives now; None for a sale without.

    :class:`DccRefusal` (12) when the card is not eligible or the figures are not the host's quote.
    """
    carried = _carried(exchange.request)
    if carried is None:
        return None
    billing_text, rate_text, billing = carried
    merchant = field_text(exchange.request, 49) or ""
    card = cards.get(pan)
    if card is None or card.billing_currency != billing:
        raise DccRefusal(ResponseCode.INVALID_TRANSACTION, f"DCC: DE 51 {billing} is not the card's billing currency")
    why = config.eligible(card.country, billing, merchant)
    if why is not None:
        raise DccRefusal(ResponseCode.INVALID_TRANSACTION, f"DCC: {why}")
    quote = config.quote(request_amount(exchange.request), merchant, billing)
    if rate_text != quote.rate or not billing_text.isdigit() or int(billing_text) != quote.amount:
        raise DccRefusal(ResponseCode.INVALID_TRANSACTION,
                         f"DCC: DE 6 / DE 10 ({billing_text} at {rate_text}) are not the host's quote "
                         f"({quote.amount} at {quote.rate}): ask for a new rate")
    return quote


def refund_conversion(config: DccConfig, policy: RefundRate, original: HostTransaction, amount: int,
                      refunded: tuple[int, int]) -> DccOffer | None:
    """The conversion of a refund of ``amount`` of the DCC sale ``original`` (None: it had none).

    ``refunded``: the merchant and billing amounts of its refunds in force so far. The rate is the sale's
    (``original``) or today's offered rate (``current``; the sale's when the table has none now).
    """
    sale = offer_of(original)
    if sale is None or original.amount is None or original.currency is None:
        return None
    rate = decode_rate(sale.rate)
    if policy is RefundRate.CURRENT and config.reference_rate(original.currency, sale.currency) is not None:
        rate = decode_rate(config.quote(amount, original.currency, sale.currency).rate)
    billing = refund_billing(amount, sale_amount=original.amount, sale_billing=sale.amount, refunded=refunded[0],
                             refunded_billing=refunded[1], rate=rate, merchant=original.currency,
                             billing=sale.currency)
    return DccOffer(sale.currency, billing, encode_rate(rate), sale.markup_percent, sale.provider)


def is_rate_inquiry(request: Message) -> bool:
    """True for a 0600 whose DE 3 asks for a rate."""
    return field_text(request, 3) == ProcessingCode.DCC_RATE_INQUIRY
