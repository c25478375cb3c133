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
from protocols.iso87 import ResponseCode, mac_field
from protocols.iso93 import FunctionCode
from protocols.possim87.additional_data import AdditionalTag, additional_data, encode_additional_data
from simulator.host.exchange import Exchange, field_text
from simulator.host.protocols.iso93.translate import response_to
from simulator.host.protocols.possim87.signon import check_sign_on
from simulator.host.services import HostServices

__all__ = ["network_answer"]

_BLOCK_TAGS = (AdditionalTag.PIN_KEY_BLOCK, AdditionalTag.PIN_KEY_KCV, AdditionalTag.MAC_KEY_BLOCK,
               AdditionalTag.MAC_KEY_KCV)


def network_answer(services: HostServices, exchange: Exchange, verify: Callable[[Exchange], bool]) -> Message:
    """The unsigned 1814 to an identified 1804."""
    request = exchange.request
    function = field_text(request, 24)
    if function in (FunctionCode.SIGN_ON, FunctionCode.KEY_CHANGE):
        if AdditionalTag.KSN in additional_data(request):
            return response_to(request, _checked_mac(exchange, verify))
        return _sign_on(services, exchange)
    if function == FunctionCode.ECHO_TEST:
        return response_to(request, _checked_mac(exchange, verify))
    return response_to(request, ResponseCode.INVALID_TRANSACTION)


def _checked_mac(exchange: Exchange, verify: Callable[[Exchange], bool]) -> str:
    if mac_field(exchange.request) in exchange.request and (exchange.keys is None or not verify(exchange)):
        return ResponseCode.SECURITY_VIOLATION
    return ResponseCode.APPROVED


def _sign_on(services: HostServices, exchange: Exchange) -> Message:
    request, terminal = exchange.request, exchange.terminal
    assert terminal is not None
    exchange.sign = False  # the requester may hold no session keys; TR-31 authenticates the blocks
    verdict = check_sign_on(request, exchange.frame, services.dialect, terminal, services.journal, exchange.now,
                            services.config.sign_on_window_seconds)
    if verdict.reason is not None:
        services.events.report("sign-on refused", "sign-on of %s refused: %s", terminal.terminal_id, verdict.reason)
        return response_to(request, ResponseCode.SECURITY_VIOLATION)
    if verdict.repeat:
        last = services.journal.last_session(terminal.terminal_id)
        assert last is not None
        blocks = (last["pin_key_block"], last["pin_key_kcv"], last["mac_key_block"], last["mac_key_kcv"])
    else:
        delivery = services.keyring.new_session(terminal)
        blocks = (delivery.pin_key_block, delivery.pin_key_kcv, delivery.mac_key_block, delivery.mac_key_kcv)
        services.journal.record_session(
            time=exchange.now, terminal_id=terminal.terminal_id, pin_key_block=blocks[0], pin_key_kcv=blocks[1],
            mac_key_block=blocks[2], mac_key_kcv=blocks[3], request_stan=field_text(request, 11),
            request_time=field_text(request, 7),
        )
    return response_to(request, ResponseCode.APPROVED,
                       {63: encode_additional_data(dict(zip(_BLOCK_TAGS, blocks, strict=True)))})
