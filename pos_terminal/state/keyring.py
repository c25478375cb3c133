"""The terminal's keys: what was injected, what sign-on delivered, and the keys for the next message.

Keys live in a :class:`keys.keystore.KeyStore` (TR-31 blocks under a local KEK in the data
folder); nothing here writes a clear key anywhere. On first use of a data folder the
terminal is "injected" with the documented test keys (pos_terminal/defaults.py), as a key
injection facility would do: the TMK for master/session keys, the DUKPT TDES IPEK and the
DUKPT AES initial key — never a BDK, which stays with the host.

DUKPT counters advance before a key is used and the new counter is persisted first, so a
crash can skip a KSN but never reuse one (ANSI X9.24-1 A.2, X9.24-3 section 6.5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from keys import dukpt_aes, dukpt_tdes
from keys.dukpt_ladder import DukptLadder
from keys.keystore import KeyStore, load_or_create_kek
from keys.pinblock import PinBlockFormat
from protocols.defaults import TEST_KEYS, TestKeySet
from protocols.security import KeyScheme, MessageKeys, dukpt_aes_keys, dukpt_tdes_message_keys, mksk_keys

TMK = "tmk"
PIN_KEY = "session-pin-key"
MAC_KEY = "session-mac-key"
TDES_IPEK = "dukpt-tdes-ipek"
AES_INITIAL_KEY = "dukpt-aes-initial-key"
TDES_COUNTER = "dukpt_tdes_counter"
AES_COUNTER = "dukpt_aes_counter"


class CounterStore(Protocol):
    """Where the DUKPT counters persist (the journal)."""

    def get_counter(self, name: str, default: int) -> int: ...

    def set_counter(self, name: str, value: int) -> None: ...


class NotSignedOnError(RuntimeError):
    """Master/session keys are not loaded yet: the terminal must sign on first."""


@dataclass
class TerminalKeyring:
    """The key store of one terminal plus its DUKPT counters."""

    store: KeyStore
    counters: CounterStore
    injected: TestKeySet = TEST_KEYS
    _ladders: defaultdict[KeyScheme, DukptLadder] = field(default_factory=lambda: defaultdict(DukptLadder), init=False,
                                                          repr=False, compare=False)
    """Per DUKPT scheme, the keys of this terminal's last derivation (:mod:`keys.dukpt_ladder`): its counter
    advances by one per message, so the next key is usually one derivation step away, not one per counter bit."""

    @classmethod
    def open(cls, data_dir: Path, counters: CounterStore, injected: TestKeySet = TEST_KEYS) -> TerminalKeyring:
        """Open (and on first use, inject) the key store of the terminal whose data folder is ``data_dir``."""
        kek = load_or_create_kek(data_dir / "terminal-kek.hex")
        keyring = cls(KeyStore.open(data_dir / "terminal-keys.json", kek), counters, injected)
        keyring._inject_if_new()
        return keyring

    def _inject_if_new(self) -> None:
        names = set(self.store.names())
        if TMK not in names:
            self.store.put(TMK, self.injected.terminal_master_key, "K0", "T", "B")
        if TDES_IPEK not in names:
            ipek = dukpt_tdes.derive_ipek(self.injected.tdes_bdk, self.injected.tdes_initial_ksn)
            self.store.put(TDES_IPEK, ipek, "B1", "T", "X")
        if AES_INITIAL_KEY not in names:
            initial = dukpt_aes.derive_initial_key(self.injected.aes_bdk, self.injected.aes_initial_key_id)
            self.store.put(AES_INITIAL_KEY, initial, "B1", "A", "X")

    @property
    def terminal_master_key(self) -> bytes:
        return self.store.get(TMK)

    def is_signed_on(self) -> bool:
        """True when master/session working keys are loaded."""
        names = set(self.store.names())
        return PIN_KEY in names and MAC_KEY in names

    def load_session_keys(self, pin_key: bytes, mac_key: bytes) -> None:
        """Keep the session keys delivered at sign-on (already unwrapped and KCV-checked by the caller)."""
        self.store.put(PIN_KEY, pin_key, "P0", "T", "E")
        self.store.put(MAC_KEY, mac_key, "M3", "T", "C")

    def forget_session_keys(self) -> None:
        """Drop the master/session working keys (the next request signs on first)."""
        for name in (PIN_KEY, MAC_KEY):
            if name in self.store.names():
                self.store.delete(name)

    def next_message_keys(self, scheme: KeyScheme, pin_format: PinBlockFormat = PinBlockFormat.ISO_0) -> MessageKeys:
        """The keys for the next message. DUKPT advances (and persists) the counter first."""
        if scheme is KeyScheme.MKSK:
            if not self.is_signed_on():
                raise NotSignedOnError("no session keys: sign on first")
            return mksk_keys(self.store.get(PIN_KEY), self.store.get(MAC_KEY))
        if scheme is KeyScheme.DUKPT_TDES:
            current = dukpt_tdes.ksn_with_counter(
                self.injected.tdes_initial_ksn, self.counters.get_counter(TDES_COUNTER, 0)
            )
            ksn = dukpt_tdes.next_ksn(current)
            self.counters.set_counter(TDES_COUNTER, dukpt_tdes.ksn_counter(ksn))
            return dukpt_tdes_message_keys(self.store.get(TDES_IPEK), ksn, self._ladders[scheme])
        current = dukpt_aes.make_ksn(self.injected.aes_initial_key_id, self.counters.get_counter(AES_COUNTER, 0))
        ksn = dukpt_aes.next_ksn(current)
        self.counters.set_counter(AES_COUNTER, dukpt_aes.ksn_counter(ksn))
        return dukpt_aes_keys(self.store.get(AES_INITIAL_KEY), ksn, pin_format, self._ladders[scheme])
