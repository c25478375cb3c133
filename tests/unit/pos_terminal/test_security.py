"""Message MACs and PIN blocks as docs/protocol.md specifies them, for every key scheme.

The key derivations and MAC algorithms themselves are checked against published vectors in
tests/unit/keys; here we check which key protects which direction, what the MAC covers, and that
any change to a protected message is detected. Test keys: the ANSI X9.24-1:2009 Annex A BDK and
KSN, and the ANSI X9.24-3-2017 sample BDK and initial key ID.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from psec.mac import generate_retail_mac

from iso8583 import Message, encode, get_dialect
from keys import dukpt_aes, dukpt_tdes
from keys.errors import MacVerificationError
from keys.pinblock import PinBlockFormat
from protocols.iso87 import original_data_elements
from protocols.security import (
    MessageKeys,
    dukpt_aes_keys,
    dukpt_tdes_keys,
    dukpt_tdes_message_keys,
    mksk_keys,
    pin_block,
    recover_pin,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from datetime import UTC, datetime

TDES_BDK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES_BDK = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
PAN = "4761739001010010"


def scheme_keys() -> dict[str, MessageKeys]:
    tak = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    tpk = bytes.fromhex("FEDCBA98765432100123456789ABCDEF")
    initial = dukpt_aes.derive_initial_key(AES_BDK, bytes.fromhex("1234567890123456"))
    return {
        "mksk": mksk_keys(tpk, tak),
        "dukpt-tdes": dukpt_tdes_keys(dukpt_tdes.derive_keys(TDES_BDK, bytes.fromhex("FFFF9876543210E00001"))),
        "dukpt-aes": dukpt_aes_keys(initial, bytes.fromhex("123456789012345600000001"), PinBlockFormat.ISO_0),
    }



@pytest.mark.parametrize("ksn_hex", ["FFFF9876543210E00001", "FFFF9876543210E00012", "FFFF9876543210E7FE00"])
def test_dukpt_tdes_message_keys_are_those_of_the_full_derivation(ksn_hex: str) -> None:
    # The host derives only the transaction key and its PIN and MAC variants: the same keys, the same KSN.
    ksn = bytes.fromhex(ksn_hex)
    ipek = dukpt_tdes.derive_ipek(TDES_BDK, ksn)
    assert dukpt_tdes_message_keys(ipek, ksn) == dukpt_tdes_keys(dukpt_tdes.derive_keys_from_ipek(ipek, ksn))


@pytest.mark.parametrize("pin_format, pin_type", [(PinBlockFormat.ISO_0, dukpt_aes.KeyType.TDES2),
                                                  (PinBlockFormat.ISO_4, dukpt_aes.KeyType.AES128)])
def test_dukpt_aes_message_keys_are_the_working_keys_of_their_usages(pin_format: PinBlockFormat,
                                                                       pin_type: dukpt_aes.KeyType) -> None:
    initial = dukpt_aes.derive_initial_key(AES_BDK, bytes.fromhex("1234567890123456"))
    ksn = bytes.fromhex("123456789012345600000013")
    usage, aes128 = dukpt_aes.KeyUsage, dukpt_aes.KeyType.AES128
    keys = dukpt_aes_keys(initial, ksn, pin_format)
    assert (keys.request_mac_key, keys.response_mac_key, keys.pin_key) == (
        dukpt_aes.derive_working_key_from_initial(initial, ksn, usage.MAC_GENERATION, aes128),
        dukpt_aes.derive_working_key_from_initial(initial, ksn, usage.MAC_VERIFICATION, aes128),
        dukpt_aes.derive_working_key_from_initial(initial, ksn, usage.PIN_ENCRYPTION, pin_type),
    )

def refund_request() -> Message:
    return Message("0200", {3: "200000", 4: "000000001500", 11: "000042", 41: "POSSIM01", 49: "840"})


@pytest.fixture(params=["mksk", "dukpt-tdes", "dukpt-aes"])
def keys(request: pytest.FixtureRequest) -> MessageKeys:
    return scheme_keys()[request.param]


@pytest.fixture(params=["terminal87", "iso87ascii", "iso87binary"])
def dialect_name(request: pytest.FixtureRequest) -> str:
    return request.param


def test_signed_request_verifies(keys: MessageKeys, dialect_name: str) -> None:
    dialect = get_dialect(dialect_name)
    verify_request(sign_request(refund_request(), dialect, keys), dialect, keys)


def test_changed_amount_fails_verification(keys: MessageKeys, dialect_name: str) -> None:
    dialect = get_dialect(dialect_name)
    signed = sign_request(refund_request(), dialect, keys)
    tampered = replace(signed, fields={**signed.fields, 4: "000000009999"})
    with pytest.raises(MacVerificationError, match="DE 64"):
        verify_request(tampered, dialect, keys)


def test_missing_mac_is_named(keys: MessageKeys) -> None:
    with pytest.raises(MacVerificationError, match="no MAC in DE 64"):
        verify_request(refund_request(), get_dialect("terminal87"), keys)


def test_response_mac_key_differs_from_request_key_under_dukpt() -> None:
    keys = scheme_keys()["dukpt-tdes"]
    dialect = get_dialect("terminal87")
    response = sign_response(Message("0210", {3: "200000", 11: "000042", 39: "00"}), dialect, keys)
    verify_response(response, dialect, keys)
    with pytest.raises(MacVerificationError):
        verify_request(response, dialect, keys)


def test_mac_goes_in_de128_when_a_secondary_field_is_present() -> None:
    keys = scheme_keys()["mksk"]
    dialect = get_dialect("terminal87")
    moment = datetime(2026, 11, 25, 10, 30, 0, tzinfo=UTC)
    reversal = Message("0400", {3: "200000", 11: "000043", 90: original_data_elements("0200", 42, moment)})
    signed = sign_request(reversal, dialect, keys)
    assert 128 in signed.fields and 64 not in signed.fields


def test_mac_covers_the_encoded_message_without_the_mac_itself() -> None:
    # Independent oracle: psec's retail MAC (ANSI X9.19) over our encoded bytes minus the last 8.
    keys = scheme_keys()["mksk"]
    dialect = get_dialect("iso87binary")
    encoded = encode(sign_request(refund_request(), dialect, keys), dialect)
    assert encoded[-8:] == generate_retail_mac(keys.request_mac_key[:8], keys.request_mac_key[8:], encoded[:-8], 1)


def test_mac_in_a_hex_text_dialect_excludes_the_sixteen_mac_characters() -> None:
    keys = scheme_keys()["mksk"]
    dialect = get_dialect("iso87ascii")
    encoded = encode(sign_request(refund_request(), dialect, keys), dialect)
    expected = generate_retail_mac(keys.request_mac_key[:8], keys.request_mac_key[8:], encoded[:-16], 1)
    assert encoded[-16:] == expected.hex().upper().encode()


def test_pin_block_round_trips_through_the_scheme_pin_key(keys: MessageKeys) -> None:
    assert recover_pin(keys, pin_block(keys, "1234", PAN), PAN) == "1234"


def test_keys_are_not_in_the_repr(keys: MessageKeys) -> None:
    assert keys.request_mac_key.hex().upper() not in repr(keys).upper()


def test_a_response_mac_is_checked_over_the_bytes_as_received(keys: MessageKeys, dialect_name: str) -> None:
    dialect = get_dialect(dialect_name)
    from protocols.security import sign_and_encode, verify_response_frame

    signed, frame = sign_and_encode(Message("0210", {**refund_request().fields, 39: "00"}), dialect, keys,
                                    response=True)
    verify_response_frame(frame, signed, dialect, keys)
    tampered = frame.replace(b"000000001500", b"000000009999") if b"000000001500" in frame else frame[:-9] + \
        bytes([frame[-9] ^ 1]) + frame[-8:]
    with pytest.raises(MacVerificationError, match="0210 response: MAC in DE 64 does not verify"):
        verify_response_frame(tampered, signed, dialect, keys)


def test_the_possim87_profile_signs_and_encodes_in_one_encoding(keys: MessageKeys, dialect_name: str) -> None:
    """outgoing_frame gives the bytes encoding outgoing() gives: the MAC written over the placeholder's bytes."""
    from pos_terminal.profiles import default_profiles

    dialect = get_dialect(dialect_name)
    profile = default_profiles().profile_for(dialect)
    signed, frame = profile.outgoing_frame(refund_request(), dialect, keys)
    assert signed == profile.outgoing(refund_request(), dialect, keys)
    assert frame == encode(signed, dialect)
