"""What a ``cup-pos`` request is: its row of the CUP transaction table, its batch, whether it reverses.

A request is identified by MTI, DE 3, 60.1 and (network management) 60.3
(:func:`protocols.cup.transactions.identify`). A 0400 names the request it reverses by that
request's DE 3 and 60.1. DE 60 is required (it carries the batch number); a malformed one is a
format error.
"""

from __future__ import annotations

from dataclasses import dataclass

from iso8583.message import Message
from protocols.cup.errors import CupFieldError
from protocols.cup.fields import Field60
from protocols.cup.transactions import REVERSAL_MTI, TransactionType, identify
from simulator.host.exchange import FormatError, field_text

CANONICAL_CODES = {"sale": "000000", "refund": "200000", "void": "020000"}
"""How the host journal records CUP transactions: in its one model (a sale 000000, a refund 200000, a
void of a sale 020000, all as 0200), so that reports, credits, anti-fraud limits and settlement count
them like any other; the wire's MTI and DE 3 stay in the message journal."""
CANONICAL_MTI = "0200"


@dataclass(frozen=True)
class CupRequest:
    """A classified request: ``row`` is the transaction (for a reversal, the one reversed)."""

    row: TransactionType | None
    field60: Field60
    reversal: bool = False

    @property
    def batch(self) -> str:
        """60.2, the terminal's batch number (6 digits)."""
        return self.field60.batch_number

    @property
    def is_network(self) -> bool:
        return self.row is not None and self.row.mti in ("0800", "0820")

    @property
    def is_batch(self) -> bool:
        """Settlement and batch upload: no MAC, no money."""
        return self.row is not None and self.row.mti in ("0500", "0320")


def classify(request: Message) -> CupRequest:
    """The request's transaction; ``row`` None when the table has no such transaction."""
    value = field_text(request, 60)
    if value is None:
        raise FormatError("DE 60 (transaction type and batch) missing")
    try:
        field60 = Field60.decode(value)
    except CupFieldError as exc:
        raise FormatError(str(exc)) from None
    code = field_text(request, 3)
    if request.mti == REVERSAL_MTI:
        row = identify("0200", code, field60.transaction_type) or identify("0100", code, field60.transaction_type)
        return CupRequest(row if row is not None and row.reversible else None, field60, reversal=True)
    return CupRequest(identify(request.mti, code, field60.transaction_type, field60.network_management_code),
                      field60)
