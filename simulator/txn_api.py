"""Run one terminal operation by name: the core shared by ``possim txn``, scenarios and the pytest plugin.

The command line (:mod:`simulator.commands.txn_cmd`) parses options into a
:class:`TxnOptions`; a scenario step or a test does the same from its own
data. Either way :func:`run_operation` turns them into one call of the
terminal engine. Bad options raise :class:`~simulator.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from emv.cards import EntryMode
from pos_terminal.common.results import TxnResult
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.state.cards import present_test_card
from protocols.money import AmountError
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
    amount = parse_amount(options.amount, engine.config.currency)
    if operation == "sale":
        return await engine.sale(card, amount, options.pin)
    return await engine.refund(RefundRequest(
        card=card, amount=amount, supervisor_password=options.supervisor_password or "",
        original_rrn=options.original_rrn, original_date=options.original_date,
        original_invoice=options.invoice, reason=options.reason, pin=options.pin,
    ))
