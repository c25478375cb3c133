"""The light terminal's keys: :class:`pos_terminal.state.keyring.TerminalKeyring` over an in-memory store.

The keyring logic (injection of the test keys, session keys from sign-on, DUKPT counters
advanced before each message) is the terminal's own; only where it keeps things differs: a
dict instead of the TR-31 key file (rewritten and fsynced on every change) and a dict of
counters instead of the journal. Clear keys live in process memory only, as in the terminal
once it has unwrapped them; nothing is written anywhere.
"""

from __future__ import annotations

from typing import cast

from keys.keystore import KeyStore
from protocols.defaults import TEST_KEYS, TestKeySet
from pos_terminal.state.keyring import TerminalKeyring


class MemoryKeyStore:
    """The part of :class:`keys.keystore.KeyStore` the terminal keyring uses, in a dict."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    def put(self, name: str, key: bytes, usage: str, algorithm: str, mode_of_use: str,
            *, exportability: str = "N") -> None:
        """Keep ``key`` under ``name``; the TR-31 attributes matter only to a stored key block."""
        self._keys[name] = bytes(key)

    def get(self, name: str) -> bytes:
        return self._keys[name]

    def names(self) -> list[str]:
        return list(self._keys)

    def delete(self, name: str) -> None:
        """Forget the key under ``name`` (a ``cup-pos`` sign-off drops the working keys)."""
        del self._keys[name]


class MemoryCounters:
    """DUKPT counters (the journal's ``get_counter``/``set_counter``) in a dict."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}

    def get_counter(self, name: str, default: int) -> int:
        return self._values.get(name, default)

    def set_counter(self, name: str, value: int) -> None:
        self._values[name] = value


class MemoryKeyring(TerminalKeyring):
    """A terminal keyring whose keys and counters live in memory, injected with the test keys."""

    @classmethod
    def injected_with(cls, injected: TestKeySet = TEST_KEYS) -> MemoryKeyring:
        """A fresh keyring holding what key injection gives a terminal: TMK, DUKPT IPEK and initial key."""
        keyring = cls(cast(KeyStore, MemoryKeyStore()), MemoryCounters(), injected)
        keyring._inject_if_new()
        return keyring
