"""Two-byte length + TPDU header framing."""

from __future__ import annotations

import pytest

from iso8583.channels import ChannelError, FramingError, Tpdu, TpduFrame, TpduFramer
from iso8583.errors import EncodeError

TERMINAL_TPDU = Tpdu(destination=0x0001, source=0x0000)


def test_tpdu_is_id_0x60_then_destination_then_source() -> None:
    assert Tpdu(destination=0x0123, source=0x4567).build() == bytes.fromhex("6001234567")


def test_the_response_tpdu_exchanges_destination_and_source() -> None:
    assert Tpdu(destination=1, source=2).response() == Tpdu(destination=2, source=1)


def test_tpdu_parses_from_its_hex_notation() -> None:
    assert Tpdu.from_hex("6000010000") == TERMINAL_TPDU
    assert str(TERMINAL_TPDU) == "6000010000"


def test_length_counts_the_tpdu_and_the_message() -> None:
    wire = TpduFramer(TERMINAL_TPDU).encode(b"0800")
    assert wire == b"\x00\x09" + bytes.fromhex("6000010000") + b"0800"


def test_feed_returns_the_message_without_the_tpdu() -> None:
    wire = TpduFramer(TERMINAL_TPDU).encode(b"0800")
    assert TpduFramer().feed(wire) == [b"0800"]


def test_feed_frames_exposes_the_tpdu_alongside_the_message() -> None:
    wire = TpduFramer(TERMINAL_TPDU).encode(b"0800")
    assert TpduFramer().feed_frames(wire) == [TpduFrame(TERMINAL_TPDU, b"0800")]


def test_tpdu_framer_decodes_data_fed_one_byte_at_a_time() -> None:
    sender, receiver = TpduFramer(TERMINAL_TPDU), TpduFramer()
    wire = sender.encode(b"first") + sender.encode(b"second")
    got = [payload for byte in wire for payload in receiver.feed(bytes([byte]))]
    assert got == [b"first", b"second"]


def test_answer_mode_replies_with_the_swapped_tpdu_of_the_last_request() -> None:
    host = TpduFramer()  # no TPDU of its own: answer mode
    host.feed(TpduFramer(TERMINAL_TPDU).encode(b"0800"))
    reply = host.encode(b"0810")
    assert TpduFramer().feed_frames(reply) == [TpduFrame(TERMINAL_TPDU.response(), b"0810")]


def test_answer_mode_cannot_send_before_anything_was_received() -> None:
    with pytest.raises(ChannelError, match="no received TPDU"):
        TpduFramer().encode(b"0800")


def test_encode_frame_uses_an_explicit_tpdu() -> None:
    other = Tpdu(destination=0x0200, source=0x0300)
    wire = TpduFramer(TERMINAL_TPDU).encode_frame(TpduFrame(other, b"x"))
    assert TpduFramer().feed_frames(wire)[0].tpdu == other


def test_wrong_tpdu_id_is_a_framing_error_naming_offset_and_expectation() -> None:
    framer = TpduFramer()
    with pytest.raises(FramingError, match=r"TPDU ID at offset 2 is 0x61, expected 0x60"):
        framer.feed(b"\x00\x06" + bytes.fromhex("6100010000") + b"x")
    assert framer.pending == 0


def test_length_shorter_than_the_tpdu_is_a_framing_error() -> None:
    with pytest.raises(FramingError, match="length 3 at offset 0 is below the minimum of 5"):
        TpduFramer().feed(b"\x00\x03")


def test_fresh_keeps_the_configured_tpdu_but_not_the_last_received_one() -> None:
    framer = TpduFramer(TERMINAL_TPDU)
    framer.feed(TpduFramer(Tpdu(5, 6)).encode(b"x"))
    fresh = framer.fresh()
    assert fresh.tpdu == TERMINAL_TPDU
    assert fresh.last_tpdu is None


def test_tpdu_address_out_of_range_is_refused() -> None:
    with pytest.raises(EncodeError, match="TPDU destination 65536 is not in 0..0xFFFF"):
        Tpdu(destination=0x10000, source=0)


def test_the_framer_and_the_codec_share_one_tpdu_type() -> None:
    from iso8583.tpdu import Tpdu as CodecTpdu

    assert Tpdu is CodecTpdu
