"""AES DUKPT (ANSI X9.24-3-2017): known answers from the standard's published test vectors,
then the counter rules and the refusals.

Sources of the known-answer values
----------------------------------
[X9-TV]  ASC X9, "Supplement to ANSI X9.24-3-2017: Test Vectors" (20180129), published at
         https://x9.org/standards/x9-24-part-3-test-vectors/ (file X9.24-3-2017-Test-Vectors-20180129-1.pdf).
         Common inputs: AES-128 BDK FEDCBA9876543210F1F1F1F1F1F1F1F1, AES-256 BDK the same 16 bytes
         twice, initial key ID 1234567890123456. The AES-128 initial key 1273671EA26AC29AFA4D1084127652A1
         is also the worked sample of the standard's Annex B.1 (Table 4 inputs).
[OEMV]   The [X9-TV] tables as transcribed, with their page numbers, in the public test suite of
         openemv/dukpt (Leon Lynch, LGPL): test/dukpt_aes128_test.c and test/dukpt_aes256_test.c.
         Page references below are those of [X9-TV] as given there:
           AES-128 BDK: p.2 first eight derivation ("transaction") keys and their AES-128 PIN,
                        MAC-generation and data-encryption keys; p.5 counters 0x1FFFE/0x20000/0x20001;
                        p.6 the last four counters.
           AES-256 BDK: p.7 first eight derivation keys and AES-128 working keys; p.10 counters
                        0x1FFFE/0x20000/0x20001; p.12 the last four; p.13 AES-256 working keys.
[XCHK]   Counter-1 working keys of the other usages (key encryption, MAC verification, MAC both,
         data decrypt, data both, key derivation) and the 2TDEA/3TDEA working keys of the AES-128 BDK,
         and the PIN keys at counters 0x1FFFE, 0x20000 and 0x845FED, are [X9-TV] values found
         transcribed in public third-party test suites located with code search (a C# "CryptoScript"
         DukptAesWorkingKeyTests "Annex B" suite, a Rust "paysec_dukpt" Annex B suite, and a CyberChef
         payments fork citing x9.org); each value below is marked with how many of them carry it.

None of these values was produced by running this project's code.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.dukpt_aes import (
    AesDukptKeys,
    KeyType,
    KeyUsage,
    derive_initial_key,
    derive_intermediate_key,
    derive_keys,
    derive_working_key,
    derive_working_key_from_initial,
    derive_working_keys_from_initial,
    is_valid_counter,
    ksn_counter,
    ksn_initial_key_id,
    make_ksn,
    next_ksn,
)
from keys.errors import CryptoError, KeyLengthError, KsnError

BDK128 = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
BDK256 = BDK128 + BDK128
IKID = bytes.fromhex("1234567890123456")
IK128 = "1273671EA26AC29AFA4D1084127652A1"
IK256 = "CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F"


def ksn(counter: int) -> bytes:
    return IKID + counter.to_bytes(4, "big")


def hexu(data: bytes) -> str:
    return data.hex().upper()


# [X9-TV] via [OEMV], AES-128 BDK p.2: counter -> (derivation key, PIN key, MAC generation key,
# data encryption key), all AES-128.
AES128_BDK_FIRST_EIGHT = {
    1: ("4F21B565BAD9835E112B6465635EAE44", "AF8CB133A78F8DC2D1359F18527593FB",
        "A2DC23DE6FDE0824A2BC321E08E4B8B7", "A35C412EFD41FDB98B69797C02DCD08F"),
    2: ("2F34D68DE10F68D38091A73B9E7C437C", "D30BDC73EC9714B000BEC66BDB7B6D09",
        "484C3B06E8562704528CD5B46FB12FB6", "D639514AA33AC43AD9229E433D6D4E5B"),
    3: ("031504E530365CF81264238540518318", "7D69F01F3B45449F62C7816ECE723268",
        "A5DF7D9D800CA769766F0C77CA4E6E6C", "EF17F6AB45B4820C93A3DCB21BC491AD"),
    4: ("0EEFC7ADA628BA68878DA9165A8A1887", "91A0588318EC2673214271F70137896E",
        "E6E4679647D8A9057C1FC15537CB4C4E", "B3BD44C08BB6BA27C3BB4711D7D70387"),
    5: ("C2A7AC328A5DA2D6002D62465BFC028B", "35A43BC9EFEB09C756204B57E3FB7D4D",
        "0588185FE1FF8C7E22FAD78C1C61F065", "CA02DF6F30B39E14BD0B4A30E460920F"),
    6: ("D30F7D9351DA58448A2F5E92B4EE3B7D", "02DCC6CD1201A3A2CA7099559C862123",
        "7B60F72A5639C0EE7EB2100FA80BB793", "C9B8A7C4E486180B2229115164F0B293"),
    7: ("A8253CEED9AC042C54F75D35C8352278", "6ECF912F3B18CA11A7A27BB60705FD09",
        "BAA08CA263C69525BC6B1BA8F4275D69", "0FA8F1F0A2DD7B1005A862D77CDED698"),
    8: ("718EE6CF0B27E53D5F7AF99C4D8146A2", "4D9DF3FBEE3448FC3E676D04320A90F5",
        "6FD572E5D59E618875F193484F9178FB", "650F34204ABD4E57764D61AC3D266FB1"),
}

# [X9-TV] via [OEMV], AES-128 BDK p.5 and p.6: derivation keys around the first skipped counter
# (0x1FFFF, 17 one-bits, is left out as a device never uses it) and of the last four counters.
AES128_BDK_LATER_DERIVATION_KEYS = {
    0x0001FFFE: "E21E8C8D347F8561A2BE752DAA85A111",
    0x00020000: "F7AE9025468A25D37B7249CFFED224C8",
    0x00020001: "692C8EA4013645135B36497131DF9D2C",
    0xFFFE2000: "48E585B694EB0B18D5C35443E163C0BA",
    0xFFFE4000: "396C2C7CA1EA701C03B86B7D41F0C562",
    0xFFFE8000: "0387625F189B58AE03EF0E8CCA41105E",
    0xFFFF0000: "F6BA59389BD14A9855BE9727E7C52E3C",
}

# [X9-TV] via [OEMV], AES-256 BDK p.7 (derivation key, AES-128 PIN, MAC generation, data
# encryption keys) and p.13 (AES-256 PIN, MAC generation, data encryption keys).
AES256_BDK_FIRST_EIGHT_DERIVATION_KEYS = {
    1: "54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3",
    2: "5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97",
    3: "8EEEF7C464AE415BB1D73FAED21993CD669F7999092A579EC6DD3CC680C65171",
    4: "C18CBED570B3B89ECADA7CEC9C224CD5A86ECF3DE377D3EFAB720F8C4D76B9D0",
    5: "6B3C3C93307151C25DC2309456F01C5C3108DAD571C321899A9B7E0C009FD2EB",
    6: "B8BB61AE3E2D5CD8C699E0C578FB2C7B89B0C0CF02DBAB60864D8049C986C844",
    7: "88D0ACA287B3066F5DE0C93396337D4C2DA8D92C1F720A576D62CEB4C979E01E",
    8: "20A796D5077D51B8E7613893A4F095B134E02917DC84BD391F3661D0873FF308",
}
AES256_BDK_AES128_WORKING_KEYS = {
    1: ("09C9C432966811D6B2C3336BAC1B1202", "F04A1FABD4176E15490CEC82E217A96D",
        "616D59AE91F8CC7016F89FDA29605FA4"),
    2: ("D632226A80795D13A80AFE66A3E97B01", "DD99D77B4E2AB538B26BB6A8B3FB0BE3",
        "07B79D9BFF3633C07A9FDDF132070B30"),
    3: ("C2CBD3D766B16F9F82F4EE3F74478918", "5A742A4A0403B3D7BB30842DAFBB5972",
        "706E4E629E466BED956548E7B0D90C3D"),
    4: ("58A3779C1E24B3EDAF068609E7E56D59", "C531F7E08514858C445D5F54BFE7DA8E",
        "CF3A4D9CA7E962E4023A84A2FE47DC80"),
    5: ("97504C8BB0FD4D4A88D605143BF00025", "E2E25AA7FE6E5DD6042C632A5DFED945",
        "94C28455AEAD970555F326298557FA81"),
    6: ("BF281141609E6CAE7DF10DFA47A8D03D", "07B215929C5DB4262DECEE4A0336DD4F",
        "408D3B9A7D1AF109E2F689514BF79AC7"),
    7: ("B7C6BB187134E9D429C3E8B7CCBD8477", "3AC9CC5159F96E10FCC5EB64015AC76A",
        "DC2915BF421D617E7725E63A7DACB18D"),
    8: ("53C1C60A65532313141A102AD720E967", "6E94A9283EA9AEB7EAA77C3FF55FF2D1",
        "8950DD50C254C60E26737CA9229F0F18"),
}
AES256_BDK_AES256_WORKING_KEYS = {
    1: ("8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502",
        "61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549",
        "71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58"),
    2: ("3583D6CD02FC38822CC71A8D7678E04F4A8556335E6CC66863D3DADC5AEE2C62",
        "4417356219B2F93CE3F2671623DDCAB58A8B85AD80662A8D628024000956D426",
        "D0AC9F71F875FFFF3A83778F72F39EBB0924A5A526617AF669665E0A19725465"),
    8: ("173A45284262A3E292D86D08FD6DE9167963214450D1D48F6103BD2EB08E61B5",
        "949A3FEF12DBD273DD25BB60E29BBE313C872A9DE3BE03A7E29626ACA0A42880",
        "0BF8789A21D068410A16C9F7FCBF65A7B4FF73203ADC0F1B4B5E5BF8050E4284"),
}
# [X9-TV] via [OEMV], AES-256 BDK p.10 and p.12.
AES256_BDK_LATER_DERIVATION_KEYS = {
    0x0001FFFE: "A289508CBF1228452CD86AB77B15CB35577AC828C18BB66681E5A16D6C9CCED3",
    0x00020000: "D62DDA94A47D7DA5D763443B4ECB15EA8DD62E0E4F915958BA459591F8312E37",
    0x00020001: "44110A1102748D4A3AC326F53D8CAC650212590CA7126D54546DDE0F20E89CEE",
    0xFFFE2000: "4625EB06E4886D4AFCC9AE37ED4F4E4E1653C9E60E3F24742A87A26AA96AB7A6",
    0xFFFE4000: "FF20E1BB575539ACCB44E3111BE8757F83AE8549A2DD71B441A4A424F7FFD4B1",
    0xFFFE8000: "630535C9C53E1EC6524016930B56F6728909C45403536B419AEBCB25B7351C07",
    0xFFFF0000: "6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE",
}

# [X9-TV] via [XCHK] (2 transcriptions each: C# and Rust suites), AES-128 BDK, counter 1, AES-128.
AES128_BDK_COUNTER1_OTHER_USAGES = {
    KeyUsage.KEY_ENCRYPTION_KEY: "36A724B7BEFA5A25F5E7B5782A4554A2",
    KeyUsage.MAC_VERIFICATION: "DBB463945B286C07CD3AD82EE96FD9C9",
    KeyUsage.MAC_BOTH: "85675439D18D7F1158BD8E3EAA3D502B",
    KeyUsage.DATA_ENCRYPTION_DECRYPT: "16292C6EA8F64C5420A0584BFBC577BE",
    KeyUsage.DATA_ENCRYPTION_BOTH: "A308E080DD15A1B741F1721BF67DE11C",
    KeyUsage.KEY_DERIVATION: "30E54D3C69B22501A7FC43969D81D5C0",
}


# --- Standard's code points -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "indicator", "bits"),
    [
        (KeyType.TDES2, 0x0000, 128),
        (KeyType.TDES3, 0x0001, 192),
        (KeyType.AES128, 0x0002, 128),
        (KeyType.AES192, 0x0003, 192),
        (KeyType.AES256, 0x0004, 256),
    ],
)
def test_key_type_carries_the_algorithm_indicator_and_length_of_table_2(
    key_type: KeyType, indicator: int, bits: int
) -> None:
    assert (key_type.algorithm_indicator, key_type.bits, key_type.length) == (indicator, bits, bits // 8)


@pytest.mark.parametrize(
    ("usage", "indicator"),
    [
        (KeyUsage.KEY_ENCRYPTION_KEY, 0x0002),
        (KeyUsage.PIN_ENCRYPTION, 0x1000),
        (KeyUsage.MAC_GENERATION, 0x2000),
        (KeyUsage.MAC_VERIFICATION, 0x2001),
        (KeyUsage.MAC_BOTH, 0x2002),
        (KeyUsage.DATA_ENCRYPTION_ENCRYPT, 0x3000),
        (KeyUsage.DATA_ENCRYPTION_DECRYPT, 0x3001),
        (KeyUsage.DATA_ENCRYPTION_BOTH, 0x3002),
        (KeyUsage.KEY_DERIVATION, 0x8000),
        (KeyUsage.KEY_DERIVATION_INITIAL, 0x8001),
    ],
)
def test_key_usage_carries_the_standard_16_bit_indicator(usage: KeyUsage, indicator: int) -> None:
    assert usage.value == indicator


# --- Initial key --------------------------------------------------------------------------


def test_initial_key_from_the_aes128_sample_bdk_matches_the_published_value() -> None:
    assert hexu(derive_initial_key(BDK128, IKID)) == IK128


def test_initial_key_from_the_aes256_sample_bdk_matches_the_published_value() -> None:
    assert hexu(derive_initial_key(BDK256, IKID)) == IK256


def test_initial_key_accepts_an_explicit_bdk_type_that_matches_the_bdk_length() -> None:
    assert hexu(derive_initial_key(BDK128, IKID, KeyType.AES128)) == IK128


def test_initial_key_refuses_a_bdk_type_that_disagrees_with_the_bdk_length() -> None:
    with pytest.raises(KeyLengthError, match="16 bytes"):
        derive_initial_key(BDK128, IKID, KeyType.AES256)


def test_initial_key_refuses_a_tdes_bdk_type() -> None:
    with pytest.raises(KeyLengthError, match="TDES2"):
        derive_initial_key(BDK128, IKID, KeyType.TDES2)


@pytest.mark.parametrize("length", [0, 8, 15, 17, 33])
def test_initial_key_refuses_a_bdk_of_a_non_aes_length_naming_the_length(length: int) -> None:
    with pytest.raises(KeyLengthError, match=f"BDK: {length} bytes"):
        derive_initial_key(bytes(length), IKID)


@pytest.mark.parametrize("length", [4, 7, 9, 12])
def test_initial_key_refuses_an_initial_key_id_not_of_8_bytes(length: int) -> None:
    with pytest.raises(KsnError, match=f"{length} bytes"):
        derive_initial_key(BDK128, bytes(length))


# --- Intermediate derivation keys ---------------------------------------------------------


@pytest.mark.parametrize("counter", sorted(AES128_BDK_FIRST_EIGHT))
def test_derivation_key_of_the_first_eight_counters_from_the_aes128_initial_key(counter: int) -> None:
    expected = AES128_BDK_FIRST_EIGHT[counter][0]
    assert hexu(derive_intermediate_key(bytes.fromhex(IK128), ksn(counter))) == expected


@pytest.mark.parametrize("counter", sorted(AES128_BDK_LATER_DERIVATION_KEYS))
def test_derivation_key_around_the_skip_and_at_the_last_counters_from_the_aes128_initial_key(
    counter: int,
) -> None:
    expected = AES128_BDK_LATER_DERIVATION_KEYS[counter]
    assert hexu(derive_intermediate_key(bytes.fromhex(IK128), ksn(counter))) == expected


@pytest.mark.parametrize("counter", sorted(AES256_BDK_FIRST_EIGHT_DERIVATION_KEYS))
def test_derivation_key_of_the_first_eight_counters_from_the_aes256_initial_key(counter: int) -> None:
    expected = AES256_BDK_FIRST_EIGHT_DERIVATION_KEYS[counter]
    assert hexu(derive_intermediate_key(bytes.fromhex(IK256), ksn(counter))) == expected


@pytest.mark.parametrize("counter", sorted(AES256_BDK_LATER_DERIVATION_KEYS))
def test_derivation_key_around_the_skip_and_at_the_last_counters_from_the_aes256_initial_key(
    counter: int,
) -> None:
    expected = AES256_BDK_LATER_DERIVATION_KEYS[counter]
    assert hexu(derive_intermediate_key(bytes.fromhex(IK256), ksn(counter))) == expected


# --- Working keys, host side (from the BDK) ----------------------------------------------


@pytest.mark.parametrize("counter", sorted(AES128_BDK_FIRST_EIGHT))
def test_aes128_pin_key_from_the_aes128_bdk(counter: int) -> None:
    key = derive_working_key(BDK128, ksn(counter), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)
    assert hexu(key) == AES128_BDK_FIRST_EIGHT[counter][1]


@pytest.mark.parametrize("counter", sorted(AES128_BDK_FIRST_EIGHT))
def test_aes128_mac_generation_key_from_the_aes128_bdk(counter: int) -> None:
    key = derive_working_key(BDK128, ksn(counter), KeyUsage.MAC_GENERATION, KeyType.AES128)
    assert hexu(key) == AES128_BDK_FIRST_EIGHT[counter][2]


@pytest.mark.parametrize("counter", sorted(AES128_BDK_FIRST_EIGHT))
def test_aes128_data_encryption_key_from_the_aes128_bdk(counter: int) -> None:
    key = derive_working_key(BDK128, ksn(counter), KeyUsage.DATA_ENCRYPTION_ENCRYPT, KeyType.AES128)
    assert hexu(key) == AES128_BDK_FIRST_EIGHT[counter][3]


@pytest.mark.parametrize("usage", list(AES128_BDK_COUNTER1_OTHER_USAGES))
def test_aes128_working_key_of_every_other_usage_at_counter_1(usage: KeyUsage) -> None:
    key = derive_working_key(BDK128, ksn(1), usage, KeyType.AES128)
    assert hexu(key) == AES128_BDK_COUNTER1_OTHER_USAGES[usage]


@pytest.mark.parametrize(
    ("counter", "expected"),
    [
        (0x0001FFFE, "DDF7E08A84B5478C498D007C743BF762"),  # [XCHK], 1 transcription (Rust)
        (0x00020000, "AB828BE7B58C7EC5D5ED0D5D320A0C9D"),  # [XCHK], 2 transcriptions (Rust, CyberChef)
        (0x00845FED, "D1DDA386AA4A556AF0119FDCB5D132C6"),  # [XCHK], 1 transcription (CyberChef); 8675309
    ],
)
def test_aes128_pin_key_at_multi_bit_counters_walks_the_whole_ladder(counter: int, expected: str) -> None:
    key = derive_working_key(BDK128, ksn(counter), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)
    assert hexu(key) == expected


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (KeyUsage.PIN_ENCRYPTION, "630C706D9546E47D4449313F61C4D4AB"),  # [XCHK], 2 transcriptions
        (KeyUsage.MAC_GENERATION, "5D8FD787E8A796D07035FFCA9B5800BB"),  # [XCHK], 1 transcription
        (KeyUsage.DATA_ENCRYPTION_ENCRYPT, "BD44121C223F831446A01EE3A4CB58D2"),  # [XCHK], 1 transcription
    ],
)
def test_tdes2_working_key_from_the_aes128_bdk_at_counter_1(usage: KeyUsage, expected: str) -> None:
    assert hexu(derive_working_key(BDK128, ksn(1), usage, KeyType.TDES2)) == expected


def test_tdes3_pin_key_from_the_aes128_bdk_at_counter_1() -> None:
    # [XCHK], 2 transcriptions: a 3TDEA key (112-bit strength) may come from an AES-128 BDK.
    key = derive_working_key(BDK128, ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.TDES3)
    assert hexu(key) == "EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A"


@pytest.mark.parametrize("counter", sorted(AES256_BDK_AES128_WORKING_KEYS))
def test_aes128_working_keys_from_the_aes256_bdk(counter: int) -> None:
    pin, mac, data = AES256_BDK_AES128_WORKING_KEYS[counter]
    got = [
        hexu(derive_working_key(BDK256, ksn(counter), usage, KeyType.AES128))
        for usage in (KeyUsage.PIN_ENCRYPTION, KeyUsage.MAC_GENERATION, KeyUsage.DATA_ENCRYPTION_ENCRYPT)
    ]
    assert got == [pin, mac, data]


@pytest.mark.parametrize("counter", sorted(AES256_BDK_AES256_WORKING_KEYS))
def test_aes256_working_keys_from_the_aes256_bdk(counter: int) -> None:
    pin, mac, data = AES256_BDK_AES256_WORKING_KEYS[counter]
    got = [
        hexu(derive_working_key(BDK256, ksn(counter), usage, KeyType.AES256))
        for usage in (KeyUsage.PIN_ENCRYPTION, KeyUsage.MAC_GENERATION, KeyUsage.DATA_ENCRYPTION_ENCRYPT)
    ]
    assert got == [pin, mac, data]


# --- Working keys, from the initial key (device side) ------------------------------------


@pytest.mark.parametrize("counter", [1, 5, 8])
def test_pin_key_from_the_initial_key_matches_the_published_value(counter: int) -> None:
    key = derive_working_key_from_initial(
        bytes.fromhex(IK128), ksn(counter), KeyUsage.PIN_ENCRYPTION, KeyType.AES128
    )
    assert hexu(key) == AES128_BDK_FIRST_EIGHT[counter][1]


def test_working_key_from_initial_refuses_the_initial_key_usage() -> None:
    with pytest.raises(CryptoError, match="KEY_DERIVATION_INITIAL"):
        derive_working_key_from_initial(
            bytes.fromhex(IK128), ksn(1), KeyUsage.KEY_DERIVATION_INITIAL, KeyType.AES128
        )


def test_working_key_from_initial_refuses_an_initial_key_of_a_non_aes_length() -> None:
    with pytest.raises(KeyLengthError, match="initial key: 8 bytes"):
        derive_working_key_from_initial(bytes(8), ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.TDES2)



@pytest.mark.parametrize("counter", [1, 5, 8])
def test_several_working_keys_of_one_transaction_are_the_published_ones_in_the_order_asked(counter: int) -> None:
    keys = derive_working_keys_from_initial(
        bytes.fromhex(IK128), ksn(counter),
        ((KeyUsage.MAC_GENERATION, KeyType.AES128), (KeyUsage.DATA_ENCRYPTION_ENCRYPT, KeyType.AES128),
         (KeyUsage.PIN_ENCRYPTION, KeyType.AES128)),
    )
    published = AES128_BDK_FIRST_EIGHT[counter]
    assert [hexu(key) for key in keys] == [published[2], published[3], published[1]]


def test_several_working_keys_refuse_the_initial_key_usage_among_them() -> None:
    with pytest.raises(CryptoError, match="KEY_DERIVATION_INITIAL"):
        derive_working_keys_from_initial(
            bytes.fromhex(IK128), ksn(1),
            ((KeyUsage.PIN_ENCRYPTION, KeyType.AES128), (KeyUsage.KEY_DERIVATION_INITIAL, KeyType.AES128)),
        )


def test_several_working_keys_refuse_one_stronger_than_the_initial_key() -> None:
    with pytest.raises(KeyLengthError, match="AES256"):
        derive_working_keys_from_initial(
            bytes.fromhex(IK128), ksn(1),
            ((KeyUsage.PIN_ENCRYPTION, KeyType.AES128), (KeyUsage.MAC_GENERATION, KeyType.AES256)),
        )

# --- The per-transaction key record -----------------------------------------------------


def test_derive_keys_returns_the_published_keys_of_counter_1() -> None:
    keys = derive_keys(BDK128, ksn(1))
    got = (hexu(keys.initial_key), hexu(keys.pin_key), hexu(keys.mac_generation_key),
           hexu(keys.mac_verification_key), hexu(keys.data_encryption_key))
    assert got == (IK128, "AF8CB133A78F8DC2D1359F18527593FB", "A2DC23DE6FDE0824A2BC321E08E4B8B7",
                   "DBB463945B286C07CD3AD82EE96FD9C9", "A35C412EFD41FDB98B69797C02DCD08F")


def test_derive_keys_produces_keys_of_the_requested_working_key_type() -> None:
    keys = derive_keys(BDK256, ksn(1), working_key_type=KeyType.AES256)
    assert hexu(keys.pin_key) == AES256_BDK_AES256_WORKING_KEYS[1][0]


def test_key_record_repr_shows_no_key_material() -> None:
    keys = derive_keys(BDK128, ksn(1))
    text = repr(keys).upper()
    for secret in (keys.initial_key, keys.pin_key, keys.mac_generation_key,
                   keys.mac_verification_key, keys.data_encryption_key):
        assert hexu(secret) not in text
        assert repr(secret).upper() not in text


def test_key_record_is_immutable() -> None:
    keys = derive_keys(BDK128, ksn(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        keys.pin_key = bytes(16)  # type: ignore[misc]


def test_key_record_is_the_documented_dataclass() -> None:
    assert isinstance(derive_keys(BDK128, ksn(1)), AesDukptKeys)


# --- KSN and counter rules --------------------------------------------------------------


def test_ksn_counter_is_the_last_four_bytes_big_endian() -> None:
    assert ksn_counter(bytes.fromhex("123456789012345600845FED")) == 0x00845FED


def test_ksn_initial_key_id_is_the_first_eight_bytes() -> None:
    assert ksn_initial_key_id(bytes.fromhex("123456789012345600000001")) == IKID


def test_make_ksn_puts_the_counter_after_the_initial_key_id() -> None:
    assert make_ksn(IKID, 0x20001) == bytes.fromhex("123456789012345600020001")


@pytest.mark.parametrize("length", [0, 10, 11, 13])
def test_ksn_counter_refuses_a_ksn_not_of_12_bytes_naming_the_length(length: int) -> None:
    with pytest.raises(KsnError, match=f"KSN: {length} bytes"):
        ksn_counter(bytes(length))


def test_next_ksn_of_the_initial_ksn_is_the_first_transaction() -> None:
    # [X9-TV] via [OEMV]: advancing the KSN with counter 0 gives 123456789012345600000001.
    assert next_ksn(ksn(0)) == bytes.fromhex("123456789012345600000001")


def test_next_ksn_counts_through_the_first_eight_published_ksns() -> None:
    sequence = [ksn(1)]
    for _ in range(7):
        sequence.append(next_ksn(sequence[-1]))
    assert [ksn_counter(value) for value in sequence] == list(range(1, 9))


def test_next_ksn_skips_a_counter_with_17_one_bits() -> None:
    # [X9-TV] via [OEMV]: after 0x1FFFE the device goes to 0x20000; 0x1FFFF is never used.
    assert ksn_counter(next_ksn(ksn(0x0001FFFE))) == 0x00020000


@pytest.mark.parametrize(
    ("counter", "following"),
    [(0xFFFE2000, 0xFFFE4000), (0xFFFE4000, 0xFFFE8000), (0xFFFE8000, 0xFFFF0000)],
)
def test_next_ksn_walks_the_published_last_counters(counter: int, following: int) -> None:
    assert ksn_counter(next_ksn(ksn(counter))) == following


def test_next_ksn_keeps_the_initial_key_id() -> None:
    assert next_ksn(ksn(41))[:8] == IKID


def test_next_ksn_refuses_to_go_past_the_last_valid_counter() -> None:
    # 0xFFFF0000 is the last counter of [X9-TV]; every larger 32-bit value has over 16 one-bits.
    with pytest.raises(KsnError, match="exhausted"):
        next_ksn(ksn(0xFFFF0000))


@given(st.integers(min_value=0, max_value=(1 << 20) - 1))
def test_next_ksn_gives_the_smallest_larger_counter_with_at_most_16_one_bits(counter: int) -> None:
    following = ksn_counter(next_ksn(ksn(counter)))
    assert following > counter
    assert following.bit_count() <= 16
    assert all(skipped.bit_count() > 16 for skipped in range(counter + 1, following))


def test_a_counter_with_17_one_bits_is_not_a_valid_counter() -> None:
    assert not is_valid_counter(0x0001FFFF)


def test_derivation_refuses_a_counter_with_17_one_bits_naming_the_count() -> None:
    with pytest.raises(KsnError, match="17 one-bits"):
        derive_working_key(BDK128, ksn(0x0001FFFF), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)


def test_intermediate_derivation_refuses_a_counter_with_more_than_16_one_bits() -> None:
    with pytest.raises(KsnError, match="32 one-bits"):
        derive_intermediate_key(bytes.fromhex(IK128), ksn(0xFFFFFFFF))


def test_derivation_refuses_counter_0_the_initial_state_of_a_device() -> None:
    with pytest.raises(KsnError, match="counter is 0"):
        derive_working_key(BDK128, ksn(0), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)


@pytest.mark.parametrize("length", [10, 11, 13, 16])
def test_derivation_refuses_a_ksn_not_of_12_bytes_naming_the_length(length: int) -> None:
    with pytest.raises(KsnError, match=f"KSN: {length} bytes"):
        derive_working_key(BDK128, bytes(length), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)


@pytest.mark.parametrize("length", [8, 15, 20])
def test_derivation_refuses_a_bdk_of_a_non_aes_length_naming_the_length(length: int) -> None:
    with pytest.raises(KeyLengthError, match=f"BDK: {length} bytes"):
        derive_working_key(bytes(length), ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.AES128)


# --- Key strength ------------------------------------------------------------------------


@pytest.mark.parametrize("working_type", [KeyType.AES192, KeyType.AES256])
def test_derivation_refuses_a_working_key_stronger_than_an_aes128_bdk(working_type: KeyType) -> None:
    with pytest.raises(KeyLengthError, match=f"{working_type.name}.*stronger than the AES128"):
        derive_working_key(BDK128, ksn(1), KeyUsage.PIN_ENCRYPTION, working_type)


def test_derivation_refuses_an_aes256_working_key_from_an_aes192_bdk() -> None:
    with pytest.raises(KeyLengthError, match="stronger than the AES192"):
        derive_working_key(bytes(24), ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.AES256)


def test_derive_keys_refuses_a_working_key_type_stronger_than_the_bdk() -> None:
    with pytest.raises(KeyLengthError, match="stronger"):
        derive_keys(BDK128, ksn(1), working_key_type=KeyType.AES256)


@pytest.mark.parametrize("working_type", [KeyType.TDES2, KeyType.TDES3, KeyType.AES128, KeyType.AES192])
def test_an_aes192_bdk_derives_working_keys_up_to_its_own_strength(working_type: KeyType) -> None:
    key = derive_working_key(bytes(range(24)), ksn(1), KeyUsage.MAC_GENERATION, working_type)
    assert len(key) == working_type.length


# --- Errors leak no key material ---------------------------------------------------------


def _refusals() -> list[BaseException]:
    caught: list[BaseException] = []
    attempts = [
        lambda: derive_working_key(BDK128, ksn(0x0001FFFF), KeyUsage.PIN_ENCRYPTION, KeyType.AES128),
        lambda: derive_working_key(BDK128, ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.AES256),
        lambda: derive_working_key(BDK128 + b"\x01", ksn(1), KeyUsage.PIN_ENCRYPTION, KeyType.AES128),
        lambda: derive_working_key(BDK128, ksn(1)[:11], KeyUsage.PIN_ENCRYPTION, KeyType.AES128),
        lambda: derive_initial_key(BDK128, IKID, KeyType.AES192),
        lambda: derive_working_key_from_initial(
            bytes.fromhex(IK128), ksn(1), KeyUsage.KEY_DERIVATION_INITIAL, KeyType.AES128
        ),
    ]
    for attempt in attempts:
        with pytest.raises(CryptoError) as info:
            attempt()
        caught.append(info.value)
    return caught


def test_error_messages_contain_no_key_hex() -> None:
    secrets = [hexu(BDK128), hexu(BDK128 + b"\x01"), IK128, hexu(BDK128[:8]), hexu(BDK128[8:])]
    for error in _refusals():
        message = str(error).upper()
        assert not any(secret in message for secret in secrets), type(error).__name__
