"""Moving whole ISO 8583 messages between terminal and host: framing kept apart from transport.

* Framers (:mod:`.framing`) are pure: ``encode(payload)`` and an incremental ``feed(data)``.
* Transports (:mod:`.tcp`, :mod:`.serialport`, :mod:`.fd`) move bytes.
* Channels (:mod:`.channel`, :mod:`.link`) join one framer to one transport behind the
  single ``Channel`` interface used by terminal and host alike.
* :func:`connect` opens a channel from a URL (:func:`parse_channel_url`); :func:`serve`
  runs a handler on every channel a listening URL yields, within :class:`ServerLimits`
  (connection cap, idle and partial-frame timeouts, frame rate, bytes in flight, frame size).

Channels move bytes; they never parse ISO 8583 messages. So they log lengths, never payload
bytes (which hold PANs and track data): the terminal and the host log the masked dump of each
message at DEBUG instead.
"""

from iso8583.channels.address import (
    ChannelAddress,
    Framing,
    Transport,
    make_framer,
    parse_channel_url,
)
from iso8583.channels.channel import BaseChannel, Channel, StreamChannel
from iso8583.channels.connect import connect
from iso8583.channels.errors import (
    AddressError,
    ChannelClosed,
    ChannelError,
    ChannelTimeout,
    DeliveryFailed,
    FrameTooLarge,
    FramingError,
    LimitExceeded,
)
from iso8583.channels.events import EventLog
from iso8583.channels.fd import open_fd_channel
from iso8583.channels.framing import (
    AsciiLengthFramer,
    Framer,
    LinkControl,
    StxEtxLrcFramer,
    Tpdu,
    TpduFrame,
    TpduFramer,
    TwoByteLengthFramer,
)
from iso8583.channels.limits import LimitEvent, LimitsError, ServerLimits
from iso8583.channels.link import LinkChannel, LinkPolicy
from iso8583.channels.serialport import open_serial_channel
from iso8583.channels.serve import SerialServer, Server, serve
from iso8583.channels.tcp import open_tcp_channel
from iso8583.channels.tcp_server import TcpServer, serve_tcp

__all__ = [
    "AddressError",
    "AsciiLengthFramer",
    "BaseChannel",
    "Channel",
    "ChannelAddress",
    "ChannelClosed",
    "ChannelError",
    "ChannelTimeout",
    "DeliveryFailed",
    "EventLog",
    "FrameTooLarge",
    "Framer",
    "Framing",
    "FramingError",
    "LimitEvent",
    "LimitExceeded",
    "LimitsError",
    "LinkChannel",
    "LinkControl",
    "LinkPolicy",
    "SerialServer",
    "Server",
    "ServerLimits",
    "StreamChannel",
    "StxEtxLrcFramer",
    "TcpServer",
    "Tpdu",
    "TpduFrame",
    "TpduFramer",
    "Transport",
    "TwoByteLengthFramer",
    "connect",
    "make_framer",
    "open_fd_channel",
    "open_serial_channel",
    "open_tcp_channel",
    "parse_channel_url",
    "serve",
    "serve_tcp",
]
