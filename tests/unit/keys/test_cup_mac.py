"""The China UnionPay POS "ECB" MAC (keys.cup_mac, and ``cup-ecb`` in keys.mac).

The algorithm is the one of the CUP POS terminal specification (中国银联 POS 终端规范): XOR of
the MAB in 8-byte blocks, hex expansion, E(MAK, first 8 characters), XOR with the last 8,
E(MAK, ...) again, first 8 hex characters. Worked examples published with its public
descriptions, and where they were found:

[PGATE] github.com/solo123/pgate, test/integration/pos_mac_test.rb (the same worked example is
    in solo123/pgate_model test/kaifu_test/encrypt_test.rb): MAK 2222222222222222 (8 bytes, DES),
    MAB 1234567890ABCDEFABCDEF1234567890, with every intermediate value:
      XOR B9F9B96AA4FDB57F; expansion 42394639423936414134464442353746;
      E(first half) 9FDE90A34CF73B2E; XOR with second half DEEAD6E70EC20C68;
      E(...) E267B6E21913D339; MAC E267B6E2.
    The same file's "POS MAC算法" test gives, for the 16-byte MAK AB73C9416D41E936E82AAC11053BCEDD
    (distinct halves: real two-key TDES) and the 32-character ASCII MAB
    "20160913201609132016091320160913", the first 4 MAC characters "3027" (the test compares
    the hex of the first four ASCII characters, 33303237).
[CSDN] blog.csdn.net/zhu244912654/article/details/80005341 ("MAC算法演示", mirrored at
    blog.youkuaiyun.com/zhu244912654/article/details/80005341): a 0200 sale frame (MTI to DE 63,
    89 bytes), TMK 70F2A84CCBC2AE8625CBB0F2C22AB923, MAK ciphertext 96D605EA176B7E9E, clear MAK
    C24A8FB57AA20123 (8 bytes, DES). The final result of that walk-through, 8A9E91B8 (last
    block 8A9E91B88D839AC5), is recorded next to the same frame in github.com/JokerZhu/PythonLearn,
    myTest/8583/my8583/lib/Security.py (commit 27c2f53), a CUP POS simulator.
[CNBLOGS] q.cnblogs.com/q/128930 ("POS机MAC算法验证不过"): a complete frame (2-byte length,
    TPDU 6000030000, header 603210320072, 0200 ... DE 64) whose host-generated DE 64 is the ASCII
    "B3A092AE", MAK 0723C80DB5F4CD3D0723C80DB5F4CD3D. The key is 16 bytes but its halves are
    equal, so two-key TDES under it equals DES under its first half.

Key lengths: both have published examples. 8 bytes: [PGATE] and [CSDN], complete. 16 bytes:
[CNBLOGS] complete but with equal halves, and [PGATE]'s 4-character prefix with distinct halves.
Because no published 16-byte example with distinct halves shows all 8 characters, the TDES case
is also cross-checked step by step against ``cryptography``'s TripleDES directly (K1 K2 K1),
and the DES case the same way (K K K).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from keys.cup_mac import cup_ecb_mac, verify_cup_ecb_mac, xor_blocks
from keys.errors import KeyLengthError, MacVerificationError
from keys.mac import MacAlgorithm, generate_mac, mac_block_size, verify_mac
from keys.primitives import tdes_decrypt_ecb

PGATE_KEY = bytes.fromhex("2222222222222222")
PGATE_MAB = bytes.fromhex("1234567890ABCDEFABCDEF1234567890")

CSDN_TMK = bytes.fromhex("70F2A84CCBC2AE8625CBB0F2C22AB923")
CSDN_MAK_UNDER_TMK = bytes.fromhex("96D605EA176B7E9E")
CSDN_MAK = bytes.fromhex("C24A8FB57AA20123")
CSDN_MAB = bytes.fromhex(
    "0200302004C020C0981100000000000000005100183402100006324392260009942820D131210112008439"
    "3136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001"
)

CNBLOGS_FRAME = bytes.fromhex((
    "00:7f:60:00:03:00:00:60:32:10:32:00:72:02:00:30:20:04:80:00:c0:80:15:00:00:00:00:00:00:00:12:34:"
    "00:00:02:03:00:99:30:30:30:30:30:30:30:31:39:35:32:37:31:38:31:38:32:32:31:37:38:37:35:31:35:36:"
    "00:19:26:00:00:01:00:06:00:00:00:00:00:43:5f:01:12:32:38:34:34:31:32:33:34:35:36:37:38:39:30:31:"
    "32:33:34:5f:03:06:31:36:30:30:33:36:5f:04:06:32:30:30:38:32:36:5c:02:30:31:42:33:41:30:39:32:41:45"
).replace(":", ""))
CNBLOGS_MAK = bytes.fromhex("0723C80DB5F4CD3D0723C80DB5F4CD3D")

KAIFU_MAK = bytes.fromhex("AB73C9416D41E936E82AAC11053BCEDD")


def _ecb(key24: bytes, block: bytes) -> bytes:
    encryptor = Cipher(TripleDES(key24), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _steps_by_hand(key24: bytes, mab: bytes) -> bytes:
    """The specification's steps written out again with cryptography directly (the cross-check)."""
    blocks = mab + b"\x00" * (-len(mab) % 8)
    result = bytes(8)
    for start in range(0, len(blocks), 8):
        result = bytes(a ^ b for a, b in zip(result, blocks[start:start + 8], strict=True))
    expanded = result.hex().upper().encode()
    first = _ecb(key24, expanded[:8])
    second = _ecb(key24, bytes(a ^ b for a, b in zip(first, expanded[8:], strict=True)))
    return second.hex().upper().encode()[:8]


# -- published examples ----------------------------------------------------------------------


def test_pgate_des_example_gives_e267b6e2() -> None:
    assert cup_ecb_mac(PGATE_KEY, PGATE_MAB) == b"E267B6E2"


def test_pgate_intermediate_xor_matches_the_published_block() -> None:
    assert xor_blocks(PGATE_MAB) == bytes.fromhex("B9F9B96AA4FDB57F")


def test_csdn_sale_frame_with_its_des_mak_gives_8a9e91b8() -> None:
    assert cup_ecb_mac(CSDN_MAK, CSDN_MAB) == b"8A9E91B8"


def test_csdn_mak_is_the_published_ciphertext_deciphered_under_the_tmk() -> None:
    assert tdes_decrypt_ecb(CSDN_TMK, CSDN_MAK_UNDER_TMK) == CSDN_MAK


def test_cnblogs_frame_mac_over_mti_to_de63_is_its_de64() -> None:
    assert len(CNBLOGS_FRAME) == 2 + 0x7F
    body = CNBLOGS_FRAME[2:]                       # without the 2-byte length
    mab = body[5 + 6:-8]                           # without TPDU and message header, without DE 64
    assert cup_ecb_mac(CNBLOGS_MAK, mab) == body[-8:] == b"B3A092AE"


def test_pgate_two_key_tdes_example_starts_with_3027() -> None:
    mac = cup_ecb_mac(KAIFU_MAK, b"20160913201609132016091320160913")
    assert mac[:4].hex() == "33303237"


def test_the_second_encryption_of_a_16_byte_mak_is_tdes_too() -> None:
    # The specification's text calls step 5 a "single-length key" operation (it was written for an
    # 8-byte MAK). With the 16-byte [PGATE] key, TDES then DES under the left half gives 193E...,
    # not the published 3027...: both encryptions are TDES.
    expanded = xor_blocks(b"20160913201609132016091320160913").hex().upper().encode()
    first = _ecb(KAIFU_MAK + KAIFU_MAK[:8], expanded[:8])
    mixed = _ecb(KAIFU_MAK[:8] * 3, bytes(a ^ b for a, b in zip(first, expanded[8:], strict=True)))
    assert mixed.hex().upper()[:4] == "193E"
    assert cup_ecb_mac(KAIFU_MAK, b"20160913201609132016091320160913")[:4] == b"3027"


def test_two_key_tdes_is_not_des_under_the_first_half() -> None:
    mab = b"20160913201609132016091320160913"
    assert cup_ecb_mac(KAIFU_MAK[:8], mab)[:4] != cup_ecb_mac(KAIFU_MAK, mab)[:4]


# -- independent cross-check from the algorithm steps ----------------------------------------


@settings(max_examples=60, deadline=None)
@given(key=st.binary(min_size=16, max_size=16), mab=st.binary(max_size=200))
def test_tdes_case_equals_the_steps_done_with_cryptography(key: bytes, mab: bytes) -> None:
    assert cup_ecb_mac(key, mab) == _steps_by_hand(key + key[:8], mab)


@settings(max_examples=60, deadline=None)
@given(key=st.binary(min_size=8, max_size=8), mab=st.binary(max_size=200))
def test_des_case_equals_the_steps_done_with_cryptography(key: bytes, mab: bytes) -> None:
    assert cup_ecb_mac(key, mab) == _steps_by_hand(key * 3, mab)


def test_the_mac_is_eight_upper_case_hex_characters() -> None:
    mac = cup_ecb_mac(KAIFU_MAK, CSDN_MAB)
    assert len(mac) == 8 and mac.decode("ascii") == mac.decode("ascii").upper()
    int(mac, 16)


def test_an_empty_mab_is_the_mac_of_one_zero_block() -> None:
    assert cup_ecb_mac(PGATE_KEY, b"") == cup_ecb_mac(PGATE_KEY, bytes(8))


def test_trailing_zero_bytes_inside_the_last_block_do_not_change_the_mac() -> None:
    # A property of the zero padding the specification prescribes ("添加0x00").
    assert cup_ecb_mac(PGATE_KEY, b"\x01\x02\x03") == cup_ecb_mac(PGATE_KEY, b"\x01\x02\x03\x00")


# -- verification ----------------------------------------------------------------------------


def test_verify_accepts_the_published_mac() -> None:
    verify_cup_ecb_mac(CSDN_MAK, CSDN_MAB, b"8A9E91B8")


def test_verify_refuses_one_changed_character() -> None:
    with pytest.raises(MacVerificationError, match="did not verify"):
        verify_cup_ecb_mac(CSDN_MAK, CSDN_MAB, b"8A9E91B9")


def test_verify_refuses_lower_case_hex() -> None:
    with pytest.raises(MacVerificationError):
        verify_cup_ecb_mac(CSDN_MAK, CSDN_MAB, b"8a9e91b8")


def test_verify_refuses_a_mac_of_the_wrong_length() -> None:
    with pytest.raises(MacVerificationError, match="7 bytes, expected 8"):
        verify_cup_ecb_mac(CSDN_MAK, CSDN_MAB, b"8A9E91B")


def test_verify_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    import keys.cup_mac as module

    def spy(left: bytes, right: bytes) -> bool:
        calls.append((left, right))
        return True

    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    verify_cup_ecb_mac(CSDN_MAK, CSDN_MAB, b"00000000")
    assert calls == [(b"8A9E91B8", b"00000000")]


# -- key lengths -------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 7, 9, 15, 24, 32])
def test_other_key_lengths_are_refused_without_key_material(length: int) -> None:
    with pytest.raises(KeyLengthError) as caught:
        cup_ecb_mac(b"\xA5" * length, CSDN_MAB)
    assert str(caught.value) == f"CUP ECB MAC key: {length} bytes, expected 8 (DES) or 16 (TDES)"
    assert "A5" not in str(caught.value).upper()


def test_verify_with_a_bad_key_raises_the_key_error() -> None:
    with pytest.raises(KeyLengthError):
        verify_cup_ecb_mac(bytes(24), CSDN_MAB, b"8A9E91B8")


# -- through keys.mac, the interface the rest of possim uses -----------------------------------


def test_cup_ecb_is_a_mac_algorithm_spelled_as_on_the_command_line() -> None:
    assert MacAlgorithm("cup-ecb") is MacAlgorithm.CUP_ECB
    assert mac_block_size("cup-ecb") == 8


def test_generate_mac_cup_ecb_is_the_de64_bytes() -> None:
    assert generate_mac("cup-ecb", CSDN_MAK, CSDN_MAB) == b"8A9E91B8"


def test_generate_mac_cup_ecb_truncates_to_the_leftmost_characters() -> None:
    assert generate_mac("cup-ecb", PGATE_KEY, PGATE_MAB, length=4) == b"E267"


def test_verify_mac_cup_ecb_accepts_and_refuses() -> None:
    verify_mac("cup-ecb", PGATE_KEY, PGATE_MAB, b"E267B6E2")
    with pytest.raises(MacVerificationError):
        verify_mac("cup-ecb", PGATE_KEY, PGATE_MAB, b"E267B6E3")
