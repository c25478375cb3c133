"""The host's keys: session keys of master/session terminals, DUKPT derivation, card fingerprints.

Session keys at rest are TR-31 blocks in a :class:`keys.keystore.KeyStore` under the host KEK
(``DATA/host.kek``, created on first use, mode 0600); they are delivered to the terminal as
TR-31 version B blocks under its terminal master key. DUKPT keys are derived per request from
the BDK and the KSN the request carries (DE 63 tag KS); the KSN must belong to the terminal
(its initial KSN or initial key ID), else the request is refused as a security violation.

New session keys are pending until the journal transaction of the sign-on commits: read through
by the key ring at once (a later request of the same commit group verifies with them), written to
the key store and the session cache only after the commit, forgotten on a rollback
(:mod:`simulator.host.effects`).

Card fingerprints are HMAC-SHA256 of the PAN under a key derived from the host KEK, so the
journal can tell "same card" without holding a PAN.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from iso8583.dialect import Dialect
from keys import dukpt_aes, dukpt_tdes, tr31
from keys.dukpt_ladder import DukptLadder
from keys.errors import CryptoError
from keys.hexutil import to_hex
from keys.kcv import kcv_tdes
from keys.keystore import KeyStore, load_or_create_kek
from keys.primitives import adjust_odd_parity
from protocols.security import (
    KeyScheme,
    MessageKeys,
    dukpt_aes_keys,
    dukpt_tdes_message_keys,
    mksk_keys,
    pin_block_format_for,
)
from simulator.host.config import HostConfig, TerminalEntry
from simulator.host.effects import AfterCommit, at_once
from simulator.host.sealing import FrameSealer

log = logging.getLogger(__name__)

TDES_KSN_HEX = 20
AES_KSN_HEX = 24
SESSION_KEY_LENGTH = 16


class KeyResolutionError(ValueError):
    """The keys protecting a request cannot be established (no session, foreign KSN...)."""


class SchemeNotConfiguredError(KeyResolutionError):
    """The terminal has no key for the scheme the request uses (host.toml configures only others)."""


class MalformedKsnError(KeyResolutionError):
    """DE 63 tag KS is not 20 or 24 hex digits: a format error rather than a security one."""


@dataclass(frozen=True)
class SessionDelivery:
    """New master/session keys: the key blocks and check values for DE 63 PK/PV/MK/MV."""

    keys: MessageKeys = field(repr=False)
    pin_key_block: str
    pin_key_kcv: str
    mac_key_block: str
    mac_key_kcv: str
    track_key: bytes | None = field(default=None, repr=False)
    """cup-pos sign-on 60.3 = 004: the track data key (TDK) issued with the PIK and MAK."""


CURRENT = "current"
NEXT = "next"
"""The slots of a terminal's master/session keys: the ones in use, and (cup-pos sign-on hardening) keys
issued by a sign-on that become current only when a request first verifies under them."""


@dataclass(frozen=True, eq=False)
class _PendingSession:
    terminal_id: str
    keys: MessageKeys = field(repr=False)
    slot: str = CURRENT
    track_key: bytes | None = field(default=None, repr=False)


def _fresh_tdes_key() -> bytes:
    return adjust_odd_parity(secrets.token_bytes(SESSION_KEY_LENGTH))


def _fresh_single_length_key() -> bytes:
    """A DES key kept as K || K: two-key TDES under it enciphers exactly as single DES (cup-pos 60.3 = 001)."""
    key = adjust_odd_parity(secrets.token_bytes(8))
    return key + key


class HostKeyring:
    """Key material of the host for every terminal it knows (one instance per host)."""

    def __init__(self, config: HostConfig, dialect: Dialect, *, after_commit: AfterCommit | None = None) -> None:
        self._after_commit: AfterCommit = after_commit or at_once
        """Registers state to keep once the journal commits (:meth:`HostJournal.after_commit`); default: at once."""
        self._pending: list[_PendingSession] = []
        """Session keys issued in a transaction not committed yet: read through, newest first."""
        self._config = config
        kek = load_or_create_kek(config.kek_path)
        self._store = KeyStore.open(config.keystore_path, kek)
        self._keyed_hmac = hmac.new(hmac.new(kek, b"possim host card fingerprint", hashlib.sha256).digest(),
                                    digestmod="sha256")
        """HMAC-SHA256 under the fingerprint key, keyed once: each digest is a copy of it (:meth:`keyed_digest`)."""
        self._sealer = FrameSealer(kek)
        self._pin_format = pin_block_format_for(dialect)
        self._sessions: dict[str, MessageKeys] = {}
        self._next: dict[str, MessageKeys] = {}
        """Next keys of hardened cup-pos sign-ons, by terminal (:meth:`new_session` ``until_first_use``)."""
        self._initial_keys: dict[tuple[bytes, bytes], bytes] = {}
        """IPEKs and AES initial keys by (BDK, initial KSN / key ID): derived once per terminal, not per request."""
        self._ladders: defaultdict[tuple[str, KeyScheme], DukptLadder] = defaultdict(DukptLadder)
        """The DUKPT keys each terminal's last request was derived along (:mod:`keys.dukpt_ladder`), one per terminal
        and scheme (a ladder is made on first use, after the request's KSN was checked to be the terminal's): its next
        KSN is usually one step from them rather than one per one-bit of its counter."""

    # -- master/session -------------------------------------------------------------------

    @staticmethod
    def _names(terminal_id: str, slot: str = CURRENT) -> tuple[str, str]:
        prefix = "" if slot == CURRENT else "next-"
        return f"session/{terminal_id}/{prefix}pin", f"session/{terminal_id}/{prefix}mac"

    @staticmethod
    def _track_key_name(terminal_id: str, slot: str = CURRENT) -> str:
        return f"session/{terminal_id}/{'' if slot == CURRENT else 'next-'}tdk"

    def new_session(self, profile: TerminalEntry, *, until_first_use: bool = False, single_length: bool = False,
                    track_key: bool = False) -> SessionDelivery:
        """Generate a TPK and a TAK, keep them under the host KEK, and wrap them under the TMK.

        The keys are the terminal's current ones at once for this host (a request later in the same
        commit group verifies with them) but reach the key store and the session cache only when
        the journal transaction commits; a rollback forgets them (:mod:`simulator.host.effects`).

        ``until_first_use`` (the cup-pos sign-on hardening): the keys are the terminal's *next*
        keys instead; the current ones stay in force until a request verifies under the next ones
        (:meth:`promote`), so a sign-on from a peer that cannot decipher them changes nothing.
        ``single_length`` (cup-pos 60.3 = 001): DES keys, kept as K || K; ``track_key`` (60.3 = 004):
        a double-length track data key too, kept with them (:meth:`track_key`).
        """
        if profile.tmk is None:
            raise SchemeNotConfiguredError(f"terminal {profile.terminal_id} has no terminal master key (tmk)")
        fresh = _fresh_single_length_key if single_length else _fresh_tdes_key
        tpk, tak = fresh(), fresh()
        tdk = _fresh_tdes_key() if track_key else None
        pin_header = tr31.KeyBlockHeader(version_id="B", key_usage="P0", algorithm="T", mode_of_use="E")
        mac_header = tr31.KeyBlockHeader(version_id="B", key_usage="M3", algorithm="T", mode_of_use="C")
        keys = mksk_keys(tpk, tak)
        self._keep_session(profile.terminal_id, tpk, tak, keys, NEXT if until_first_use else CURRENT, tdk)
        log.info("new session keys for terminal %s (PIN key KCV %s, MAC key KCV %s)", profile.terminal_id,
                 to_hex(kcv_tdes(tpk)), to_hex(kcv_tdes(tak)))
        return SessionDelivery(
            keys=keys,
            pin_key_block=tr31.wrap(profile.tmk, pin_header, tpk),
            pin_key_kcv=to_hex(kcv_tdes(tpk)),
            mac_key_block=tr31.wrap(profile.tmk, mac_header, tak),
            mac_key_kcv=to_hex(kcv_tdes(tak)),
            track_key=tdk,
        )

    def _keep_session(self, terminal_id: str, tpk: bytes, tak: bytes, keys: MessageKeys, slot: str = CURRENT,
                      tdk: bytes | None = None) -> None:
        """New keys of ``slot``, pending until the journal commits (stored then, forgotten on a rollback).

        Keys made current drop the terminal's next keys (an older sign-on's keys must not come back).
        """
        pending = _PendingSession(terminal_id, keys, slot, tdk)
        self._pending.append(pending)

        def apply() -> None:
            self._forget(pending)
            cache = self._sessions if slot == CURRENT else self._next
            cache[terminal_id] = keys
            pin_name, mac_name = self._names(terminal_id, slot)
            entries = [(pin_name, tpk, "P0", "T", "E", "N"), (mac_name, tak, "M3", "T", "C", "N")]
            tdk_name = self._track_key_name(terminal_id, slot)
            if tdk is not None:
                entries.append((tdk_name, tdk, "D0", "T", "B", "N"))
            self._store.stage_many(entries)  # written by the flush after the group's effects: one fsync per group
            obsolete = [] if tdk is not None else [tdk_name]
            if slot == CURRENT:
                self._next.pop(terminal_id, None)
                obsolete += [*self._names(terminal_id, NEXT), self._track_key_name(terminal_id, NEXT)]
            for name in obsolete:
                if name in self._store:
                    self._store.stage_delete(name)

        self._after_commit(apply, lambda: self._forget(pending), name=f"{slot} session keys of {terminal_id}",
                           then=self._store.flush)

    def next_keys(self, terminal_id: str) -> MessageKeys | None:
        """The keys a hardened sign-on issued that no request has used yet (None when there are none)."""
        return self._slot_keys(terminal_id, NEXT, self._next)

    def promote(self, terminal_id: str, keys: MessageKeys) -> None:
        """A request verified under the next keys ``keys``: they become current once the journal commits."""
        self._keep_session(terminal_id, keys.pin_key, keys.request_mac_key, keys, CURRENT,
                           self.track_key(terminal_id, NEXT))
        log.info("terminal %s uses the keys of its last sign-on: they are now its current keys", terminal_id)

    def track_key(self, terminal_id: str, slot: str = CURRENT) -> bytes | None:
        """The track data key issued with the keys of ``slot`` (cup-pos sign-on 004), None when none was."""
        decided, pending = self._pending_slot(terminal_id, slot)
        if decided:
            return pending.track_key if pending is not None else None
        name = self._track_key_name(terminal_id, slot)
        return self._store.get(name) if name in self._store else None

    def _pending_slot(self, terminal_id: str, slot: str) -> tuple[bool, _PendingSession | None]:
        """What the not yet committed sessions say of ``terminal_id``'s ``slot``: ``(True, pending)`` when the
        latest one fills it, ``(True, None)`` when it emptied it (next keys made current since), ``(False,
        None)`` when they say nothing and the store decides."""
        for pending in reversed(self._pending):
            if pending.terminal_id == terminal_id:
                if pending.slot == slot:
                    return True, pending
                if slot == NEXT:  # keys made current since: the next ones are gone with them
                    return True, None
        return False, None

    def _forget(self, pending: _PendingSession) -> None:
        self._pending[:] = [entry for entry in self._pending if entry is not pending]

    def session_keys(self, terminal_id: str) -> MessageKeys | None:
        """The current master/session keys of ``terminal_id`` (pending ones first), None before its first sign-on.

        None too for a terminal the host knows without a ``tmk``: keys a store kept from an earlier
        configuration are not its keys any more.
        """
        return self._slot_keys(terminal_id, CURRENT, self._sessions)

    def _slot_keys(self, terminal_id: str, slot: str, cache: dict[str, MessageKeys]) -> MessageKeys | None:
        profile = self._config.terminals.get(terminal_id)
        if profile is not None and profile.tmk is None:
            return None
        decided, pending = self._pending_slot(terminal_id, slot)
        if decided:
            return pending.keys if pending is not None else None
        cached = cache.get(terminal_id)
        if cached is not None:
            return cached
        pin_name, mac_name = self._names(terminal_id, slot)
        if pin_name not in self._store or mac_name not in self._store:
            return None
        keys = mksk_keys(self._store.get(pin_name), self._store.get(mac_name))
        cache[terminal_id] = keys
        return keys

    # -- per request ----------------------------------------------------------------------

    def request_keys(self, profile: TerminalEntry, ksn_hex: str | None) -> MessageKeys:
        """The keys of one request: DUKPT from its KSN (20 hex: TDES, 24 hex: AES), else the session keys.

        Each terminal only under the schemes it is configured for (a BDK, a TMK):
        :class:`SchemeNotConfiguredError` otherwise, refused like any request without keys.
        """
        if ksn_hex is None:
            keys = self.session_keys(profile.terminal_id)
            if keys is None:
                raise KeyResolutionError(f"terminal {profile.terminal_id} has no session keys (not signed on)")
            return keys
        try:
            ksn = bytes.fromhex(ksn_hex)
        except ValueError:
            raise MalformedKsnError("DE 63 KS is not hex") from None
        try:
            if len(ksn_hex) == TDES_KSN_HEX:
                if profile.tdes_bdk is None:
                    raise SchemeNotConfiguredError(f"terminal {profile.terminal_id} is not configured for DUKPT TDES")
                if dukpt_tdes.initial_ksn(ksn) != dukpt_tdes.initial_ksn(profile.tdes_initial_ksn):
                    raise KeyResolutionError(f"KSN does not belong to terminal {profile.terminal_id}")
                ipek = self._initial_key(profile.tdes_bdk, profile.tdes_initial_ksn, dukpt_tdes.derive_ipek)
                return dukpt_tdes_message_keys(ipek, ksn, self._ladders[profile.terminal_id, KeyScheme.DUKPT_TDES])
            if len(ksn_hex) == AES_KSN_HEX:
                if profile.aes_bdk is None:
                    raise SchemeNotConfiguredError(f"terminal {profile.terminal_id} is not configured for DUKPT AES")
                if dukpt_aes.ksn_initial_key_id(ksn) != profile.aes_initial_key_id:
                    raise KeyResolutionError(f"KSN does not belong to terminal {profile.terminal_id}")
                initial = self._initial_key(profile.aes_bdk, profile.aes_initial_key_id, dukpt_aes.derive_initial_key)
                return dukpt_aes_keys(initial, ksn, self._pin_format,
                                      self._ladders[profile.terminal_id, KeyScheme.DUKPT_AES])
        except CryptoError as exc:
            raise KeyResolutionError(f"DUKPT derivation failed: {exc}") from None
        raise MalformedKsnError(f"DE 63 KS has {len(ksn_hex)} hex digits, expected 20 or 24")

    def _initial_key(self, bdk: bytes, identity: bytes, derive) -> bytes:  # type: ignore[no-untyped-def]
        key = self._initial_keys.get((bdk, identity))
        if key is None:
            key = self._initial_keys[(bdk, identity)] = derive(bdk, identity)
        return key

    def frame_sealer(self) -> FrameSealer:
        """Seals the journal's message frames under a key derived from the host KEK."""
        return self._sealer

    def fingerprint(self, pan: str) -> str:
        """HMAC-SHA256 of ``pan`` under the host's fingerprint key (hex, 32 characters)."""
        return self.keyed_digest("PAN", pan)

    def keyed_digest(self, *parts: str) -> str:
        """HMAC-SHA256 of ``parts`` (joined unambiguously) under the fingerprint key: safe to journal."""
        mac = self._keyed_hmac.copy()  # OpenSSL's keyed context copied: no digest fetch, no key schedule per call
        mac.update("\x1f".join([f"{len(part)}:{part}" for part in parts]).encode("utf-8"))  # a list joins faster
        return mac.hexdigest()[:32]
