"""The key store: keys as TR-31 version D blocks under a KEK in one JSON file.

Check values used:
* TDES key 0123456789ABCDEFFEDCBA9876543210 has KCV 08D7B4 (encrypt-zeros method, ANSI X9.24-1;
  the industry's classic test key, as in tests/unit/keys/test_kcv.py).
* AES-256 key 88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6 has CMAC KCV
  2331550BC9: the "KP" optional block "012331550BC9" (01 = CMAC method) of the ANSI X9.143:2021
  8.6 ECC key block example, whose KBPK is that key (quoted in warthog33/keyblock
  tests/fromstandards.rs, test_x9_143_2021_ecc_keyblock_8_6).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import psec
import pytest

from keys.errors import KeyStoreError
from keys.keystore import KEK_LENGTH, KeyStore, generate_kek, load_or_create_kek

pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning:psec.des")

KEK = bytes(range(32))
OTHER_KEK = bytes(range(1, 33))
TDES_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES_KEY = bytes.fromhex("88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


def test_missing_file_opens_as_an_empty_store(store_path: Path) -> None:
    assert KeyStore.open(store_path, KEK).names() == []
    assert not store_path.exists()


def test_put_then_get_returns_the_key(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    assert store.get("tmk") == TDES_KEY


def test_keys_survive_reopening_the_file(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("pek", AES_KEY, "P0", "A", "E")
    assert KeyStore.open(store_path, KEK).get("pek") == AES_KEY


def test_header_returns_the_attributes_given_to_put(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("mak", TDES_KEY, "M3", "T", "C", exportability="E")
    header = store.header("mak")
    assert (header.version_id, header.key_usage, header.algorithm, header.mode_of_use, header.exportability) == (
        "D",
        "M3",
        "T",
        "C",
        "E",
    )


def test_stored_block_is_labelled_with_the_key_name_for_storage_only(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    header = store.header("tmk")
    assert header.optional_block("LB") == "tmk"
    assert header.key_context == "1"


def test_tdes_kcv_is_the_encrypt_zeros_check_value(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    assert store.kcv("tmk") == "08D7B4"


def test_aes_kcv_is_the_cmac_check_value(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("kbpk", AES_KEY, "K1", "A", "B")
    assert store.kcv("kbpk") == "2331550BC9"


def test_file_has_the_documented_json_layout(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "K0", "T", "B")
    document = json.loads(store_path.read_text())
    assert document["format"] == 1
    assert set(document["keys"]) == {"tmk"}
    assert document["keys"]["tmk"]["kcv"] == "08D7B4"
    assert document["keys"]["tmk"]["block"].startswith("D")


def test_stored_block_is_a_standard_tr31_block_that_psec_unwraps(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("pek", AES_KEY, "P0", "A", "E")
    block = json.loads(store_path.read_text())["keys"]["pek"]["block"]
    assert psec.tr31.unwrap(KEK, block)[1] == AES_KEY


def test_file_never_contains_the_clear_key(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    store.put("pek", AES_KEY, "P0", "A", "E")
    raw = store_path.read_bytes()
    for key in (TDES_KEY, AES_KEY):
        assert key.hex().upper().encode() not in raw
        assert key.hex().encode() not in raw
        assert key not in raw


def test_names_lists_stored_keys_sorted(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("zpk", TDES_KEY, "P0", "T", "E")
    store.put("bdk", TDES_KEY, "B0", "T", "X")
    assert store.names() == ["bdk", "zpk"]


def test_put_replaces_an_existing_key_of_the_same_name(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    store.put("tmk", AES_KEY, "K0", "A", "B")
    assert KeyStore.open(store_path, KEK).get("tmk") == AES_KEY


def test_delete_removes_the_key_from_the_file(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    store.delete("tmk")
    assert KeyStore.open(store_path, KEK).names() == []


def test_get_of_an_unknown_name_names_it(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no key named 'nope'"):
        KeyStore.open(store_path, KEK).get("nope")


def test_delete_of_an_unknown_name_names_it(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no key named 'nope'"):
        KeyStore.open(store_path, KEK).delete("nope")


def test_kcv_of_an_unknown_name_names_it(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="no key named 'nope'"):
        KeyStore.open(store_path, KEK).kcv("nope")


def test_wrong_kek_is_refused_at_open_naming_the_key_and_file(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "K0", "T", "B")
    with pytest.raises(KeyStoreError, match=r"key 'tmk' does not verify under this KEK") as caught:
        KeyStore.open(store_path, OTHER_KEK)
    assert str(store_path) in str(caught.value)
    assert TDES_KEY.hex().upper() not in str(caught.value).upper()


def test_kek_of_the_wrong_length_is_refused(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="KEK is 16 bytes, expected 32"):
        KeyStore.open(store_path, bytes(16))


def test_file_that_is_not_json_is_refused_naming_the_file(store_path: Path) -> None:
    store_path.write_text("{not json")
    with pytest.raises(KeyStoreError, match="is not valid JSON") as caught:
        KeyStore.open(store_path, KEK)
    assert str(store_path) in str(caught.value)


def test_file_of_another_format_is_refused(store_path: Path) -> None:
    store_path.write_text(json.dumps({"format": 2, "keys": {}}))
    with pytest.raises(KeyStoreError, match="not a format 1 key store"):
        KeyStore.open(store_path, KEK)


def test_entry_without_a_block_is_refused_naming_the_key(store_path: Path) -> None:
    store_path.write_text(json.dumps({"format": 1, "keys": {"tmk": {"kcv": "08D7B4"}}}))
    with pytest.raises(KeyStoreError, match="key 'tmk' needs string 'block' and 'kcv'"):
        KeyStore.open(store_path, KEK)


def test_altered_block_is_refused_naming_the_key(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "K0", "T", "B")
    document = json.loads(store_path.read_text())
    block = document["keys"]["tmk"]["block"]
    document["keys"]["tmk"]["block"] = block[:-1] + ("0" if block[-1] != "0" else "1")
    store_path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="key 'tmk'"):
        KeyStore.open(store_path, KEK)


def test_block_moved_under_another_name_is_detected(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("pek", TDES_KEY, "P0", "T", "E")
    store.put("mak", AES_KEY, "M6", "A", "C")
    document = json.loads(store_path.read_text())
    document["keys"]["mak"] = document["keys"]["pek"]
    store_path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="labelled for another key"):
        KeyStore.open(store_path, KEK)


def test_kcv_that_does_not_match_the_key_is_refused(store_path: Path) -> None:
    KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "K0", "T", "B")
    document = json.loads(store_path.read_text())
    document["keys"]["tmk"]["kcv"] = "000000"
    store_path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="does not match its stored KCV"):
        KeyStore.open(store_path, KEK)


def test_put_with_an_invalid_usage_names_the_key_and_the_field(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match=r"key 'tmk': header field key usage 'ZZ' unknown"):
        KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "ZZ", "T", "B")


def test_put_with_a_key_of_the_wrong_length_does_not_echo_the_key(store_path: Path) -> None:
    key = bytes.fromhex("00112233445566778899AABBCCDDEE")
    with pytest.raises(KeyStoreError, match="15 bytes") as caught:
        KeyStore.open(store_path, KEK).put("tmk", key, "K0", "T", "B")
    assert key.hex().upper() not in str(caught.value).upper()


def test_put_with_an_algorithm_the_store_cannot_check_is_refused(store_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="algorithm 'H' not supported"):
        KeyStore.open(store_path, KEK).put("hmac", bytes(32), "M7", "H", "C")


def test_repr_does_not_show_the_kek(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    assert KEK.hex() not in repr(store).lower() and repr(KEK) not in repr(store)


def test_failed_write_leaves_the_old_file_and_the_old_contents(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyStore.open(store_path, KEK)
    store.put("tmk", TDES_KEY, "K0", "T", "B")
    before = store_path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyStoreError, match="cannot write key store"):
        store.put("pek", AES_KEY, "P0", "A", "E")
    assert store_path.read_bytes() == before
    assert store.names() == ["tmk"]
    assert [path.name for path in store_path.parent.iterdir()] == [store_path.name]


def test_every_change_is_fsynced_before_and_after_the_rename(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "fsync-file")
        real_fsync(descriptor)

    def replace(source: str, target: str) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    KeyStore.open(store_path, KEK).put("tmk", TDES_KEY, "K0", "T", "B")
    assert events == ["fsync-file", "replace", "fsync-dir"]


def test_generate_kek_returns_32_fresh_random_bytes() -> None:
    first, second = generate_kek(), generate_kek()
    assert len(first) == KEK_LENGTH and first != second


def test_load_or_create_kek_creates_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.hex"
    kek = load_or_create_kek(path)
    assert len(kek) == KEK_LENGTH
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_or_create_kek_returns_the_same_kek_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "kek.hex"
    assert load_or_create_kek(path) == load_or_create_kek(path)


def test_load_or_create_kek_refuses_a_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "kek.hex"
    load_or_create_kek(path)
    path.chmod(0o644)
    with pytest.raises(KeyStoreError, match="mode 0644"):
        load_or_create_kek(path)


def test_load_or_create_kek_refuses_a_file_of_the_wrong_length_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "kek.hex"
    path.write_text("00112233445566778899AABBCCDDEEFF\n")
    path.chmod(0o600)
    with pytest.raises(KeyStoreError, match="holds 16 bytes, expected 32") as caught:
        load_or_create_kek(path)
    assert "00112233" not in str(caught.value)


def test_kek_from_file_opens_the_store_it_created(tmp_path: Path) -> None:
    kek_path, store_path = tmp_path / "kek.hex", tmp_path / "keys.json"
    KeyStore.open(store_path, load_or_create_kek(kek_path)).put("tmk", TDES_KEY, "K0", "T", "B")
    assert KeyStore.open(store_path, load_or_create_kek(kek_path)).get("tmk") == TDES_KEY



def test_put_many_stores_several_keys_in_one_rewrite(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = KeyStore.open(store_path, KEK)
    writes: list[int] = []
    original = store._save
    monkeypatch.setattr(store, "_save", lambda entries: (writes.append(len(entries)), original(entries))[1])
    store.put_many([("session/T1/pin", bytes(range(16)), "P0", "T", "E", "N"),
                    ("session/T1/mac", bytes(range(16, 32)), "M3", "T", "C", "N")])
    assert writes == [2]
    reopened = KeyStore.open(store_path, KEK)
    assert reopened.get("session/T1/pin") == bytes(range(16)) and reopened.get("session/T1/mac") == bytes(range(16, 32))


def test_put_many_stores_nothing_when_one_key_is_refused(store_path: Path) -> None:
    store = KeyStore.open(store_path, KEK)
    with pytest.raises(KeyStoreError, match="algorithm"):
        store.put_many([("a", bytes(16), "P0", "T", "E", "N"), ("b", bytes(16), "M3", "X", "C", "N")])
    assert KeyStore.open(store_path, KEK).names() == []
