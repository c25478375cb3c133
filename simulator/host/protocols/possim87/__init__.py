"""The host's possim-87 protocol (docs/protocol.md): :class:`Possim87Host` and its handlers.

* :mod:`~simulator.host.protocols.possim87.protocol`: the pipeline steps (identify, verify, digest, sign...);
* :mod:`~simulator.host.protocols.possim87.network`: 0800 sign-on, key change, echo
  (:mod:`~simulator.host.protocols.possim87.signon`: who may sign on);
* :mod:`~simulator.host.protocols.possim87.financial`: sale, refund, void, reversal, advice
  (:mod:`~simulator.host.protocols.possim87.advice`), batch upload and settlement;
* :mod:`~simulator.host.protocols.possim87.inquiry`: the 0820 status inquiry.
"""

from simulator.host.protocols.possim87.protocol import Possim87Host

__all__ = ["Possim87Host"]
