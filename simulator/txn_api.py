"""Run one terminal operation by name: the core shared by ``possim txn``, scenarios and the pytest plugin.

The command line (:mod:`simulator.commands.txn_cmd`) parses options into a
:class:`TxnOptions`; a scenario step or a test does the same from its own
data. Either way :func:`run_operation` turns them into one call of the
terminal engine. Bad options raise :class:`~simulator.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from emv.cards import EntryMode
from pos_terminal.common.failures import TerminalRefusal
from pos_terminal.common.results import Outcome, TxnResult
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.rules.policy import find_refund_original
from pos_terminal.state.cards import PresentedCard, present_test_card
from protocols.money import AmountError, currency_by_code
from protocols.money import currency as currency_info
from protocols.money import parse_amount as parse_money
from simulator.errors import InputError

__all__ = ["OPERATIONS", "TxnOptions", "parse_amount", "run_operation"]

OPERATIONS = ("signon", "signoff", "echo", "sale", "refund", "void", "settle")
"""The operations that talk to the host (and that scenarios script)."""


@dataclass(frozen=True)
class TxnOptions:
    """What one operation needs, from the command line or from a scenario step."""

    card: str | None = None
    entry: str = "chip"
    amount: str | None = None
    pin: str | None = field(default=None, repr=False)
    original_rrn: str | None = None
    original_date: str | None = None
    invoice: int | None = None
    supervisor_password: str | None = field(default=None, repr=False)
    reason: str | None = None
    currency: str | None = None
    """ISO 4217 alphabetic (EUR) or numeric (978): a sale's currency, or a refund's (its sale's)."""
    dcc: str | None = None
    """``accept`` or ``decline`` a DCC offer at a sale (None: decline, the merchant's currency)."""

    @classmethod
    def names(cls) -> frozenset[str]:
        """The option names (the same on the command line and in a scenario step)."""
        return frozenset(option.name for option in fields(cls))


def parse_amount(text: str | None, currency: str = "840") -> int:
    """An amount in major units to minor units, exactly, with the currency's ISO 4217 exponent."""
    if text is None:
        raise InputError("--amount is required")
    try:
        return parse_money(text, currency)
    except AmountError as error:
        raise InputError(str(error)) from None


async def run_operation(engine: TerminalEngine, operation: str, options: TxnOptions) -> TxnResult:
    """Run one of ``OPERATIONS`` on ``engine``; bad options raise :class:`InputError`."""
    if operation == "signon":
        return await engine.sign_on()
    if operation == "signoff":
        return await engine.sign_off()
    if operation == "echo":
        return await engine.echo()
    if operation == "settle":
        return await engine.settle(options.supervisor_password)
    if operation == "void":
        if options.invoice is None:
            raise InputError("void needs --invoice")
        return await engine.void(options.invoice, options.supervisor_password or "")
    if operation not in ("sale", "refund"):
        raise InputError(f"unknown operation {operation!r}; known: {', '.join(OPERATIONS)}")
    if not options.card:
        raise InputError(f"{operation} needs --card (see `possim cards`)")
    try:
        entry = EntryMode(options.entry)
    except ValueError:
        raise InputError(f"entry {options.entry!r}: expected one of {', '.join(m.value for m in EntryMode)}") from None
    card = present_test_card(options.card, entry)
    asked = currency_code(options.currency)
    if operation == "sale":
        currency = asked or engine.config.currency
        return await dcc_sale(engine, card, parse_amount(options.amount, currency), currency, options)
    if options.dcc is not None:
        raise InputError("--dcc is for sales: a refund of a DCC sale is converted as its sale was")
    amount = parse_amount(options.amount, asked or _original_currency(engine, options) or engine.config.currency)
    return await engine.refund(RefundRequest(
        card=card, amount=amount, supervisor_password=options.supervisor_password or "",
        original_rrn=options.original_rrn, original_date=options.original_date,
        original_invoice=options.invoice, reason=options.reason, pin=options.pin, currency=asked,
    ))


def currency_code(text: str | None) -> str | None:
    """``--currency`` as an ISO 4217 numeric code (given as EUR or 978); InputError for an unknown one."""
    if text is None:
        return None
    found = currency_by_code(str(text).strip())
    if found is None:
        raise InputError(f"--currency {text!r}: not an ISO 4217 currency (e.g. EUR or 978)")
    return found.numeric


def _original_currency(engine: TerminalEngine, options: TxnOptions) -> str | None:
    """The currency of the sale a refund names (its amount is typed in it), when the journal has it."""
    try:
        original = find_refund_original(engine.journal, engine.config, invoice=options.invoice,
                                        rrn=options.original_rrn, local_date=options.original_date)
    except TerminalRefusal:
        return None
    return original.currency if original is not None else None


async def dcc_sale(engine: TerminalEngine, card: PresentedCard, amount: int, currency: str,
                   options: TxnOptions) -> TxnResult:
    """A sale, with the DCC offer asked for first where it applies; ``options.dcc`` is the cardholder's choice."""
    if options.dcc not in (None, "accept", "decline"):
        raise InputError(f"--dcc {options.dcc!r}: expected accept or decline")
    if options.dcc == "accept" and not engine.profile.supports_dcc:
        return TxnResult("sale", Outcome.REFUSED, amount=amount, currency=currency, masked_pan=card.masked_pan,
                         error=f"the {engine.profile.name} profile has no dynamic currency conversion: pay in "
                               f"{currency_info(currency).alpha} (leave out --dcc)")
    inquiry = await engine.rate_inquiry(card, amount, currency)
    accepted = inquiry.offer if options.dcc == "accept" else None
    result = await engine.sale(card, amount, options.pin, currency=currency, dcc=accepted)
    if not inquiry.asked and options.dcc is None:
        return result
    choice = ("accepted" if accepted else "declined") if inquiry.offer else None
    return replace(result, dcc_offer={**inquiry.to_json(), "choice": choice})
