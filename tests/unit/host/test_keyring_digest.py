"""The host's keyed digests (card fingerprints, request digests) keep their value from version to version.

A journal written by an earlier host holds them: a retransmission of a request stored then must still match its
digest, and a refund its sale's card fingerprint. So the value is pinned here, computed from its definition:
HMAC-SHA256 under HMAC-SHA256(KEK, "possim host card fingerprint") of the parts, each as "length:text", joined by
US (0x1F), as hex, the first 32 digits.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from keys.keystore import load_or_create_kek
from simulator.host import HostLogic
from tests.unit.host.conftest import make_host


def _definition(kek: bytes, *parts: str) -> str:
    key = hmac.new(kek, b"possim host card fingerprint", hashlib.sha256).digest()
    data = "\x1f".join(f"{len(part)}:{part}" for part in parts).encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]


def _kek(host: HostLogic) -> bytes:
    return load_or_create_kek(host.config.kek_path)


def test_a_request_digest_is_the_documented_hmac_of_its_parts(host: HostLogic) -> None:
    parts = ("020", "4761739001010010", "000000", "000000001000", "", "", "978", "")
    assert host.services.keyring.keyed_digest(*parts) == _definition(_kek(host), *parts)


def test_a_card_fingerprint_is_the_keyed_digest_of_pan(host: HostLogic) -> None:
    assert host.services.keyring.fingerprint("4761739001010010") == _definition(_kek(host), "PAN", "4761739001010010")


def test_each_digest_starts_afresh_from_the_key(host: HostLogic) -> None:
    # The keyed context is copied for each digest: one digest must not leak into the next.
    keyring = host.services.keyring
    first = keyring.keyed_digest("020", "a")
    keyring.keyed_digest("020", "b")
    assert keyring.keyed_digest("020", "a") == first


def test_a_restarted_host_gives_the_same_digests(tmp_path: Path) -> None:
    first = make_host(tmp_path / "data")
    try:
        digest = first.services.keyring.keyed_digest("020", "123")
    finally:
        first.close()
    again = make_host(tmp_path / "data")
    try:
        assert again.services.keyring.keyed_digest("020", "123") == digest
    finally:
        again.close()
