"""possim-87 network management (0800): sign-on and key change, echo (docs/protocol.md, "Security").

* Sign-on / key change (DE 70 = 001 / 101) of a master/session terminal: new TPK and TAK, TR-31
  blocks under the TMK in DE 63 PK/PV/MK/MV, only for a sign-on that passes
  :func:`~simulator.host.protocols.possim87.signon.check_sign_on` (else 63); the very same
  sign-on again gets the same keys again. The answer is not MACed (the terminal may hold no
  session keys; TR-31 authenticates the blocks). The new keys reach the host's key store only
  when the journal commits (:meth:`simulator.host.keyring.HostKeyring.new_session`).
* A DUKPT sign-on (DE 63 KS) has no keys to issue: approved; a MAC it carries must verify.
* Echo (301): approved; a MAC it carries must verify. Anything else: 12.
"""

from __future__ import annotations

from collections.abc import Callable

from iso8583 import Message
from protocols.iso87 import NetworkCode, ResponseCode, mac_field
from protocols.possim87.additional_data import AdditionalTag, additional_data, encode_additional_data
from simulator.host.exchange import Exchange, field_text
from simulator.host.protocols.possim87.messages import response_message
from simulator.host.protocols.possim87.signon import check_sign_on
from simulator.host.services import HostServices

__all__ = ["network_answer"]

_BLOCK_TAGS = (AdditionalTag.PIN_KEY_BLOCK, AdditionalTag.PIN_KEY_KCV, AdditionalTag.MAC_KEY_BLOCK,
               AdditionalTag.MAC_KEY_KCV)


Answer = Callable[[Message, str, "dict[int, str | bytes] | None"], Message]
"""Builds the answer to a request from a two-digit meaning and extra fields (possim-87's 0810, iso93's 1814)."""


def network_answer(services: HostServices, exchange: Exchange, verify: Callable[[Exchange], bool], *,
                   code: str | None = None, answer: Answer = response_message) -> Message:
    """The unsigned answer to an identified network request (``verify``: the request MAC check under
    ``exchange.keys``). ``code``: the request's network management code as DE 70 names it (default: its
    DE 70; iso93 maps its DE 24 function code here); ``answer``: the network's answer builder."""
    request = exchange.request
    code = field_text(request, 70) if code is None else code
    if code in (NetworkCode.SIGN_ON, NetworkCode.KEY_CHANGE):
        if AdditionalTag.KSN in additional_data(request):  # DUKPT: no keys to issue; a MAC sent must verify
            return answer(request, _checked_mac(exchange, verify), None)
        return _sign_on(services, exchange, answer)
    if code == NetworkCode.ECHO:
        return answer(request, _checked_mac(exchange, verify), None)
    return answer(request, ResponseCode.INVALID_TRANSACTION, None)


def _checked_mac(exchange: Exchange, verify: Callable[[Exchange], bool]) -> str:
    """00, or 63 when the request carries a MAC that cannot be verified or does not verify."""
    if mac_field(exchange.request) in exchange.request and (exchange.keys is None or not verify(exchange)):
        return ResponseCode.SECURITY_VIOLATION
    return ResponseCode.APPROVED


def _sign_on(services: HostServices, exchange: Exchange, answer: Answer) -> Message:
    """A master/session sign-on: new keys (or the same ones again for the same sign-on), or 63."""
    request, terminal = exchange.request, exchange.terminal
    assert terminal is not None
    exchange.sign = False  # the requester may hold no session keys; TR-31 authenticates the blocks
    verdict = check_sign_on(request, exchange.frame, services.dialect, terminal, services.journal, exchange.now,
                            services.config.sign_on_window_seconds)
    if verdict.reason is not None:
        services.events.report("sign-on refused", "sign-on of %s refused: %s", terminal.terminal_id, verdict.reason)
        return answer(request, ResponseCode.SECURITY_VIOLATION, None)
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
    return answer(request, ResponseCode.APPROVED,
                  {63: encode_additional_data(dict(zip(_BLOCK_TAGS, blocks, strict=True)))})
