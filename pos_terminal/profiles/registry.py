"""Which protocol profile a terminal speaks: a registry from protocol names to profile factories.

A dialect names its protocol (:attr:`iso8583.dialect.Dialect.protocol`: ``possim-87`` for the built-in
ISO 8583:1987 dialects, ``cup-pos`` for ``cup-pos``, whatever a TOML dialect's ``protocol = "..."`` says);
the terminal's profile is the one registered under that name. :func:`default_profiles` holds the two
built-in profiles plus those other packages declare as entry points in the group
:data:`ENTRY_POINT_GROUP` (name = protocol, value = a zero-argument factory, usually the profile class).
A registry is immutable: :meth:`ProfileRegistry.with_profile` returns a new one, so a test or a tool adds
a protocol for the engines it opens without changing what any other engine gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from types import MappingProxyType

from iso8583.dialect import Dialect
from iso8583.errors import DialectError
from iso8583.toml_dialect import resolve_dialect
from pos_terminal.profiles.base import ProtocolProfile
from pos_terminal.profiles.cup.profile import NAME as CUP_POS
from pos_terminal.profiles.cup.profile import CupProfile
from pos_terminal.profiles.iso93.profile import NAME as ISO93
from pos_terminal.profiles.iso93.profile import Iso93Profile
from pos_terminal.profiles.possim87.profile import NAME as POSSIM_87
from pos_terminal.profiles.possim87.profile import Possim87Profile

__all__ = ["ENTRY_POINT_GROUP", "ProfileFactory", "ProfileRegistry", "UnknownProfile", "default_profiles",
           "profile_for"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "possim.terminal_profiles"
"""The entry-point group through which an installed package adds a terminal protocol profile."""

ProfileFactory = Callable[[], ProtocolProfile]
"""Makes a profile (profiles are stateless: the factory is usually the profile class itself)."""


class UnknownProfile(ValueError):
    """No profile is registered for the protocol a dialect names."""

    def __init__(self, protocol: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no terminal profile for protocol {protocol!r} (known: {', '.join(known) or 'none'})")
        self.protocol = protocol
        self.known = known


@dataclass(frozen=True)
class ProfileRegistry:
    """Protocol name -> profile factory; immutable (:meth:`with_profile` makes a new registry)."""

    factories: Mapping[str, ProfileFactory] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "factories", MappingProxyType(dict(self.factories)))

    def with_profile(self, name: str, factory: ProfileFactory) -> ProfileRegistry:
        """A registry that also (or instead) answers ``name`` with ``factory``'s profile."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a profile is registered under a non-empty protocol name, got {name!r}")
        return ProfileRegistry({**self.factories, name: factory})

    def names(self) -> tuple[str, ...]:
        """The protocol names this registry knows, sorted."""
        return tuple(sorted(self.factories))

    def profile(self, protocol: str) -> ProtocolProfile:
        """The profile of the protocol named ``protocol``; :class:`UnknownProfile` when none is registered."""
        factory = self.factories.get(protocol)
        if factory is None:
            raise UnknownProfile(protocol, self.names())
        return factory()

    def profile_for(self, dialect: Dialect) -> ProtocolProfile:
        """The profile of the protocol ``dialect`` names (:attr:`~iso8583.dialect.Dialect.protocol`)."""
        return self.profile(dialect.protocol)


BUILT_IN = ProfileRegistry({POSSIM_87: Possim87Profile, CUP_POS: CupProfile, ISO93: Iso93Profile})
"""The profiles that ship with possim: ``possim-87`` (docs/protocol.md), ``cup-pos`` and ``iso93`` (ISO 8583:1993)."""


@cache
def default_profiles() -> ProfileRegistry:
    """The built-in profiles plus the installed entry points of :data:`ENTRY_POINT_GROUP` (read once: the
    installed packages do not change while a process runs). A plug-in that cannot be loaded is logged and
    skipped: it must not stop terminals that do not use it."""
    registry = BUILT_IN
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            factory = entry.load()
        except Exception as error:  # noqa: BLE001 - any import failure of a third-party plug-in
            log.warning("terminal profile %r (%s) not loaded: %s", entry.name, entry.value, error)
            continue
        registry = registry.with_profile(entry.name, factory)
    return registry


def profile_for(dialect: str, registry: ProfileRegistry | None = None) -> ProtocolProfile:
    """The profile of the dialect named ``dialect`` (a built-in name or a TOML path, see
    :func:`~iso8583.toml_dialect.resolve_dialect`). A name no dialect answers to here gets the protocol a
    dialect has by default (``possim-87``): opening the dialect itself reports that name."""
    registry = registry or default_profiles()
    try:
        resolved = resolve_dialect(dialect)
    except DialectError:
        return registry.profile(POSSIM_87)
    return registry.profile_for(resolved)
