"""``Framer.limited``: a frame announcing more than a server accepts is refused on its header, unread."""

from __future__ import annotations

import pytest

from iso8583.channels import (
    AsciiLengthFramer,
    FrameTooLarge,
    StxEtxLrcFramer,
    Tpdu,
    TpduFramer,
    TwoByteLengthFramer,
)
from iso8583.channels.framing import FrameRejected

TPDU = Tpdu(destination=0x0001, source=0x0000)


@pytest.mark.parametrize("framer", [TwoByteLengthFramer(), AsciiLengthFramer()], ids=["len2", "ascii4"])
def test_a_length_over_the_limit_is_refused_from_the_prefix_alone(framer: TwoByteLengthFramer) -> None:
    limited = framer.limited(100)
    prefix = framer.encode(bytes(101))[: framer.prefix_size]
    with pytest.raises(FrameTooLarge, match="length 101 at offset 0 is over the 100 bytes accepted") as caught:
        limited.feed(prefix)
    assert caught.value.offset == 0
    assert limited.pending == 0  # nothing kept


@pytest.mark.parametrize("framer", [TwoByteLengthFramer(), AsciiLengthFramer()], ids=["len2", "ascii4"])
def test_a_frame_at_the_limit_is_accepted(framer: TwoByteLengthFramer) -> None:
    assert framer.limited(100).feed(framer.encode(bytes(100))) == [bytes(100)]


def test_frames_before_the_oversized_one_are_kept_in_the_error() -> None:
    framer = TwoByteLengthFramer()
    with pytest.raises(FrameTooLarge) as caught:
        framer.limited(10).feed(framer.encode(b"good") + b"\x00\x0b")
    assert caught.value.decoded == (b"good",)
    assert caught.value.offset == 6


def test_fresh_keeps_the_limit_and_limited_keeps_the_settings() -> None:
    limited = TpduFramer(TPDU).limited(20)
    fresh = limited.fresh()
    assert (fresh.receive_limit, fresh.tpdu) == (20, TPDU)
    with pytest.raises(FrameTooLarge):
        fresh.feed(b"\x00\x15")


def test_without_a_limit_the_framings_own_maximum_applies() -> None:
    assert TwoByteLengthFramer().receive_limit is None
    payload = bytes(65535)
    assert TwoByteLengthFramer().feed(TwoByteLengthFramer().encode(payload)) == [payload]


def test_an_stx_frame_over_the_limit_is_rejected_for_a_nak_on_its_header() -> None:
    framer = StxEtxLrcFramer().limited(50)
    events = framer.feed_events(b"\x02\x00\x51")  # STX, BCD length 51
    assert len(events) == 1 and isinstance(events[0], FrameRejected)
    assert isinstance(events[0].error, FrameTooLarge)
    assert "length 51 at offset 1 is over the 50 bytes accepted" in str(events[0].error)
    assert framer.pending == 0


def test_an_stx_frame_at_the_limit_is_received() -> None:
    framer = StxEtxLrcFramer()
    assert framer.limited(50).feed(framer.encode(bytes(50))) == [bytes(50)]
