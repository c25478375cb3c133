"""One call from a channel URL to an open channel, for the terminal and the CLI."""

from __future__ import annotations

from iso8583.channels.address import ChannelAddress, Transport, parse_channel_url
from iso8583.channels.channel import BaseChannel
from iso8583.channels.framing import Framer
from iso8583.channels.link import LinkPolicy
from iso8583.channels.serialport import open_serial_channel
from iso8583.channels.tcp import open_tcp_channel


async def connect(
    address: ChannelAddress | str,
    framer: Framer | None = None,
    *,
    connect_timeout: float = 5.0,
    link_policy: LinkPolicy | None = None,
) -> BaseChannel:
    """Open a channel to ``address`` (a ChannelAddress or a URL string).

    ``framer`` overrides the address's framing; otherwise ``framing=`` in the URL, otherwise
    the transport's default (TCP: 2-byte length; serial: STX/ETX/LRC with ACK/NAK).
    """
    if isinstance(address, str):
        address = parse_channel_url(address)
    framer = framer or address.framer()
    if address.transport is Transport.TCP:
        return await open_tcp_channel(
            address.host, address.port, framer, connect_timeout, link_policy=link_policy
        )
    return await open_serial_channel(
        address.device,
        framer,
        address.baudrate,
        bytesize=address.bytesize,
        parity=address.parity,
        stopbits=address.stopbits,
        link_policy=link_policy,
    )
