"""The host emulator's handlers for the China UnionPay POS terminal profile (``cup-pos``).

:class:`~simulator.host.logic.HostLogic` delegates every request to :class:`CupHost` when its
dialect is ``cup-pos`` (:func:`handler_for`); the journal, the ledger, the card checks, the credit
model and the anti-fraud checks are the host's own, shared with the possim-87 handlers.

* :mod:`~simulator.host.cup.pipeline`: terminal, keys, MAC, repeats, rules, sign-on;
* :mod:`~simulator.host.cup.money`: sale, void, refund, reversal;
* :mod:`~simulator.host.cup.batch`: settlement (DE 48 totals) and batch upload;
* :mod:`~simulator.host.cup.classify`, :mod:`~simulator.host.cup.answers`: reading requests, building answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iso8583.dialects.cup_pos import NAME as CUP_POS
from simulator.host.cup.pipeline import CupHost

if TYPE_CHECKING:
    from simulator.host.logic import HostLogic

__all__ = ["CupHost", "handler_for"]


def handler_for(logic: HostLogic) -> CupHost | None:
    """The CUP handler set when ``logic`` speaks ``cup-pos``, else None (the possim-87 pipeline)."""
    return CupHost(logic) if logic.dialect.name == CUP_POS else None
