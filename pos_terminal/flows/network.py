"""Network management, sans I/O: sign-on, echo and sign-off, and the keys of the next request.

A sign-on delivers (master/session keys) or confirms (DUKPT) the working keys; an approved answer's keys are
checked by the profile before they are kept (:meth:`~pos_terminal.profiles.base.ProtocolProfile.accept_network_answer`:
TR-31 blocks and KCVs for possim-87, DE 62 for ``cup-pos``). When the next request needs working keys the
terminal does not have, it signs on first (:func:`message_keys`), so every flow that yields
:class:`~pos_terminal.common.effects.NeedKeys` gets them the same way in the engine and the light load
terminal (docs/protocol.md, Sign-on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from iso8583.dialect import Dialect
from keys.errors import CryptoError
from pos_terminal.common.failures import CommunicationFailure, FailureKind
from pos_terminal.common.effects import Send, Step
from pos_terminal.flows.state import TerminalState
from pos_terminal.profiles.base import NetworkKind, ProtocolProfile
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.keyring import TerminalKeyring
from protocols.security import KeyScheme, MessageKeys

__all__ = ["KeyContext", "NetworkEnd", "message_keys", "network"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyContext:
    """Where the terminal's keys are and how they are used: its keyring, key scheme and dialect."""

    keyring: TerminalKeyring
    scheme: KeyScheme
    dialect: Dialect


@dataclass(frozen=True)
class NetworkEnd:
    """How a network exchange ended."""

    stan: int
    response_code: str | None
    """The host's code; None when no usable answer came."""
    approved: bool
    """The host approved it and (sign-on) the keys it delivered were kept."""
    error: str | None = None
    """Why it failed: no usable answer, or the keys an approved sign-on delivered were refused."""


def network(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState, keys: KeyContext,
            kind: NetworkKind) -> Step[NetworkEnd]:
    """One sign-on, echo or sign-off (the profile must have it: :meth:`~ProtocolProfile.supports_network`); an
    approved sign-on loads the working keys it delivers, a sign-off drops them."""
    now = state.now()
    stan = state.next_stan()
    protection, verify, additional = profile.network_protection(kind, keys.keyring, keys.scheme, keys.dialect)
    request = profile.network_request(kind, stan, now, config, state.current_batch(), additional)
    try:
        response = yield Send(request, protection, None, kind.value, verify=verify)
    except CommunicationFailure as failure:
        return NetworkEnd(stan, None, False, str(failure))
    code = profile.response_code(response)
    approved = profile.is_approved(code)
    if approved:
        try:
            profile.accept_network_answer(kind, response, keys.keyring, keys.scheme)
        except (CryptoError, ValueError, KeyError) as error:
            return NetworkEnd(stan, code, False, f"session keys refused: {error}")
    state.note_network(kind, code, stan)
    if approved:
        try:  # what the answer asks for next (cup-pos: an IC key or parameter download); the exchange stands
            yield from profile.follow_network_answer(kind, response, config, state)
        except CommunicationFailure as failure:
            log.info("%s: what the host asked for after it did not complete: %s", kind.value, failure)
    return NetworkEnd(stan, code, approved)


def message_keys(profile: ProtocolProfile, config: TerminalConfig, state: TerminalState,
                 keys: KeyContext) -> Step[MessageKeys]:
    """The keys of the next request; signs on first when the protocol has no working keys (a sign-on that
    fails raises :class:`CommunicationFailure` SIGN_ON_FAILED: the request is not sent)."""
    if not profile.signed_on(keys.keyring, keys.scheme):
        end = yield from network(profile, config, state, keys, NetworkKind.SIGN_ON)
        if not end.approved:
            raise CommunicationFailure(f"sign-on failed: {end.error or end.response_code}", FailureKind.SIGN_ON_FAILED)
    return profile.message_keys(keys.keyring, keys.scheme, keys.dialect)
