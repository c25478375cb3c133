"""DE 64 over a ``cup-pos`` frame (protocols.cup.mac) and the profile's defaults.

The published frame: q.cnblogs.com/q/128930, a complete CUP POS 0200 (TPDU 6000030000, header
603210320072) whose host-generated DE 64 is "B3A092AE" under MAK 0723C80DB5F4CD3D0723C80DB5F4CD3D
(see tests/unit/keys/test_cup_mac.py for the algorithm's sources). Its DE 62 is a host-specific
TLV, so the frame is checked at the byte level here, not decoded with the dialect.
"""

from __future__ import annotations

import pytest

from iso8583.codec import decode, encode
from iso8583.dialects import get_dialect
from iso8583.message import Message
from keys.errors import MacVerificationError
from keys.mac import MacAlgorithm
from protocols.cup.errors import CupFieldError
from protocols.cup.mac import apply_mac, mac_block, verify_frame_mac
from protocols.cup.contract import CUP_CONTRACT
from pos_terminal.state.config import ConfigError, TerminalConfig

CNBLOGS_FRAME = bytes.fromhex((
    "60:00:03:00:00:60:32:10:32:00:72:02:00:30:20:04:80:00:c0:80:15:00:00:00:00:00:00:00:12:34:"
    "00:00:02:03:00:99:30:30:30:30:30:30:30:31:39:35:32:37:31:38:31:38:32:32:31:37:38:37:35:31:35:36:"
    "00:19:26:00:00:01:00:06:00:00:00:00:00:43:5f:01:12:32:38:34:34:31:32:33:34:35:36:37:38:39:30:31:"
    "32:33:34:5f:03:06:31:36:30:30:33:36:5f:04:06:32:30:30:38:32:36:5c:02:30:31:42:33:41:30:39:32:41:45"
).replace(":", ""))
CNBLOGS_MAK = bytes.fromhex("0723C80DB5F4CD3D0723C80DB5F4CD3D")
MAK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
DIALECT = get_dialect("cup-pos")
HEADER = bytes.fromhex("6000010000603100000000")
REFUND = Message("0220", {3: "200000", 4: "000000005000", 11: "000004", 41: "10000001", 49: "156",
                          60: "25000001", 61: "0000010000020915"}, header=HEADER)


def test_the_published_frame_verifies() -> None:
    verify_frame_mac(CNBLOGS_FRAME, CNBLOGS_MAK)


def test_the_mab_is_mti_to_de63() -> None:
    assert mac_block(CNBLOGS_FRAME) == CNBLOGS_FRAME[11:-8]
    assert mac_block(CNBLOGS_FRAME)[:2] == b"\x02\x00"


def test_one_changed_byte_fails_verification() -> None:
    changed = bytearray(CNBLOGS_FRAME)
    changed[30] ^= 0x01  # inside DE 4
    with pytest.raises(MacVerificationError):
        verify_frame_mac(bytes(changed), CNBLOGS_MAK)


def test_the_header_is_outside_the_mac() -> None:
    other_route = bytes.fromhex("6000000003") + CNBLOGS_FRAME[5:]
    verify_frame_mac(other_route, CNBLOGS_MAK)


def test_apply_mac_sets_de64_to_the_mac_of_the_encoded_message() -> None:
    signed = apply_mac(REFUND, MAK)
    frame = encode(signed, DIALECT)
    verify_frame_mac(frame, MAK)
    assert decode(frame, DIALECT) == signed and len(signed[64]) == 8


def test_apply_mac_leaves_the_message_it_was_given_alone() -> None:
    apply_mac(REFUND, MAK)
    assert 64 not in REFUND


def test_a_frame_without_de64_is_refused_naming_the_bitmap_byte() -> None:
    frame = encode(REFUND, DIALECT)
    with pytest.raises(CupFieldError, match=r"^field 64: offset 20: bit 64 is not set"):
        mac_block(frame)


def test_a_frame_too_short_to_hold_a_mac_is_refused() -> None:
    with pytest.raises(CupFieldError, match=r"^field 64: offset 20: a frame with DE 64 has at least 29 bytes"):
        mac_block(CNBLOGS_FRAME[:20])


def test_profile_defaults_are_cny_cup_ecb_and_double_length_keys() -> None:
    assert (CUP_CONTRACT.dialect_name, CUP_CONTRACT.currency, CUP_CONTRACT.currency_exponent) == (
        "cup-pos", "156", 2)
    assert CUP_CONTRACT.mac_algorithm is MacAlgorithm.CUP_ECB
    assert CUP_CONTRACT.sign_on_scheme.value == "003"
    assert CUP_CONTRACT.security_control.encode() == "2600000000000000"
    assert CUP_CONTRACT.message_header.build() == bytes.fromhex("603100000000")


def test_the_terminal_sends_the_batch_messages_unsigned_by_default_as_the_field_description() -> None:
    assert TerminalConfig().cup_batch_mac is False


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_cup_batch_mac_must_be_true_or_false_naming_the_key(value: object) -> None:
    with pytest.raises(ConfigError, match=r"cup_batch_mac: must be true or false, got"):
        TerminalConfig(cup_batch_mac=value)  # type: ignore[arg-type]
