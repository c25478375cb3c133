"""The host's protocol for the China UnionPay POS terminal profile (``cup-pos``): :class:`CupHost`.

The journal, the ledger, the card checks, the credit model and the anti-fraud checks are the
host's shared services (:class:`~simulator.host.services.HostServices`), as for possim-87.

* :mod:`~simulator.host.protocols.cup.protocol`: the pipeline steps (terminal, keys, MAC, repeats,
  rules, sign-on);
* :mod:`~simulator.host.protocols.cup.money`: sale, void, refund, reversal;
* :mod:`~simulator.host.protocols.cup.batch`: settlement (DE 48 totals) and batch upload;
* :mod:`~simulator.host.protocols.cup.classify`, :mod:`~simulator.host.protocols.cup.answers`:
  reading requests, building answers.
"""

from simulator.host.protocols.cup.protocol import CupHost

__all__ = ["CupHost"]
