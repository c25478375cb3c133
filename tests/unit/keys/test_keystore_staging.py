"""Staged changes of the key store: read at once, written by one atomic rewrite at the next flush
(keys.keystore.KeyStore.stage_many, stage_delete, flush): a host writes a group's sign-ons with one fsync."""

from __future__ import annotations

from pathlib import Path

import pytest

import keys.keystore
from keys.errors import KeyStoreError
from keys.keystore import KeyStore
from tests.keystore_writes import count_rewrites

KEK = bytes(range(32))
TDES_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
OTHER_KEY = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore.open(tmp_path / "keys.json", KEK)


def test_a_staged_key_is_read_at_once(store: KeyStore) -> None:
    store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N")])
    assert store.get("tpk") == TDES_KEY


def test_a_staged_key_is_not_in_the_file_before_the_flush(store: KeyStore) -> None:
    store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N")])
    assert KeyStore.open(store.path, KEK).names() == []


def test_a_flush_writes_every_staged_change_in_one_rewrite(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.put("old", OTHER_KEY, "M3", "T", "C")
    written = count_rewrites(monkeypatch)
    store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N")])
    store.stage_many([("tak", OTHER_KEY, "M3", "T", "C", "N")])
    store.stage_delete("old")
    store.flush()
    assert len(written) == 1
    assert KeyStore.open(store.path, KEK).names() == ["tak", "tpk"]


def test_a_flush_with_nothing_staged_writes_nothing(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.put("tpk", TDES_KEY, "P0", "T", "E")
    written = count_rewrites(monkeypatch)
    store.flush()
    assert written == []


def test_a_second_flush_writes_nothing_more(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    written = count_rewrites(monkeypatch)
    store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N")])
    store.flush()
    store.flush()
    assert len(written) == 1


def test_a_refused_key_stages_nothing(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="algorithm 'X'"):
        store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N"), ("bad", TDES_KEY, "P0", "X", "E", "N")])
    assert "tpk" not in store


def test_a_staged_delete_of_an_unknown_name_names_it(store: KeyStore) -> None:
    with pytest.raises(KeyStoreError, match="no key named 'nope'"):
        store.stage_delete("nope")


def test_a_failed_flush_keeps_the_staged_keys_and_tries_again(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.stage_many([("tpk", TDES_KEY, "P0", "T", "E", "N")])
    replace = keys.keystore.replace_atomically

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys.keystore, "replace_atomically", disk_full)
    with pytest.raises(KeyStoreError, match="No space left"):
        store.flush()
    assert store.get("tpk") == TDES_KEY
    monkeypatch.setattr(keys.keystore, "replace_atomically", replace)
    store.flush()
    assert KeyStore.open(store.path, KEK).get("tpk") == TDES_KEY


def test_membership_tells_whether_a_key_is_stored(store: KeyStore) -> None:
    store.put("tpk", TDES_KEY, "P0", "T", "E")
    assert ("tpk" in store, "tak" in store) == (True, False)
