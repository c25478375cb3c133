"""Terminal-to-host protocol profiles: the engine's flows are one, the protocols are these.

:func:`profile_for` picks the profile of a dialect: ``cup-pos`` speaks the China UnionPay POS
terminal profile (:class:`~pos_terminal.profiles.cup.profile.CupProfile`), every other dialect (the
built-in ISO 8583:1987 ones and TOML dialects derived from them) the possim protocol of
docs/protocol.md (:class:`~pos_terminal.profiles.possim87.profile.Possim87Profile`).
"""

from __future__ import annotations

from iso8583.dialects.cup_pos import NAME as CUP_POS
from pos_terminal.profiles.base import (
    FinancialContext,
    HostAnswer,
    NetworkKind,
    ProtocolProfile,
    Reconciliation,
)
from pos_terminal.profiles.cup.profile import CupProfile
from pos_terminal.profiles.possim87.profile import Possim87Profile

__all__ = [
    "CupProfile", "FinancialContext", "HostAnswer", "NetworkKind", "Possim87Profile", "ProtocolProfile",
    "Reconciliation", "profile_for",
]

_POSSIM_87 = Possim87Profile()
_CUP = CupProfile()


def profile_for(dialect: str) -> ProtocolProfile:
    """The protocol profile of the dialect named ``dialect``."""
    return _CUP if dialect == CUP_POS else _POSSIM_87
