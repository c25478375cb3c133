"""The 11-byte ``cup-pos`` header: TPDU and the 6-byte CUP message header (iso8583.cup_header).

Layout of the CUP POS terminal specification's message header: application type n2, software
version n2, terminal status n1, processing request n1, reserved n6, as 12 BCD digits. A public
frame of q.cnblogs.com/q/128930 starts 60 0003 0000 | 60 32 1 0 320072: TPDU to NII 3, POS
application 60, version 32, status 1, request 0, reserved 320072.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iso8583.cup_header import CUP_HEADER_LENGTH, CupHeader, CupMessageHeader, response_header
from iso8583.errors import DecodeError, EncodeError
from iso8583.tpdu import Tpdu

PUBLISHED = bytes.fromhex("6000030000" "603210320072")


def test_the_published_header_parses_field_by_field() -> None:
    header = CupHeader.parse(PUBLISHED)
    assert header.tpdu == Tpdu(0x0003, 0x0000)
    assert header.message == CupMessageHeader("60", "32", "1", "0", "320072")


def test_the_published_header_builds_back_byte_exact() -> None:
    assert CupHeader.parse(PUBLISHED).build() == PUBLISHED


def test_defaults_are_a_pos_application_in_normal_status() -> None:
    assert CupHeader().build() == bytes.fromhex("6000000000" "603100000000")
    assert CUP_HEADER_LENGTH == 11


def test_the_answer_swaps_the_tpdu_addresses_and_keeps_the_message_header() -> None:
    assert response_header(PUBLISHED) == bytes.fromhex("6000000003" "603210320072")


def test_the_host_can_set_a_processing_request_in_its_answer() -> None:
    request = CupHeader.parse(PUBLISHED)
    answer = request.response(CupMessageHeader("60", "32", "0", "3", "320072"))
    assert answer.build() == bytes.fromhex("6000000003" "603203320072")


@given(
    destination=st.integers(0, 0xFFFF),
    source=st.integers(0, 0xFFFF),
    digits=st.text("0123456789", min_size=12, max_size=12),
)
def test_any_header_round_trips(destination: int, source: int, digits: str) -> None:
    header = CupHeader(Tpdu(destination, source),
                       CupMessageHeader(digits[0:2], digits[2:4], digits[4], digits[5], digits[6:12]))
    wire = header.build()
    assert len(wire) == 11 and CupHeader.parse(wire) == header
    assert CupHeader.parse(response_header(wire)).tpdu == Tpdu(source, destination)


def test_a_header_of_another_length_is_refused() -> None:
    with pytest.raises(DecodeError, match=r"^header: offset 0: a CUP POS header is 11 bytes, got 5$"):
        CupHeader.parse(PUBLISHED[:5])


def test_a_tpdu_id_other_than_60_is_refused() -> None:
    with pytest.raises(DecodeError, match=r"^header: offset 0: TPDU ID 0x68, expected 0x60$"):
        CupHeader.parse(b"\x68" + PUBLISHED[1:])


def test_a_non_bcd_nibble_in_the_message_header_is_reported_at_its_byte() -> None:
    corrupted = PUBLISHED[:8] + b"\x1F" + PUBLISHED[9:]
    with pytest.raises(DecodeError) as caught:
        CupHeader.parse(corrupted)
    assert str(caught.value) == "header: offset 8: message header: bad BCD nibble 0xF"
    assert caught.value.offset == 8


def test_a_message_header_field_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"^header: message header software_version must be 2 digits$"):
        CupMessageHeader(software_version="3")


def test_a_non_digit_message_header_field_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"^header: message header terminal_status must be 1 digit$"):
        CupMessageHeader(terminal_status="A")


def test_building_with_a_foreign_tpdu_id_is_refused() -> None:
    with pytest.raises(EncodeError, match=r"^header: TPDU ID 0x68, CUP POS messages use 0x60$"):
        CupHeader(Tpdu(1, 0, id=0x68)).build()
