"""Framers: pure, sans-I/O encoders and incremental decoders of ISO 8583 frames."""

from iso8583.channels.framing.ascii_length import AsciiLengthFramer
from iso8583.channels.framing.base import Framer, LengthPrefixedFramer
from iso8583.channels.framing.binary_length import TwoByteLengthFramer
from iso8583.channels.framing.stx import (
    FrameReceived,
    FrameRejected,
    LinkControl,
    StxEtxLrcFramer,
    StxEvent,
    lrc,
)
from iso8583.channels.framing.tpdu import Tpdu, TpduFrame, TpduFramer

__all__ = [
    "AsciiLengthFramer",
    "FrameReceived",
    "FrameRejected",
    "Framer",
    "LengthPrefixedFramer",
    "LinkControl",
    "StxEtxLrcFramer",
    "StxEvent",
    "Tpdu",
    "TpduFrame",
    "TpduFramer",
    "TwoByteLengthFramer",
    "lrc",
]
