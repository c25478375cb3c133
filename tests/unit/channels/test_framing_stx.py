"""STX / BCD length / data / ETX / LRC framing of serial links (the framer alone)."""

from __future__ import annotations

import pytest

from iso8583.channels import FramingError, LinkControl, StxEtxLrcFramer
from iso8583.channels.framing import FrameReceived, FrameRejected, lrc


def test_frame_layout_is_stx_bcd_length_data_etx_lrc() -> None:
    wire = StxEtxLrcFramer().encode(b"AB")
    assert wire == bytes([0x02, 0x00, 0x02, 0x41, 0x42, 0x03, 0x00 ^ 0x02 ^ 0x41 ^ 0x42 ^ 0x03])


def test_length_is_written_in_bcd() -> None:
    assert StxEtxLrcFramer().encode(bytes(1234))[1:3] == b"\x12\x34"


def test_lrc_covers_everything_after_stx_up_to_and_including_etx() -> None:
    wire = StxEtxLrcFramer().encode(b"0800 sign-on")
    assert wire[-1] == lrc(wire[1:-1])


def test_round_trips_a_payload_containing_control_bytes() -> None:
    framer = StxEtxLrcFramer()
    payload = bytes([0x02, 0x03, 0x06, 0x15, 0x00, 0xFF])
    assert framer.feed(framer.encode(payload)) == [payload]


def test_decodes_data_fed_one_byte_at_a_time() -> None:
    framer = StxEtxLrcFramer()
    wire = framer.encode(b"first") + framer.encode(b"second")
    got = [payload for byte in wire for payload in framer.feed(bytes([byte]))]
    assert got == [b"first", b"second"]


def test_refuses_a_payload_over_9999_bytes() -> None:
    with pytest.raises(FramingError, match="10000 bytes exceeds the maximum of 9999"):
        StxEtxLrcFramer().encode(bytes(10000))


def test_bad_lrc_is_a_framing_error_with_both_values() -> None:
    wire = bytearray(StxEtxLrcFramer().encode(b"AB"))
    good = wire[-1]
    wire[-1] = 0x3A
    with pytest.raises(FramingError, match=f"LRC mismatch: got 0x3A, computed 0x{good:02X}"):
        StxEtxLrcFramer().feed(bytes(wire))


def test_non_bcd_length_is_a_framing_error_and_resets_the_decoder() -> None:
    framer = StxEtxLrcFramer()
    with pytest.raises(FramingError, match=r"length 0x1A00 at offset 1 is not 2 BCD bytes"):
        framer.feed(b"\x02\x1a\x00rest")
    assert framer.pending == 0


def test_missing_etx_is_a_framing_error_naming_its_offset() -> None:
    with pytest.raises(FramingError, match=r"expected ETX 0x03 at offset 5, got 0x04"):
        StxEtxLrcFramer().feed(b"\x02\x00\x02AB\x04\x00")


def test_feed_events_reports_ack_and_nak_between_frames() -> None:
    framer = StxEtxLrcFramer()
    events = framer.feed_events(b"\x06" + framer.encode(b"x") + b"\x15")
    assert events == [LinkControl.ACK, FrameReceived(b"x"), LinkControl.NAK]


def test_feed_events_reports_a_bad_lrc_frame_and_goes_on_with_the_next_bytes() -> None:
    framer = StxEtxLrcFramer()
    bad = bytearray(framer.encode(b"x"))
    bad[-1] ^= 0xFF
    events = framer.feed_events(bytes(bad) + b"\x06")
    assert isinstance(events[0], FrameRejected)
    assert events[1] is LinkControl.ACK


def test_noise_between_frames_is_skipped() -> None:
    framer = StxEtxLrcFramer()
    assert framer.feed(b"\xff\x00" + framer.encode(b"ok")) == [b"ok"]
