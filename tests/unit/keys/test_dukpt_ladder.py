"""A host's kept DUKPT walk (keys.dukpt_ladder): the same keys as the walk from the initial key, fewer steps."""

from __future__ import annotations

import pytest

from keys import dukpt_aes, dukpt_tdes
from keys.dukpt_ladder import DukptLadder

TDES_BDK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
TDES_KSN = bytes.fromhex("FFFF9876543210E00000")
AES_BDK = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
AES_KEY_ID = bytes.fromhex("1234567890123456")


def _tdes_ksns(count: int, start: bytes = TDES_KSN) -> list[bytes]:
    ksns, ksn = [], start
    for _ in range(count):
        ksn = dukpt_tdes.next_ksn(ksn)
        ksns.append(ksn)
    return ksns


def test_the_steps_are_those_of_the_prefixes_the_last_walk_did_not_share() -> None:
    ladder, steps = DukptLadder(), []

    def step(key: bytes, prefix: int) -> bytes:
        steps.append(prefix)
        return key + bytes([prefix])

    assert ladder.walk(b"K", b"D", 0b1011, 4, step) == b"K\x08\x0a\x0b"
    assert steps == [0b1000, 0b1010, 0b1011]
    steps.clear()
    assert ladder.walk(b"K", b"D", 0b1100, 4, step) == b"K\x08\x0c"  # 1011 + 1: shares 1000 only
    assert steps == [0b1100]


def test_another_initial_key_or_device_walks_from_the_start() -> None:
    ladder, steps = DukptLadder(), []

    def step(key: bytes, prefix: int) -> bytes:
        steps.append(prefix)
        return key + bytes([prefix])

    ladder.walk(b"K", b"D", 0b110, 3, step)
    steps.clear()
    assert ladder.walk(b"L", b"D", 0b111, 3, step) == b"L\x04\x06\x07"
    steps.clear()
    ladder.walk(b"L", b"E", 0b111, 3, step)
    assert steps == [0b100, 0b110, 0b111]


def test_tdes_transaction_keys_along_a_ladder_are_those_from_the_initial_key() -> None:
    # Counters one after another through a ten-one-bit skip, then an older one again (a retransmission).
    ipek = dukpt_tdes.derive_ipek(TDES_BDK, TDES_KSN)
    ksns = _tdes_ksns(40) + _tdes_ksns(3, dukpt_tdes.ksn_with_counter(TDES_KSN, 0x0003FE)) + [_tdes_ksns(5)[-1]]
    ladder = DukptLadder()
    for ksn in ksns:
        assert dukpt_tdes.derive_transaction_key(ipek, ksn, ladder) == dukpt_tdes.derive_transaction_key(ipek, ksn)


def test_tdes_published_transaction_key_along_a_ladder() -> None:
    # X9.24-1:2009 Annex A sample: BDK 0123...3210, KSN FFFF9876543210E00001 and E00002: the current keys.
    ladder = DukptLadder()
    ipek = dukpt_tdes.derive_ipek(TDES_BDK, TDES_KSN)
    keys = [dukpt_tdes.derive_transaction_key(ipek, ksn, ladder).hex().upper() for ksn in _tdes_ksns(2)]
    assert keys == ["042666B49184CFA368DE9628D0397BC9", "C46551CEF9FD24B0AA9AD834130D3BC7"]


@pytest.mark.parametrize("counters", [range(1, 40), [5, 6, 7, 4, 0xFFFF, 0x10000, 3]])
def test_aes_intermediate_keys_along_a_ladder_are_those_from_the_initial_key(counters: list[int]) -> None:
    initial = dukpt_aes.derive_initial_key(AES_BDK, AES_KEY_ID)
    ladder = DukptLadder()
    for counter in counters:
        ksn = dukpt_aes.make_ksn(AES_KEY_ID, counter)
        assert dukpt_aes.derive_intermediate_key(initial, ksn, ladder) == dukpt_aes.derive_intermediate_key(initial, ksn)


def test_a_ladder_shows_no_key() -> None:
    ladder = DukptLadder()
    ladder.walk(bytes(range(16)), b"D", 1, 21, lambda key, prefix: key)
    assert "000102" not in repr(ladder) and "keys kept" in repr(ladder)
