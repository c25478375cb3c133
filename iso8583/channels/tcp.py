"""TCP transport: a ``ByteStream`` over asyncio streams, a client and a per-connection server.

The server gives every accepted connection its own channel (and its own fresh framer) and
runs the handler on it. A handler's exception or a malformed frame ends that connection
only; the listening socket and the other connections carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

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

    async def read_some(self, timeout: float | None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(READ_CHUNK)
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


class TcpServer:
    """A listening TCP server started by :func:`serve_tcp`; ``port`` is the real bound port."""

    def __init__(self, framer: Framer, handler: Handler, link_policy: LinkPolicy | None, write_timeout: float) -> None:
        self._framer = framer
        self._handler = handler
        self._link_policy = link_policy
        self._write_timeout = write_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._closing: set[asyncio.Task[None]] = set()
        """Connections whose handler ended and whose channel is closing: waited for, never cancelled."""
        self.host = ""
        self.port = 0

    @property
    def url(self) -> str:
        """``tcp://HOST:PORT`` with the real bound port."""
        return tcp_url(self.host, self.port)

    @property
    def connection_count(self) -> int:
        """How many connections are being served right now."""
        return len(self._connections)

    async def _start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._serve_connection, host, port)
        bound = self._server.sockets[0].getsockname()
        self.host, self.port = bound[0], bound[1]
        log.info("listening on %s", self.url)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        stream = TcpStream(reader, writer)
        channel = make_channel(
            stream, self._framer.fresh(), link_policy=self._link_policy, write_timeout=self._write_timeout
        )
        log.info("accepted %s", stream.peer)
        try:
            await self._handler(channel)
        except asyncio.CancelledError:
            # close() cancelled us. End normally: on Python 3.11, asyncio's own done-callback
            # of client_connected_cb tasks logs a spurious error for a cancelled task.
            log.debug("connection from %s cancelled by server close", stream.peer)
        except ChannelError as exc:
            log.warning("connection from %s ended: %s", stream.peer, exc)
        except Exception:
            log.exception("handler failed on the connection from %s; closing it", stream.peer)
        finally:
            self._connections.discard(task)
            self._closing.add(task)
            try:
                await channel.close()
            finally:
                self._closing.discard(task)
            log.info("closed %s", stream.peer)

    async def close(self) -> None:
        """Stop listening, end every connection (cancelling its handler) and wait for them."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *self._closing, return_exceptions=True)
        await server.wait_closed()
        log.info("stopped listening on %s", self.url)

    async def __aenter__(self) -> TcpServer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


async def serve_tcp(
    host: str,
    port: int,
    framer: Framer | None,
    handler: Handler,
    *,
    link_policy: LinkPolicy | None = None,
    write_timeout: float = 10.0,
) -> TcpServer:
    """Listen on ``host:port`` (port 0 picks a free one) and run ``handler(channel)`` per connection.

    ``framer`` is a template: each connection gets ``framer.fresh()`` (default: 2-byte
    length). The connection is closed when the handler returns or raises.
    """
    server = TcpServer(framer or TwoByteLengthFramer(), handler, link_policy, write_timeout)
    try:
        await server._start(host, port)
    except OSError as exc:
        raise ChannelError(f"cannot listen on {tcp_url(host, port)}: {exc}") from exc
    return server
