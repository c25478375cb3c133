"""Terminal-to-host protocol profiles: the engine's flows are one, the protocols are these.

A dialect names its protocol; :class:`~pos_terminal.profiles.registry.ProfileRegistry` maps protocol names to
profiles. ``cup-pos`` speaks the China UnionPay POS terminal profile
(:class:`~pos_terminal.profiles.cup.profile.CupProfile`), the built-in ISO 8583:1987 dialects (and TOML
dialects that keep the default protocol) the possim protocol of docs/protocol.md
(:class:`~pos_terminal.profiles.possim87.profile.Possim87Profile`); other packages add theirs as entry points
(:data:`~pos_terminal.profiles.registry.ENTRY_POINT_GROUP`) or through
:meth:`~pos_terminal.profiles.registry.ProfileRegistry.with_profile`.
"""

from __future__ import annotations

from pos_terminal.profiles.base import (
    EngineLink,
    FinancialContext,
    HostAnswer,
    NetworkKind,
    ProtocolProfile,
    Reconciliation,
)
from pos_terminal.profiles.cup.profile import CupProfile
from pos_terminal.profiles.possim87.profile import Possim87Profile
from pos_terminal.profiles.registry import (
    ProfileRegistry,
    UnknownProfile,
    default_profiles,
    profile_for,
)

__all__ = [
    "CupProfile", "EngineLink", "FinancialContext", "HostAnswer", "NetworkKind", "Possim87Profile", "ProfileRegistry",
    "ProtocolProfile", "Reconciliation", "UnknownProfile", "default_profiles", "profile_for",
]
