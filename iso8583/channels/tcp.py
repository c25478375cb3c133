"""TCP client transport: a ``ByteStream`` over asyncio streams, and ``open_tcp_channel``.

The server side (which must bound what each peer costs it) is :mod:`.tcp_server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from iso8583.channels.channel import BaseChannel
from iso8583.channels.factory import make_channel
from iso8583.channels.errors import ChannelClosed, ChannelError, ChannelTimeout
from iso8583.channels.framing import Framer, TwoByteLengthFramer
from iso8583.channels.link import LinkPolicy

log = logging.getLogger(__name__)

READ_CHUNK = 65536

Handler = Callable[[BaseChannel], Awaitable[None]]


def tcp_url(host: str, port: int) -> str:
    """``tcp://host:port``, bracketing IPv6 literals."""
    return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"


class TcpStream:
    """A ``ByteStream`` over an asyncio ``StreamReader``/``StreamWriter`` pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        peername = writer.get_extra_info("peername")
        self.peer = tcp_url(peername[0], peername[1]) if peername else "tcp://?"

    async def read_some(self, timeout: float | None, max_bytes: int | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(min(READ_CHUNK, max_bytes or READ_CHUNK))
        except TimeoutError:
            return b""
        except OSError as exc:
            raise ChannelClosed(f"connection to {self.peer} failed: {exc}") from exc
        if not data:
            raise ChannelClosed(f"{self.peer} closed the connection")
        return data

    async def write(self, data: bytes, timeout: float) -> None:
        if self._writer.is_closing():
            raise ChannelClosed(f"connection to {self.peer} is closed")
        try:
            self._writer.write(data)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError:
            raise ChannelTimeout(f"send to {self.peer}", timeout) from None
        except OSError as exc:
            raise ChannelClosed(f"connection to {self.peer} failed: {exc}") from exc

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1.0):
                await self._writer.wait_closed()


async def open_tcp_channel(
    host: str,
    port: int,
    framer: Framer | None = None,
    connect_timeout: float = 5.0,
    *,
    link_policy: LinkPolicy | None = None,
    write_timeout: float = 10.0,
) -> BaseChannel:
    """Connect to ``host:port`` and return a channel framing with ``framer`` (default: 2-byte length).

    Raises ChannelTimeout when the connection is not up within ``connect_timeout`` seconds
    and ChannelError when it is refused or unreachable.
    """
    url = tcp_url(host, port)
    try:
        async with asyncio.timeout(connect_timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        raise ChannelTimeout(f"connect to {url}", connect_timeout) from None
    except OSError as exc:
        raise ChannelError(f"cannot connect to {url}: {exc}") from exc
    framer = framer.fresh() if framer is not None else TwoByteLengthFramer()
    log.info("connected to %s", url)
    return make_channel(TcpStream(reader, writer), framer, link_policy=link_policy, write_timeout=write_timeout)
