"""The shipped test CA public keys: every checksum recomputed (EMV 4.3 Book 2, 11.2.2) and equal to the
published one, which is the known-answer check of their transcription; a damaged key is refused, named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emv.capk import CaPublicKeyError, load_test_ca_keys, parse_ca_keys

PUBLISHED_CHECKSUMS = {
    # (RID, index): SHA-1 checksum as published with the scheme test keys
    ("A000000333", 0x08): "EE23B616C95C02652AD18860E48787C079E8E85A",
    ("A000000333", 0x09): "A075306EAB0045BAF72CDD33B3B678779DE1F527",
    ("A000000003", 0x92): "429C954A3859CEF91295F663C963E582ED6EB253",
    ("A000000003", 0x94): "C4A3C43CCF87327D136B804160E47D43B60E6E0F",
    ("A000000004", 0xEF): "21766EBB0EE122AFB65D7845B73DB46BAB65427A",
}


def test_every_shipped_key_has_its_published_checksum() -> None:
    keys = {(key.rid.hex().upper(), key.index): key for key in load_test_ca_keys()}
    assert set(keys) == set(PUBLISHED_CHECKSUMS)
    for name, checksum in PUBLISHED_CHECKSUMS.items():
        assert keys[name].computed_checksum().hex().upper() == checksum, name


def test_a_key_whose_modulus_was_damaged_is_refused_naming_it() -> None:
    key = load_test_ca_keys()[0]
    damaged = replace(key, modulus=bytes([key.modulus[0] ^ 1]) + key.modulus[1:])
    with pytest.raises(CaPublicKeyError, match="A000000333/08: the checksum does not match"):
        damaged.check()


def test_a_key_file_entry_that_is_not_hex_is_refused_naming_the_entry() -> None:
    with pytest.raises(CaPublicKeyError, match=r"\[\[keys\]\] number 1: modulus is not hex"):
        parse_ca_keys('[[keys]]\nrid = "A000000333"\nindex = "08"\nexpiry = "20301231"\nexponent = "03"\n'
                      'modulus = "XYZ"\nchecksum = "00"\n')
