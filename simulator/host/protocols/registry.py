"""Which :class:`~simulator.host.protocols.base.HostProtocol` serves a dialect's ``protocol`` name.

A :class:`HostProtocolRegistry` is an immutable mapping from protocol name to factory (a callable
taking the host's :class:`~simulator.host.services.HostServices`); :meth:`HostProtocolRegistry.with_protocol`
returns a new registry, so a test or a plug-in adds a network without global state.
:func:`default_host_protocols` knows ``possim-87``, ``cup-pos`` and ``iso93`` and whatever installed packages
publish as entry points in the group ``possim.host_protocols`` (the entry point's name is the
protocol name, its object the factory, usually the protocol class).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType

from simulator.host.protocols.base import HostProtocol
from simulator.host.protocols.cup.protocol import CupHost
from simulator.host.protocols.iso93.protocol import Iso93Host
from simulator.host.protocols.possim87.protocol import Possim87Host
from simulator.host.services import HostServices

__all__ = ["ENTRY_POINT_GROUP", "HostProtocolFactory", "HostProtocolRegistry", "UnknownHostProtocol",
           "default_host_protocols"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "possim.host_protocols"

HostProtocolFactory = Callable[[HostServices], HostProtocol]


class UnknownHostProtocol(ValueError):
    """No host protocol of that name is registered; the message names it and the known ones."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"no host protocol {name!r} (known: {', '.join(self.known) or 'none'})")


class HostProtocolRegistry:
    """Protocol name -> factory; immutable (:meth:`with_protocol` returns a new registry)."""

    def __init__(self, factories: Mapping[str, HostProtocolFactory] | None = None) -> None:
        self._factories: Mapping[str, HostProtocolFactory] = MappingProxyType(dict(factories or {}))

    def with_protocol(self, name: str, factory: HostProtocolFactory) -> HostProtocolRegistry:
        """A new registry that also (or instead) serves ``name`` with ``factory``."""
        if not name:
            raise ValueError("a host protocol needs a name")
        return HostProtocolRegistry({**self._factories, name: factory})

    def names(self) -> tuple[str, ...]:
        """The protocol names served, sorted."""
        return tuple(sorted(self._factories))

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def create(self, name: str, services: HostServices) -> HostProtocol:
        """The protocol ``name`` over ``services``; :class:`UnknownHostProtocol` when none is registered."""
        factory = self._factories.get(name)
        if factory is None:
            raise UnknownHostProtocol(name, self._factories)
        return factory(services)

    def __repr__(self) -> str:
        return f"HostProtocolRegistry({', '.join(self.names())})"


def default_host_protocols() -> HostProtocolRegistry:
    """``possim-87``, ``cup-pos``, ``iso93`` and the entry points of the group ``possim.host_protocols``."""
    registry = HostProtocolRegistry({Possim87Host.name: Possim87Host, CupHost.name: CupHost,
                                     Iso93Host.name: Iso93Host})
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            registry = registry.with_protocol(entry.name, entry.load())
        except Exception:  # a broken plug-in must not take the built-in protocols down
            log.exception("cannot load host protocol %r from %s", entry.name, entry.value)
    return registry
