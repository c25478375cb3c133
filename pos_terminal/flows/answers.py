"""What makes an answer usable, for every driver of the flows: it answers the request, its MAC verifies.

The terminal engine (:meth:`pos_terminal.engine.core.EngineCore._exchange`) and the light load terminal
(:class:`simulator.load.terminal.LightTerminal`) move bytes differently; what they accept as an answer is
this one function, so both reject the same answers for the same reasons (typed
:class:`~pos_terminal.common.failures.CommunicationFailure` kinds) and both sign on again when the host may
hold other session keys (docs/protocol.md: a response MAC failure or 63 with master/session keys).
"""

from __future__ import annotations

import logging

from iso8583.dialect import Dialect
from iso8583.message import Message
from keys.errors import CryptoError
from pos_terminal.common.failures import CommunicationFailure, FailureKind
from pos_terminal.profiles.base import ProtocolProfile
from pos_terminal.state.keyring import TerminalKeyring
from protocols.security import KeyScheme, MessageKeys

__all__ = ["accept_answer"]

log = logging.getLogger(__name__)


def accept_answer(
    profile: ProtocolProfile, dialect: Dialect, keyring: TerminalKeyring, scheme: KeyScheme, terminal_id: str,
    request: Message, response: Message, raw: bytes, keys: MessageKeys | None, *, verify: bool = True,
) -> None:
    """Raise :class:`CommunicationFailure` unless ``response`` (decoded from ``raw``) answers ``request``
    (WRONG_ANSWER) and, when ``keys`` signed the request and ``verify``, its MAC verifies (MAC_FAILED).

    Acts on what the answer asks beyond its fields (:meth:`~pos_terminal.profiles.base.ProtocolProfile.note_answer`);
    with master/session keys, a failed MAC or a code asking for a new sign-on drops the session keys, so the
    next request signs on first.
    """
    profile.check_answer(request, response)
    profile.note_answer(response, keyring)
    if keys is not None and verify:
        try:
            profile.verify_answer(response, raw, dialect, keys)
        except CryptoError as error:
            _session_suspect(keyring, scheme, terminal_id)
            raise CommunicationFailure(f"response rejected: {error}{_resign_hint(scheme, terminal_id)}",
                                       FailureKind.MAC_FAILED) from None
    if keys is not None and profile.asks_new_sign_on(profile.response_code(response)):
        _session_suspect(keyring, scheme, terminal_id)


def _session_suspect(keyring: TerminalKeyring, scheme: KeyScheme, terminal_id: str) -> None:
    """A response failed its MAC, or the host asked for a new sign-on: with master/session keys the host may
    hold other session keys (another device signed on with this terminal ID), so the terminal drops its own
    and signs on again before its next request."""
    if scheme is KeyScheme.MKSK and keyring.is_signed_on():
        log.warning("terminal %s: response MAC failed or 63: signing on again before the next request", terminal_id)
        keyring.forget_session_keys()


def _resign_hint(scheme: KeyScheme, terminal_id: str) -> str:
    if scheme is not KeyScheme.MKSK:
        return ""
    return (f" (the host may hold other session keys: has another device signed on as "
            f"{terminal_id}? this terminal signs on again before its next request)")
