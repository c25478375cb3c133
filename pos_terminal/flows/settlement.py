"""Closing the batch with the host, sans I/O: what is owed first, then the profile's settlement exchanges.

docs/protocol.md, Settlement: reversals, repeats and advices go before the totals (they change them); the
totals are counted once those are answered; then the protocol's exchanges
(:meth:`~pos_terminal.profiles.base.ProtocolProfile.reconcile`: possim-87 0500 with DE 74-89, on 95 the batch
uploaded (0320) and settled again; CUP 0500 with DE 48, the unbalanced card groups uploaded, the upload
ended). Whether the batch then closes is the result's; closing it is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pos_terminal.common.effects import Step
from pos_terminal.flows.owed import flush_owed
from pos_terminal.flows.state import TerminalState
from pos_terminal.profiles.base import EngineLink, ProtocolProfile, Reconciliation
from pos_terminal.state.config import TerminalConfig
from protocols.iso87 import BatchTotals

__all__ = ["Settled", "settle"]


@dataclass(frozen=True)
class Settled:
    """The totals settled and how the host's exchanges ended."""

    totals: BatchTotals
    reconciliation: Reconciliation


def settle(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState, link: EngineLink, batch: int,
           count: Callable[[int], BatchTotals]) -> Step[Settled]:
    """Deliver what is owed, count ``batch``'s totals (``count``), and run the profile's settlement exchanges.
    Raises :class:`~pos_terminal.common.failures.CommunicationFailure` when any of it fails."""
    yield from flush_owed(profile, config, state)
    totals = count(batch)
    reconciliation = yield from profile.reconcile(link, batch, totals)
    return Settled(totals, reconciliation)
