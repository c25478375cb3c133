"""What the host's key ring holds for each terminal, as ``GET /api/terminals`` shows it.

The journal records that session keys were *delivered*; whether the host would verify a request
with them is the key ring's to say (a later host.toml without the ``tmk`` drops them, a hardened
cup-pos sign-on keeps the new keys aside until a request uses them). So the session state is read
from :class:`~simulator.host.keyring.HostKeyring` itself, in one of the host's commit groups (where
it is changed, and nowhere else), and never guessed from the journal. DUKPT terminals derive a key per
request from the BDK and the request's KSN (ANSI X9.24): they need no sign-on at all.

Only check values (ANSI X9.24-1 KCV: the key enciphers zeros, first 3 bytes) leave this module,
never a key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from keys.hexutil import to_hex
from keys.kcv import kcv_tdes
from simulator.host.config import TerminalEntry
from simulator.host.services import HostServices

__all__ = ["SIGNED_ON", "NOT_SIGNED_ON", "NOT_NEEDED", "UNKNOWN", "NO_KEYS", "key_schemes", "session_states"]

SIGNED_ON = "signed on"
"""Master/session: the host holds session keys for the terminal and verifies its requests with them."""
NOT_SIGNED_ON = "not signed on"
"""Master/session: no session keys yet; the terminal's master/session requests are refused until it signs on."""
NOT_NEEDED = "no sign-on needed (DUKPT)"
"""DUKPT only (no ``tmk``): every request carries its KSN, the host derives its keys; a sign-on is refused."""
NO_KEYS = "no keys"
"""In host.toml without any key: every protected request is refused."""
UNKNOWN = "unknown terminal"
"""Not in host.toml: the host refuses its requests."""


def key_schemes(entry: TerminalEntry | None) -> list[str]:
    """The schemes host.toml gives the terminal keys for: ``mksk``, ``dukpt-tdes``, ``dukpt-aes``."""
    if entry is None:
        return []
    return [name for name, key in (("mksk", entry.tmk), ("dukpt-tdes", entry.tdes_bdk), ("dukpt-aes", entry.aes_bdk))
            if key is not None]


def session_state(services: HostServices, terminal_id: str) -> dict[str, Any]:
    """``session`` (one of the constants above), ``session_keys`` (their check values, or None) and
    ``next_keys_issued`` (a hardened sign-on's keys that no request has used yet). Call in a commit group."""
    entry = services.config.terminals.get(terminal_id)
    schemes = key_schemes(entry)
    current = next_keys = None
    if entry is None:
        session = UNKNOWN
    elif entry.tmk is None:
        session = NOT_NEEDED if schemes else NO_KEYS
    else:
        current = services.keyring.session_keys(terminal_id)
        next_keys = services.keyring.next_keys(terminal_id)
        session = SIGNED_ON if current is not None else NOT_SIGNED_ON
    return {
        "session": session,
        "session_keys": None if current is None else {
            "pin_key_kcv": to_hex(kcv_tdes(current.pin_key)), "mac_key_kcv": to_hex(kcv_tdes(current.request_mac_key))},
        "next_keys_issued": next_keys is not None,
    }


def session_states(services: HostServices, terminal_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """:func:`session_state` of each terminal, in one commit group."""
    return {terminal_id: session_state(services, terminal_id) for terminal_id in terminal_ids}
