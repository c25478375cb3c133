"""The outcome of one terminal operation, as scripts and the UI read it.

:meth:`TxnResult.to_json` is the ``possim txn --json`` contract of design.md section 4:
``response_code``, ``approved``, ``stan``, ``rrn``, ``invoice``, ``amount`` (minor units),
``currency``, ``reversal`` (null or its outcome) and ``error`` for failures.
"""

from __future__ import annotations

from pos_terminal.common.dates import iso_dates

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Outcome(IntEnum):
    """How the operation ended; the value is the command line's exit code."""

    COMPLETED = 0
    """The host answered (approved or declined)."""
    REFUSED = 1
    """The terminal refused it itself (wrong supervisor password, over-refund, card mismatch...)."""
    COMMUNICATION_FAILED = 3
    """No valid answer from the host (unreachable, timeout, garbled or MAC-failed response)."""


@dataclass(frozen=True)
class ReversalOutcome:
    """What happened to the reversal a failed exchange left behind."""

    status: str
    """``acked`` (the host acknowledged it), ``refused`` (the host refused it for good: the original stands,
    docs/protocol.md "Money rules") or ``pending`` (still owed; sent again later)."""
    attempts: int
    response_code: str | None = None

    @property
    def settled(self) -> bool:
        """Nothing of it is owed any more (acknowledged or refused for good)."""
        return self.status in ("acked", "refused")

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "attempts": self.attempts, "response_code": self.response_code}


@dataclass(frozen=True)
class TxnResult:
    """One operation's result. Never holds a full PAN: ``masked_pan`` only."""

    operation: str
    outcome: Outcome
    response_code: str | None = None
    stan: int | None = None
    rrn: str | None = None
    invoice: int | None = None
    amount: int | None = None
    currency: str | None = None
    auth_code: str | None = None
    masked_pan: str | None = None
    reversal: ReversalOutcome | None = None
    error: str | None = None
    host_data: dict[str, Any] = field(default_factory=dict)
    receipt: tuple[str, ...] = ()
    offline: bool = False
    """Approved by the terminal while the host was unreachable: an advice is queued."""
    settlement: dict[str, Any] | None = None
    """The settlement report (``possim txn settle``)."""
    transaction_id: int | None = None
    """The journal id of the transaction, when one was journaled."""
    original: dict[str, Any] | None = None
    """A refund's (or void's) original: ``rrn``, ``invoice``, ``date``, ``amount`` (docs: possim txn refund)."""
    receipt_file: str | None = None
    """The customer receipt kept in DATA/receipts (text; a .json lies beside it)."""
    ereceipt_file: str | None = None
    """The e-mail message written to DATA/outbox, when an e-receipt was asked for."""
    screen: tuple[str, ...] = ()
    """A refusal as the device's display says it (two short lines); not part of the JSON."""
    dcc: dict[str, Any] | None = None
    """Dynamic currency conversion: ``currency``, ``amount`` (minor units of it), ``rate``, ``markup_percent``,
    ``provider`` (README, JSON contract); ``amount`` and ``currency`` above stay the merchant's."""
    dcc_offer: dict[str, Any] | None = None
    """A sale where DCC applied: the rate inquiry's outcome (``offered``, ``reason``, ``offer``, ``choice``)."""
    cross_border: bool | None = None
    """A sale, refund or void: whether the host found the card issued in another country (None: not known)."""
    host_approved: bool | None = None
    """Whether the host's ``response_code`` approves, as the protocol profile reads it (set by the engine);
    None for a result built without a profile, read as ISO 8583:1987 (00 approves)."""

    @property
    def approved(self) -> bool:
        """Completed, and approved by the host (or offline by the terminal, an advice queued)."""
        if self.outcome is not Outcome.COMPLETED:
            return False
        if self.offline:
            return True
        return self.host_approved if self.host_approved is not None else self.response_code == "00"

    @property
    def exit_code(self) -> int:
        return int(self.outcome)

    def to_json(self) -> dict[str, Any]:
        """The ``possim txn --json`` object."""
        return {
            "operation": self.operation,
            "response_code": self.response_code,
            "approved": self.approved,
            "stan": self.stan,
            "rrn": self.rrn,
            "invoice": self.invoice,
            "amount": self.amount,
            "currency": self.currency,
            "auth_code": self.auth_code,
            "masked_pan": self.masked_pan,
            "reversal": self.reversal.to_json() if self.reversal else None,
            "error": self.error,
            **({"host": iso_dates(self.host_data)} if self.host_data else {}),
            **({"offline": True} if self.offline else {}),
            **({"settlement": self.settlement} if self.settlement is not None else {}),
            **({"receipt": list(self.receipt)} if self.receipt else {}),
            **({"original": self.original} if self.original is not None else {}),
            **({"receipt_file": self.receipt_file} if self.receipt_file else {}),
            **({"ereceipt_file": self.ereceipt_file} if self.ereceipt_file else {}),
            **({"dcc": self.dcc} if self.dcc is not None else {}),
            **({"dcc_offer": self.dcc_offer} if self.dcc_offer is not None else {}),
            **({"cross_border": self.cross_border} if self.cross_border is not None else {}),
        }
