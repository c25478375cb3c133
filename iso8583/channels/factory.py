"""Pick the channel class a framer needs: STX/ETX/LRC runs the ACK/NAK link, others don't."""

from __future__ import annotations

from iso8583.channels.channel import DEFAULT_WRITE_TIMEOUT, BaseChannel, StreamChannel
from iso8583.channels.framing import Framer, StxEtxLrcFramer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.link import LinkChannel, LinkPolicy
from iso8583.channels.streams import ByteStream


def make_channel(
    stream: ByteStream,
    framer: Framer,
    *,
    link_policy: LinkPolicy | None = None,
    write_timeout: float = DEFAULT_WRITE_TIMEOUT,
    guard: InboundGuard | None = None,
) -> BaseChannel:
    """A channel on ``stream`` using ``framer`` as given (call ``fresh()`` first to share a template).

    ``guard``: a server's per-connection limits (see :mod:`.guard`); None for a client.
    """
    if isinstance(framer, StxEtxLrcFramer):
        return LinkChannel(stream, framer, link_policy, write_timeout=write_timeout, guard=guard)
    return StreamChannel(stream, framer, write_timeout=write_timeout, guard=guard)
