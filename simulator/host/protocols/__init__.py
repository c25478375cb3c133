"""The host's protocols: one :class:`HostProtocol` per network, chosen by the dialect's ``protocol`` name.

:mod:`~simulator.host.protocols.base` says how a network plugs in;
:mod:`~simulator.host.protocols.registry` maps names to protocols (``possim-87``, ``cup-pos``,
and entry points of the group ``possim.host_protocols``).
"""

from simulator.host.protocols.base import Handling, HostProtocol, RepeatKey
from simulator.host.protocols.registry import (
    HostProtocolFactory,
    HostProtocolRegistry,
    UnknownHostProtocol,
    default_host_protocols,
)

__all__ = ["Handling", "HostProtocol", "HostProtocolFactory", "HostProtocolRegistry", "RepeatKey",
           "UnknownHostProtocol", "default_host_protocols"]
