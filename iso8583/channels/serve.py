"""Serving: run a handler on every channel a listening address yields, TCP or serial alike.

TCP gives one channel per accepted connection (:func:`.tcp_server.serve_tcp`). A serial port
is a single, permanent "connection": the handler runs on it, and when the handler returns or
fails the port is reopened and the handler runs again, so that a bad frame or a handler bug
never takes the host off the line. This is what ``possim host --listen URL`` needs.

Both apply :class:`.limits.ServerLimits`. A serial line is never closed for them: its
connection cap and idle timeout do not apply, a partial frame older than
``partial_frame_timeout`` is dropped (the line resynchronises on the next STX) and a flood of
frames is only slowed.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Protocol

from iso8583.channels.address import ChannelAddress, Transport, parse_channel_url
from iso8583.channels.errors import ChannelError
from iso8583.channels.events import EventLog
from iso8583.channels.framing import Framer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.limits import ServerLimits
from iso8583.channels.link import LinkPolicy
from iso8583.channels.serialport import open_serial_channel, serial_peer
from iso8583.channels.tcp import Handler
from iso8583.channels.tcp_server import serve_tcp

log = logging.getLogger(__name__)

REOPEN_DELAY = 0.5


class Server(Protocol):
    """Something serving channels until closed."""

    @property
    def url(self) -> str:
        """Where it serves, with the real port for TCP."""
        ...

    async def close(self) -> None:
        """Stop serving and close every channel."""
        ...


class SerialServer:
    """Runs a handler on one serial port again and again until closed (see the module)."""

    def __init__(
        self,
        address: ChannelAddress,
        framer: Framer,
        handler: Handler,
        link_policy: LinkPolicy | None,
        limits: ServerLimits | None = None,
        events: EventLog | None = None,
    ):
        self.url = serial_peer(address.device)
        self.limits = limits if limits is not None else ServerLimits()
        self.events = events or EventLog(log)
        """The server's rate-limited log of limit events (one line per class per interval)."""
        self._address = address
        maximum = getattr(framer, "max_length", None)
        self._framer = framer.limited(self.limits.frame_limit(maximum)) if isinstance(maximum, int) else framer
        self._handler = handler
        self._link_policy = link_policy
        self._stopping = False
        self.sessions = 0
        """How many times the handler was started (a restart after a failure counts again)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"serial server {self.url}")

    async def _run(self) -> None:
        while not self._stopping:
            try:
                channel = await open_serial_channel(
                    self._address.device,
                    self._framer,
                    self._address.baudrate,
                    bytesize=self._address.bytesize,
                    parity=self._address.parity,
                    stopbits=self._address.stopbits,
                    link_policy=self._link_policy,
                    guard=InboundGuard(self.limits, self.events, closes=False),
                )
            except ChannelError as exc:
                log.warning("%s; retrying in %g s", exc, REOPEN_DELAY)
                await asyncio.sleep(REOPEN_DELAY)
                continue
            self.sessions += 1
            try:
                await self._handler(channel)
            except ChannelError as exc:
                log.warning("session on %s ended: %s", self.url, exc)
            except Exception:
                log.exception("handler failed on %s; reopening the port", self.url)
            finally:
                await channel.close()

    async def close(self) -> None:
        self._stopping = True
        self._task.cancel()
        await asyncio.wait([self._task])  # never swallows a cancellation of our caller
        self.events.flush()

    async def __aenter__(self) -> SerialServer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


async def serve(
    address: ChannelAddress | str,
    handler: Handler,
    framer: Framer | None = None,
    *,
    link_policy: LinkPolicy | None = None,
    limits: ServerLimits | None = None,
    events: EventLog | None = None,
) -> Server:
    """Serve ``handler`` on ``address`` (a URL or ChannelAddress), TCP or serial.

    The framer is ``framer`` if given, else the URL's ``framing=``, else the transport default.
    ``limits`` bound what each peer may cost (default: :class:`ServerLimits` defaults); limit
    events go to ``events`` (default: a rate-limited log of this package).
    """
    if isinstance(address, str):
        address = parse_channel_url(address)
    framer = framer or address.framer()
    if address.transport is Transport.TCP:
        return await serve_tcp(address.host, address.port, framer, handler, link_policy=link_policy,
                               limits=limits, events=events)
    return SerialServer(address, framer, handler, link_policy, limits, events)
