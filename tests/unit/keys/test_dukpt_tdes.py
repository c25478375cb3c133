"""TDES DUKPT (ANSI X9.24-1:2009 Annex A): initial key, transaction keys, variants, KSN rules.

Sources of the known answers (none was produced by running this project's code):

[A4]  ANSI X9.24-1:2009 Annex A.4 "DUKPT Test Data Examples": BDK 0123456789ABCDEFFEDCBA9876543210,
      initial KSN FFFF9876543210E00000, initial key 6AC292FAA1315B4D858AB3A3D7D5933A; A.4.2 "initial
      sequence" (KSN ...E00001 to ...E00015: transaction keys and encrypted PIN blocks) and A.4.3
      "rollover sequence" (...EFF800 to ...F00000). The encrypted PIN blocks are of the ISO 9564 format 0
      block 041274EDCBA9876F (PIN 1234, PAN 4012345678909) under the PIN key, TDES ECB. Transcribed from
      openemv/dukpt, test/dukpt_tdes_test.c (Leon Lynch), which labels each table with its annex
      section; the first five rows agree with moov-io/dukpt, pkg/des/des_test.go ("A.4.2 Initial Sequence").
[GVR] PIN-key and MAC-request-key table ("dukpt2000_verify_table": KSN, PIN key, MAC key, EPB) in
      marianovolker/jmps-public, C++/Spotcheck/SpotCheckTrunk/Uploader/GVRlib/dukpt.py; it covers the
      annex KSNs plus the single-bit counters ...E10000, ...E20000, ...E40000, ...E80000. Its EPB column
      equals [A4]'s.
[SHEN] Data (request) keys after the one-way function, with transaction/PIN/MAC keys, for ...E00001 to
      ...E00005: shenyan1206/dukpt, test/test_dukpt.js.
[CAM] Data request keys for ...E00015 and for the device KSN 62994901190000000002 (same BDK):
      camcima/dukpt-php, test/DerivedKeyTest.php.
[MOOV] Cross-check by an independent implementation (moov-io/dukpt, Go, pkg/des/des_test.go): for KSNs
      ...E00001 to ...E00005 and the ASCII data "4012345678909D987" zero-padded to 24 bytes, the TDES-CBC
      (zero IV) ciphertexts under the data request/response keys and the ISO 9797-1 algorithm 3 MACs
      (zero padding) under the MAC request/response keys. No published table gives data-response or
      MAC-response keys for this BDK that we could find, so these keys are checked this way.

psec and pyemv (the independent libraries in our test dependencies) have no DUKPT, so there is no
library cross-check beyond [MOOV].
"""

from __future__ import annotations

import dataclasses

import pytest

from keys.dukpt_tdes import (
    TdesDukptKeys,
    derive_ipek,
    derive_keys,
    derive_keys_from_ipek,
    derive_transaction_key,
    initial_ksn,
    ksn_counter,
    ksn_with_counter,
    next_ksn,
)
from keys.errors import CryptoError, KeyLengthError, KsnError
from keys.primitives import des_decrypt_block, des_encrypt_block, tdes_encrypt_cbc, tdes_encrypt_ecb, xor_bytes

BDK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
INITIAL_KSN = bytes.fromhex("FFFF9876543210E00000")
IPEK = bytes.fromhex("6AC292FAA1315B4D858AB3A3D7D5933A")
CLEAR_PIN_BLOCK = bytes.fromhex("041274EDCBA9876F")  # [A4]: ISO 0, PIN 1234, PAN 4012345678909
MOOV_DATA = b"4012345678909D987"


def ksn(counter_hex: str) -> bytes:
    """The annex KSN FFFF9876543210 followed by the given last three bytes (e.g. "E00001")."""
    return bytes.fromhex("FFFF9876543210" + counter_hex)


def hexes(data: bytes) -> tuple[str, str]:
    return data.hex().upper(), data.hex()


# ----------------------------------------------------------------------------------------------
# Published tables

# [A4] A.4.2 initial sequence: KSN suffix -> transaction key (openemv/dukpt test/dukpt_tdes_test.c).
INITIAL_SEQUENCE_KEYS = [
    ("E00001", "042666B49184CFA368DE9628D0397BC9"),
    ("E00002", "C46551CEF9FD24B0AA9AD834130D3BC7"),
    ("E00003", "0DF3D9422ACA56E547676D07AD6BADFA"),
    ("E00004", "279C0F6AEED0BE652B2C733E1383AE91"),
    ("E00005", "5F8DC6D2C845C125508DDC048093B83F"),
    ("E00006", "5E415CB0BAF9F03CD0C14B63FB62FF43"),
    ("E00007", "0C8F780B7C8B49D0AE84A9EB2A6CE660"),
    ("E00008", "27F66D5244FF62E1AA6F6120EDEB4280"),
    ("E00009", "27E31064FDC565698900E2057F658E7E"),
    ("E0000A", "6CF2500A22507C7CC776CEADC1E33014"),
    ("E0000B", "3E8260BA04B2D620C01482B3819A18B7"),
    ("E0000C", "B716E1E11CF53D80726CAEE75C3A624F"),
    ("E0000D", "E072EDF95340535FB6C581C58FBF2533"),
    ("E0000E", "A80046087F5B8F245AAD95E18429084F"),
    ("E0000F", "93DD5B956C4878472E453AAEFD32A5AA"),
    ("E00010", "59598DCBD9BD94C094165CE453585F57"),
    ("E00011", "2B5F01F4F0CC05EA639D523231BF1BA2"),
    ("E00012", "9CF640F279C2AEE615F725EEEAC2CBAF"),
    ("E00013", "C3DF489FDF1153B4F03DE97C27DC4C2F"),
    ("E00014", "658488507721B3F14737FA93F923CBD2"),
    ("E00015", "E161D1956A61F6D2F37AFD7F9CC3699A"),
]

# [A4] A.4.3 rollover sequence: consecutive KSNs of one device and their transaction keys.
ROLLOVER_SEQUENCE_KEYS = [
    ("EFF800", "F9CDFEBF4F5B1D9EB3EC12454527E176"),
    ("EFF801", "5BEE92627E97825C911BF619DF72CA3B"),
    ("EFF802", "64CA2F8AB93F61B01620B00BF77C7301"),
    ("EFF804", "35A168695B3BA83307E871C42021DD37"),
    ("EFF808", "12C380FCB72ED3C26FC6079AF63F4787"),
    ("EFF810", "D8007C833A1E3C49C6889B97A68C54FF"),
    ("EFF820", "A9C9FF9B735FDD49591F296B0BF0FD70"),
    ("EFF840", "0E3E221062CB5E03A384602783A004FA"),
    ("EFF880", "CA8225C587124DFBB87F279C0BE29727"),
    ("EFF900", "906AAC1751D4971A144D52C76C6E1F97"),
    ("EFFA00", "2B9E2CE7C2750337E10B54D2989EA6AF"),
    ("EFFC00", "F9430DF975082491C77BE4EF4FDB91EE"),
    ("F00000", "AA4D58DB653EC74A48C75F2F047DD2B5"),
]

# [GVR] KSN suffix -> (PIN key, MAC request key).
PIN_AND_MAC_KEYS = [
    ("E00001", "042666B49184CF5C68DE9628D0397B36", "042666B4918430A368DE9628D03984C9"),
    ("E00002", "C46551CEF9FD244FAA9AD834130D3B38", "C46551CEF9FDDBB0AA9AD834130DC4C7"),
    ("E00003", "0DF3D9422ACA561A47676D07AD6BAD05", "0DF3D9422ACAA9E547676D07AD6B52FA"),
    ("E00012", "9CF640F279C2AE1915F725EEEAC2CB50", "9CF640F279C251E615F725EEEAC234AF"),
    ("E00015", "E161D1956A61F62DF37AFD7F9CC36965", "E161D1956A6109D2F37AFD7F9CC3969A"),
    ("E10000", "2F9A0C0B46ECCBA1F8287A7A071AF54B", "2F9A0C0B46EC345EF8287A7A071A0AB4"),
    ("E20000", "DEFDE0EA1043B58D2FA013DE6C4B8F04", "DEFDE0EA10434A722FA013DE6C4B70FB"),
    ("E40000", "9F59E8536BDB056513C856FCCF9A0981", "9F59E8536BDBFA9A13C856FCCF9AF67E"),
    ("E80000", "87B9983D9D23047A8D199F5CA0C3DEEC", "87B9983D9D23FB858D199F5CA0C32113"),
    ("EFF800", "F9CDFEBF4F5B1D61B3EC12454527E189", "F9CDFEBF4F5BE29EB3EC124545271E76"),
    ("EFFC00", "F9430DF97508246EC77BE4EF4FDB9111", "F9430DF97508DB91C77BE4EF4FDB6EEE"),
    ("F00000", "AA4D58DB653EC7B548C75F2F047DD24A", "AA4D58DB653E384A48C75F2F047D2DB5"),
]

# [A4] encrypted PIN blocks (TDES ECB of CLEAR_PIN_BLOCK under the PIN key).
ENCRYPTED_PIN_BLOCKS = [
    ("E00001", "1B9C1845EB993A7A"),
    ("E00002", "10A01C8D02C69107"),
    ("E00003", "18DC07B94797B466"),
    ("E00012", "7A21BD10F36DC41D"),
    ("E00015", "72105C22EBC791E6"),
    ("EFF800", "33365F5CC6F23C35"),
    ("EFFC00", "DEFC6F09F8927B71"),
    ("F00000", "73EC88AD0AC5830E"),
]

# [SHEN] and [CAM]: full KSN -> data request key (variant 0000000000FF0000, then the one-way function).
DATA_REQUEST_KEYS = [
    ("FFFF9876543210E00001", "448D3F076D8304036A55A3D7E0055A78"),
    ("FFFF9876543210E00002", "F1BE73B36135C5C26CF937D50ABBE5AF"),
    ("FFFF9876543210E00003", "EEEEF522C67239E4A2A65FEBF4C511F4"),
    ("FFFF9876543210E00004", "BCF2610997C3AC3C5F13AE965A1B773B"),
    ("FFFF9876543210E00005", "F3054D8B7471284BDB4EE18AFC3B091B"),
    ("FFFF9876543210E00015", "D9AE3E62F5E3CA2C357E37F500D9F314"),
    ("62994901190000000002", "1A994C3E09D9ACEF3EA9BD4381EFA334"),
]

# [MOOV]: KSN suffix -> (data request ciphertext, data response ciphertext, request MAC, response MAC).
MOOV_CROSS_CHECK = [
    (
        "E00001",
        "FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F",
        "1FCC89AF66222F27B903898BB2BC8589CDBFDE5EC6AFCC25",
        "9CCC78173FC4FB64",
        "20364223C1FF00FA",
    ),
    (
        "E00002",
        "A2B4E70F846E63D68775B7215EB4563DFD3037244C61CC13",
        "5B692A6B1FDD5E25B0DEFAFDE1672E402F8011360CFF3508",
        "F608A9BCA6FFC311",
        "D1FCA6BEF05D24D2",
    ),
    (
        "E00003",
        "BD751E65F10E75B6C1D5B1D283496A36C2DE21D993C387A7",
        "345992D4163E4926C927BFD8ABD5D76F087A9CE81D5A27B8",
        "20B59A4FEAC937E3",
        "BAD4CC9CC2AE326C",
    ),
    (
        "E00004",
        "1118F50947441BBDA3C8C70220021A12EC31CC473F7215F4",
        "418C7413576C0D1819E785D3807AF32334231FDEC23414DB",
        "C7BFA6CC44161828",
        "1EB08AEECE6FF0C2",
    ),
    (
        "E00005",
        "9FD7BD1EC28845ACA93367A9DA9317BD555C6B33AE22D365",
        "7D4C109E49E83355A556AE949EED359F4404E7A2F0167C00",
        "0202B96339022058",
        "5CBE3E81D1D2A0FB",
    ),
]


def iso9797_alg3_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 ("retail MAC"), zero padding: the check [MOOV] uses for its MACs."""
    padded = data + bytes(-len(data) % 8)
    state = bytes(8)
    for offset in range(0, len(padded), 8):
        state = des_encrypt_block(key[:8], xor_bytes(state, padded[offset : offset + 8]))
    return des_encrypt_block(key[:8], des_decrypt_block(key[8:], state))


# ----------------------------------------------------------------------------------------------
# Initial key


def test_ipek_of_the_annex_a4_bdk_and_initial_ksn() -> None:
    assert derive_ipek(BDK, INITIAL_KSN).hex().upper() == "6AC292FAA1315B4D858AB3A3D7D5933A"


def test_ipek_ignores_the_transaction_counter_of_the_ksn() -> None:
    # [MOOV] derives the same initial key from KSN ...E00001.
    assert derive_ipek(BDK, ksn("E00001")) == IPEK


def test_ipek_is_reported_in_the_derived_key_set() -> None:
    assert derive_keys(BDK, ksn("E00012")).ipek == IPEK


# ----------------------------------------------------------------------------------------------
# Transaction keys


@pytest.mark.parametrize(("suffix", "expected"), INITIAL_SEQUENCE_KEYS)
def test_transaction_key_of_the_annex_a42_initial_sequence(suffix: str, expected: str) -> None:
    assert derive_transaction_key(IPEK, ksn(suffix)).hex().upper() == expected


@pytest.mark.parametrize(("suffix", "expected"), ROLLOVER_SEQUENCE_KEYS)
def test_transaction_key_of_the_annex_a43_rollover_sequence(suffix: str, expected: str) -> None:
    assert derive_transaction_key(IPEK, ksn(suffix)).hex().upper() == expected


def test_derive_keys_from_the_bdk_gives_the_annex_transaction_key() -> None:
    assert derive_keys(BDK, ksn("E00012")).transaction_key.hex().upper() == "9CF640F279C2AEE615F725EEEAC2CBAF"


def test_derive_keys_from_ipek_gives_the_annex_transaction_key() -> None:
    assert derive_keys_from_ipek(IPEK, ksn("F00000")).transaction_key.hex().upper() == (
        "AA4D58DB653EC74A48C75F2F047DD2B5"
    )


def test_transaction_counter_zero_is_refused_because_it_names_the_initial_key() -> None:
    with pytest.raises(KsnError, match="counter is 0"):
        derive_transaction_key(IPEK, INITIAL_KSN)


# ----------------------------------------------------------------------------------------------
# Variants and data keys


@pytest.mark.parametrize(("suffix", "pin_key", "mac_key"), PIN_AND_MAC_KEYS)
def test_pin_key_matches_the_published_table(suffix: str, pin_key: str, mac_key: str) -> None:
    assert derive_keys(BDK, ksn(suffix)).pin_key.hex().upper() == pin_key


@pytest.mark.parametrize(("suffix", "pin_key", "mac_key"), PIN_AND_MAC_KEYS)
def test_mac_request_key_matches_the_published_table(suffix: str, pin_key: str, mac_key: str) -> None:
    assert derive_keys(BDK, ksn(suffix)).mac_request_key.hex().upper() == mac_key


@pytest.mark.parametrize(("suffix", "expected"), ENCRYPTED_PIN_BLOCKS)
def test_pin_key_encrypts_the_annex_pin_block_to_the_published_value(suffix: str, expected: str) -> None:
    keys = derive_keys(BDK, ksn(suffix))
    assert tdes_encrypt_ecb(keys.pin_key, CLEAR_PIN_BLOCK).hex().upper() == expected


@pytest.mark.parametrize(("full_ksn", "expected"), DATA_REQUEST_KEYS)
def test_data_request_key_is_the_one_way_function_of_the_request_variant(full_ksn: str, expected: str) -> None:
    assert derive_keys(BDK, bytes.fromhex(full_ksn)).data_request_key.hex().upper() == expected


def test_data_request_variant_is_the_transaction_key_with_bytes_5_and_13_inverted() -> None:
    # Worked by hand from the [A4] key 042666B49184CFA368DE9628D0397BC9: 84 -> 7B, 39 -> C6.
    keys = derive_keys(BDK, ksn("E00001"))
    assert keys.data_request_variant.hex().upper() == "042666B4917BCFA368DE9628D0C67BC9"


def test_data_response_variant_is_the_transaction_key_with_bytes_3_and_11_inverted() -> None:
    # Worked by hand from the [A4] key 042666B49184CFA368DE9628D0397BC9: B4 -> 4B, 28 -> D7.
    keys = derive_keys(BDK, ksn("E00001"))
    assert keys.data_response_variant.hex().upper() == "0426664B9184CFA368DE96D7D0397BC9"


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [
        # Worked by hand from the [A4] keys, bytes 4 and 12 inverted (X9.24-1:2009 Table A-1):
        # 042666B4 91 84CFA368DE9628 D0 397BC9 -> 91 -> 6E, D0 -> 2F (also in public DUKPT test suites).
        ("E00001", "042666B46E84CFA368DE96282F397BC9"),
        # 9CF640F2 79 C2AEE615F725EE EA C2CBAF -> 79 -> 86, EA -> 15.
        ("E00012", "9CF640F286C2AEE615F725EE15C2CBAF"),
    ],
)
def test_mac_response_key_is_the_transaction_key_with_bytes_4_and_12_inverted(suffix: str, expected: str) -> None:
    # DES ignores parity bits, so the MAC cross-check below cannot see a wrong low bit; this can.
    assert derive_keys(BDK, ksn(suffix)).mac_response_key.hex().upper() == expected


@pytest.mark.parametrize(("suffix", "request_ct", "response_ct", "request_mac", "response_mac"), MOOV_CROSS_CHECK)
def test_data_request_key_agrees_with_moov_ciphertext(
    suffix: str, request_ct: str, response_ct: str, request_mac: str, response_mac: str
) -> None:
    keys = derive_keys(BDK, ksn(suffix))
    assert tdes_encrypt_cbc(keys.data_request_key, MOOV_DATA.ljust(24, b"\0")).hex().upper() == request_ct


@pytest.mark.parametrize(("suffix", "request_ct", "response_ct", "request_mac", "response_mac"), MOOV_CROSS_CHECK)
def test_data_response_key_agrees_with_moov_ciphertext(
    suffix: str, request_ct: str, response_ct: str, request_mac: str, response_mac: str
) -> None:
    keys = derive_keys(BDK, ksn(suffix))
    assert tdes_encrypt_cbc(keys.data_response_key, MOOV_DATA.ljust(24, b"\0")).hex().upper() == response_ct


@pytest.mark.parametrize(("suffix", "request_ct", "response_ct", "request_mac", "response_mac"), MOOV_CROSS_CHECK)
def test_mac_request_key_agrees_with_moov_mac(
    suffix: str, request_ct: str, response_ct: str, request_mac: str, response_mac: str
) -> None:
    keys = derive_keys(BDK, ksn(suffix))
    assert iso9797_alg3_mac(keys.mac_request_key, MOOV_DATA).hex().upper() == request_mac


@pytest.mark.parametrize(("suffix", "request_ct", "response_ct", "request_mac", "response_mac"), MOOV_CROSS_CHECK)
def test_mac_response_key_agrees_with_moov_mac(
    suffix: str, request_ct: str, response_ct: str, request_mac: str, response_mac: str
) -> None:
    keys = derive_keys(BDK, ksn(suffix))
    assert iso9797_alg3_mac(keys.mac_response_key, MOOV_DATA).hex().upper() == response_mac


def test_derive_keys_and_derive_keys_from_ipek_agree() -> None:
    assert derive_keys(BDK, ksn("E0000B")) == derive_keys_from_ipek(IPEK, ksn("E0000B"))


# ----------------------------------------------------------------------------------------------
# Key set record


def test_key_set_repr_shows_the_ksn_but_no_key() -> None:
    keys = derive_keys(BDK, ksn("E00001"))
    text = repr(keys)
    assert "ksn=" in text
    for field in dataclasses.fields(TdesDukptKeys):
        if field.name == "ksn":
            continue
        value = getattr(keys, field.name)
        assert field.name not in text
        assert all(form not in text for form in hexes(value))
        assert repr(value) not in text


def test_key_set_is_immutable() -> None:
    keys = derive_keys(BDK, ksn("E00001"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        keys.pin_key = bytes(16)  # type: ignore[misc]


def test_key_set_reports_its_counter() -> None:
    assert derive_keys(BDK, ksn("E00012")).counter == 0x12


# ----------------------------------------------------------------------------------------------
# KSN rules


def test_counter_is_the_rightmost_21_bits_of_the_ksn() -> None:
    assert ksn_counter(ksn("E00015")) == 0x15


def test_counter_excludes_the_device_bits_sharing_its_first_byte() -> None:
    assert ksn_counter(ksn("FFF800")) == 0x1FF800


def test_initial_ksn_clears_only_the_counter() -> None:
    assert initial_ksn(ksn("EFF801")) == INITIAL_KSN


def test_ksn_with_counter_keeps_the_device_bits() -> None:
    assert ksn_with_counter(INITIAL_KSN, 0x1FF800) == ksn("FFF800")


def test_ksn_with_counter_refuses_a_counter_wider_than_21_bits() -> None:
    with pytest.raises(KsnError, match="21 bits"):
        ksn_with_counter(INITIAL_KSN, 1 << 21)


def test_next_ksn_after_the_initial_ksn_is_counter_one() -> None:
    assert next_ksn(INITIAL_KSN) == ksn("E00001")


def test_next_ksn_walks_the_annex_a43_rollover_sequence() -> None:
    # [A4] A.4.3 lists consecutive transactions of one device; openemv/dukpt advances through them.
    expected = [bytes.fromhex("FFFF9876543210" + suffix) for suffix, _ in ROLLOVER_SEQUENCE_KEYS]
    walked = [expected[0]]
    while len(walked) < len(expected):
        walked.append(next_ksn(walked[-1]))
    assert walked == expected


def test_next_ksn_skips_counters_with_more_than_ten_one_bits() -> None:
    # 0x7FE has ten one-bits; 0x7FF has eleven and is skipped: the originator adds the lowest
    # one-bit (X9.24-1:2009 A.2), giving 0x800.
    assert next_ksn(ksn("E007FE")) == ksn("E00800")


def test_next_ksn_increments_when_the_counter_has_fewer_than_ten_one_bits() -> None:
    assert next_ksn(ksn("E001FF")) == ksn("E00200")


def test_next_ksn_yields_every_one_of_the_1048575_usable_counters() -> None:
    # Counters with 1 to 10 one-bits among 21: sum of C(21, k) for k = 1..10 = 1 048 575
    # (openemv/dukpt test/dukpt_tdes_ksn_test.c). next_ksn refuses any input with more than ten
    # one-bits, so a wrong step would also raise before the count is reached.
    current = INITIAL_KSN
    count = 0
    with pytest.raises(KsnError, match="exhausted"):
        while True:
            current = next_ksn(current)
            count += 1
    assert count == 1_048_575
    assert current == ksn("FFF800")


def test_next_ksn_refuses_an_exhausted_counter() -> None:
    with pytest.raises(KsnError, match="exhausted"):
        next_ksn(ksn("FFF800"))


# ----------------------------------------------------------------------------------------------
# Refusals

ELEVEN_ONE_BITS = ksn("E007FF")  # counter 0x7FF


def test_transaction_key_refuses_a_counter_with_eleven_one_bits() -> None:
    with pytest.raises(KsnError, match="11 one-bits"):
        derive_transaction_key(IPEK, ELEVEN_ONE_BITS)


def test_derive_keys_refuses_a_counter_with_eleven_one_bits() -> None:
    with pytest.raises(KsnError, match="11 one-bits"):
        derive_keys(BDK, ELEVEN_ONE_BITS)


def test_ipek_refuses_a_ksn_whose_counter_has_eleven_one_bits() -> None:
    with pytest.raises(KsnError, match="11 one-bits"):
        derive_ipek(BDK, ELEVEN_ONE_BITS)


def test_next_ksn_refuses_a_counter_with_eleven_one_bits() -> None:
    with pytest.raises(KsnError, match="11 one-bits"):
        next_ksn(ELEVEN_ONE_BITS)


@pytest.mark.parametrize("length", [0, 8, 9, 11, 12])
def test_ksn_of_the_wrong_length_is_refused_naming_its_length(length: int) -> None:
    with pytest.raises(KsnError, match=f"KSN: {length} bytes, expected 10"):
        derive_transaction_key(IPEK, bytes(range(length)))


@pytest.mark.parametrize("length", [8, 15, 17, 24, 32])
def test_bdk_of_the_wrong_length_is_refused_naming_its_length(length: int) -> None:
    with pytest.raises(KeyLengthError, match=f"BDK: {length} bytes, expected 16"):
        derive_ipek((BDK * 2)[:length], INITIAL_KSN)


@pytest.mark.parametrize("length", [8, 15, 24])
def test_ipek_of_the_wrong_length_is_refused_naming_its_length(length: int) -> None:
    with pytest.raises(KeyLengthError, match=f"{length} bytes, expected 16"):
        derive_keys_from_ipek((IPEK * 2)[:length], ksn("E00001"))


def test_a_wrong_length_key_error_does_not_contain_the_key() -> None:
    key = BDK + BDK[:8]
    with pytest.raises(KeyLengthError) as caught:
        derive_ipek(key, INITIAL_KSN)
    message = str(caught.value)
    assert all(form not in message for form in hexes(key))
    assert all(form not in message for form in hexes(key[:8]))


def test_a_ksn_error_does_not_contain_the_key() -> None:
    with pytest.raises(KsnError) as caught:
        derive_keys_from_ipek(IPEK, ELEVEN_ONE_BITS)
    message = str(caught.value)
    assert all(form not in message for form in hexes(IPEK))
    assert all(form not in message for form in hexes(IPEK[:8]))


def test_errors_belong_to_the_keys_exception_family() -> None:
    with pytest.raises(CryptoError):
        derive_ipek(b"short", INITIAL_KSN)
