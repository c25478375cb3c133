"""iso93 network management (1804 / 1814): sign-on (DE 24 801), key change (811), echo test (831).

As possim-87's 0800 (:mod:`simulator.host.protocols.possim87.network`, docs/protocol.md "Security"): a
master/session sign-on or key change whose MAC verifies under the TMK's sign-on variant, within the
sign-on window and newer than the last, gets new TR-31 session key blocks in DE 63 (the same ones again
for the same sign-on); a DUKPT one (DE 63 KS) is accepted when a MAC it carries verifies; an echo test is
accepted likewise. Accepted is action code 800; refused 916 (the MAC) and 902 (another function code).
"""

from __future__ import annotations

from collections.abc import Callable

from iso8583 import Message
from protocols.iso87 import NetworkCode
from protocols.iso93 import FunctionCode
from simulator.host.exchange import Exchange, field_text
from simulator.host.protocols.iso93.translate import response_to
from simulator.host.protocols.possim87 import network as possim87_network
from simulator.host.services import HostServices

__all__ = ["network_answer"]

# DE 24 function code of a 1804 -> the possim-87 network code (DE 70) whose handling it shares.
_AS_NETWORK_CODE = {FunctionCode.SIGN_ON: NetworkCode.SIGN_ON, FunctionCode.KEY_CHANGE: NetworkCode.KEY_CHANGE,
                    FunctionCode.ECHO_TEST: NetworkCode.ECHO}


def network_answer(services: HostServices, exchange: Exchange, verify: Callable[[Exchange], bool]) -> Message:
    """The unsigned 1814 to an identified 1804: possim-87's sign-on, key change and echo handling, read from
    DE 24 and answered with 1993 action codes; any other function code is 12's action code."""
    code = _AS_NETWORK_CODE.get(field_text(exchange.request, 24) or "", "")
    return possim87_network.network_answer(services, exchange, verify, code=code, answer=response_to)
