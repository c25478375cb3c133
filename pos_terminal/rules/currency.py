"""Which currency a refund is in: its sale's, and for a DCC sale the cardholder's too (docs/protocol.md).

A refund goes back in the currency of the sale it refunds (``--currency`` may only confirm it). A refund
of a DCC sale goes back in the card's billing currency, converted at the sale's rate by default
(:func:`protocols.dcc.refund_billing`: the last refund takes the exact remainder); asking for the
merchant's currency instead is refused here, with the reason, and the host refuses it as well
(the refund's DE 51 must be the sale's).
"""

from __future__ import annotations

from pos_terminal.common.failures import TerminalRefusal
from pos_terminal.journal import Journal
from pos_terminal.state.records import TransactionRecord
from protocols.dcc import DccOffer, refund_billing
from protocols.money import currency as currency_info

__all__ = ["refund_currency"]


def _alpha(code: str) -> str:
    return currency_info(code).alpha


def refund_currency(journal: Journal, terminal_currency: str, original: TransactionRecord | None, amount: int,
                    asked: str | None) -> tuple[str, DccOffer | None]:
    """The refund's currency (DE 49) and, for a DCC sale, its expected conversion; TerminalRefusal when the
    cashier asked for another currency than the sale's."""
    if original is None:
        return asked or terminal_currency, None
    sale_dcc = original.dcc
    if asked is not None and asked != original.currency and (sale_dcc is None or asked != sale_dcc.currency):
        raise TerminalRefusal(
            f"invoice {original.invoice:06d} was a sale in {_alpha(original.currency)}: its refunds are in "
            f"{_alpha(original.currency)}, not {_alpha(asked)}", ("OTHER CURRENCY", "NOT ALLOWED"))
    if sale_dcc is None:
        return original.currency, None
    if asked == original.currency:
        raise TerminalRefusal(
            f"invoice {original.invoice:06d} was paid in {_alpha(sale_dcc.currency)} by DCC: its refunds go back in "
            f"{_alpha(sale_dcc.currency)} at the sale's rate (the merchant currency {_alpha(original.currency)} "
            f"only measures them); leave out --currency or give {_alpha(sale_dcc.currency)}",
            ("PAID BY DCC", f"REFUND IN {_alpha(sale_dcc.currency)}"))
    refunded, refunded_billing = journal.refunded_billing(original.id)
    billing = refund_billing(amount, sale_amount=original.amount, sale_billing=sale_dcc.amount, refunded=refunded,
                             refunded_billing=refunded_billing, rate=sale_dcc.rate_value, merchant=original.currency,
                             billing=sale_dcc.currency)
    return original.currency, DccOffer(sale_dcc.currency, billing, sale_dcc.rate, sale_dcc.markup_percent,
                                       sale_dcc.provider)
