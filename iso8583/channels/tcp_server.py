"""The TCP server: one channel per accepted connection, within the server's :class:`.limits.ServerLimits`.

Every accepted connection gets its own channel (a fresh framer, bounded by the largest frame
accepted, and an :class:`.guard.InboundGuard`) and runs the handler on it. A handler's
exception, a malformed frame or a limit reached ends that connection only; the listening
socket and the other connections carry on.

The server accepts connections itself (``loop.sock_accept``) rather than through
``asyncio.start_server`` so that it decides what happens at its limits:

* At ``max_connections`` it stops accepting: new connections wait in the kernel's backlog
  until one ends, and when one is waiting, the longest-idle connection (idle at least
  ``IDLE_EVICTION_AFTER`` seconds) is closed to make room, so idle peers cannot lock
  terminals out. The cap never exceeds what the process's file-descriptor limit allows.
* When ``accept`` fails for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) it logs one
  line per interval, keeps serving the established connections and tries again with a backoff,
  instead of asyncio's traceback per attempt.

Connections are read through a transport into a small bounded buffer (:mod:`.accepted`): what a
peer has sent beyond it and the server has not taken stays in the kernel (TCP flow control slows
the peer), so a connection holds at most its bytes-in-flight allowance (and one read's buffer) in
the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import select
import socket
from dataclasses import dataclass
from types import TracebackType

from iso8583.channels.accepted import AcceptedStream
from iso8583.channels.channel import BaseChannel
from iso8583.channels.errors import ChannelError, LimitExceeded
from iso8583.channels.events import EventLog
from iso8583.channels.factory import make_channel
from iso8583.channels.framing import Framer, TwoByteLengthFramer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.limits import IDLE_EVICTION_AFTER, LimitEvent, ServerLimits
from iso8583.channels.link import LinkPolicy
from iso8583.channels.tcp import Handler, tcp_url

log = logging.getLogger(__name__)

BACKLOG = 128
FD_RESERVE = 64
"""File descriptors kept for the process itself (journal, logs, key files) below the connection cap."""
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
ACCEPT_RETRY_FIRST = 0.05
ACCEPT_RETRY_MAX = 1.0
SLOT_RECHECK = 0.25
"""At the cap, how often the server looks again for a waiting peer and an idle connection to close."""


def fd_ceiling() -> int | None:
    """The most connections the process's file-descriptor limit leaves room for (None: no limit known)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(1, soft - FD_RESERVE)


def _someone_waiting(listener: socket.socket) -> bool:
    """True when a connection waits in ``listener``'s backlog (it is readable)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(listener, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([listener], [], [], 0)
    return bool(readable)


@dataclass
class _Connection:
    """One accepted connection: its socket and, once its task has set it up, its channel."""

    sock: socket.socket
    channel: BaseChannel | None = None
    evicted: bool = False


class TcpServer:
    """A listening TCP server started by :func:`serve_tcp`; ``port`` is the real bound port."""

    def __init__(
        self,
        framer: Framer,
        handler: Handler,
        link_policy: LinkPolicy | None,
        write_timeout: float,
        limits: ServerLimits,
        events: EventLog | None = None,
    ) -> None:
        self.limits = limits
        self.events = events or EventLog(log)
        """The server's rate-limited log of limit events (one line per class per interval)."""
        maximum = getattr(framer, "max_length", None)
        self._framer = framer.limited(limits.frame_limit(maximum)) if isinstance(maximum, int) else framer
        self._handler = handler
        self._link_policy = link_policy
        self._write_timeout = write_timeout
        self.max_connections = self._connection_cap()
        """The cap in force: ``limits.max_connections`` lowered to what the fd limit allows (0: none)."""
        self._listeners: list[socket.socket] = []
        self._accepters: list[asyncio.Task[None]] = []
        self._connections: dict[asyncio.Task[None], _Connection] = {}
        self._closing: set[asyncio.Task[None]] = set()
        """Connections whose handler ended and whose channel is closing: waited for, never cancelled."""
        self._slot_freed = asyncio.Event()
        self.host = ""
        self.port = 0

    def _connection_cap(self) -> int:
        configured = self.limits.max_connections
        ceiling = fd_ceiling()
        if ceiling is None or (configured and configured <= ceiling):
            return configured
        log.warning(
            "max_connections lowered from %s to %d: the process may open few files (ulimit -n) and keeps %d for itself",
            configured or "no limit", ceiling, FD_RESERVE,
        )
        return ceiling

    @property
    def url(self) -> str:
        """``tcp://HOST:PORT`` with the real bound port."""
        return tcp_url(self.host, self.port)

    @property
    def connection_count(self) -> int:
        """How many connections are being served right now."""
        return len(self._connections)

    # -- listening ---------------------------------------------------------------------------

    async def _start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        try:
            for family, kind, proto, _, address in dict.fromkeys(infos):
                if self._listeners and address[1] == 0:  # port 0 on several addresses: one port for all
                    address = (address[0], self.port, *address[2:])
                listener = socket.socket(family, kind, proto)
                self._listeners.append(listener)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                listener.bind(address)
                listener.listen(BACKLOG)
                listener.setblocking(False)
                if not self.port:
                    self.host, self.port = listener.getsockname()[:2]
        except OSError:
            self._close_listeners()
            raise
        self._accepters = [loop.create_task(self._accept_loop(listener), name=f"accept {self.url}")
                           for listener in self._listeners]
        log.info("listening on %s", self.url)

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            listener.close()
        self._listeners = []

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        retry = ACCEPT_RETRY_FIRST
        while True:
            await self._wait_for_slot(listener)
            try:
                sock, _ = await loop.sock_accept(listener)
            except OSError as exc:
                if exc.errno in OUT_OF_RESOURCES:
                    self.events.report(
                        LimitEvent.ACCEPT_FAILED,
                        "cannot accept connections on %s: %s; established connections are still served,"
                        " retrying", self.url, exc.strerror or exc,
                    )
                else:  # e.g. ECONNABORTED: that peer gave up; the next one may not
                    log.debug("accept on %s failed: %s", self.url, exc)
                await asyncio.sleep(retry)
                retry = min(2 * retry, ACCEPT_RETRY_MAX)
                continue
            retry = ACCEPT_RETRY_FIRST
            task = loop.create_task(self._serve_connection(sock), name="tcp connection")
            self._connections[task] = _Connection(sock)

    async def _wait_for_slot(self, listener: socket.socket) -> None:
        """At the cap: wait until a connection ends, closing an idle one when a peer is waiting."""
        cap = self.max_connections
        reported = False
        while cap and len(self._connections) >= cap:
            if _someone_waiting(listener):
                victim = self._longest_idle()
                if victim is not None:
                    self._evict(*victim)
                elif not reported:
                    reported = True
                    self.events.report(
                        LimitEvent.CONNECTION_CAP,
                        "%s: %d connections open (max_connections = %d), none idle: new connections wait",
                        self.url, len(self._connections), cap,
                    )
            self._slot_freed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SLOT_RECHECK):
                    await self._slot_freed.wait()

    def _longest_idle(self) -> tuple[_Connection, float] | None:
        best: tuple[_Connection, float] | None = None
        for connection in self._connections.values():
            if connection.evicted or connection.channel is None:
                continue
            idle = connection.channel.idle_for()
            if idle is not None and idle >= IDLE_EVICTION_AFTER and (best is None or idle > best[1]):
                best = (connection, idle)
        return best

    def _evict(self, connection: _Connection, idle: float) -> None:
        assert connection.channel is not None
        connection.evicted = True
        message = (f"{connection.channel.peer}: closed after {idle:.1f} s idle to make room for a waiting"
                   f" connection (max_connections = {self.max_connections})")
        self.events.report(LimitEvent.CONNECTION_CAP, "%s", message)
        connection.channel.abort(LimitExceeded(LimitEvent.CONNECTION_CAP, message))

    # -- one connection ----------------------------------------------------------------------

    async def _serve_connection(self, sock: socket.socket) -> None:
        task = asyncio.current_task()
        assert task is not None
        channel: BaseChannel | None = None
        stream: AcceptedStream | None = None
        try:
            stream = await AcceptedStream.accept(sock)
            guard = InboundGuard(self.limits, self.events)
            channel = make_channel(stream, self._framer.fresh(), link_policy=self._link_policy,
                                   write_timeout=self._write_timeout, guard=guard)
            self._connections[task].channel = channel
            log.info("accepted %s", stream.peer)
            await self._handler(channel)
        except asyncio.CancelledError:
            # close() cancelled us. End normally, as asyncio's own connection tasks would.
            log.debug("connection from %s cancelled by server close", channel.peer if channel else "?")
        except LimitExceeded as exc:
            log.debug("connection from %s ended: %s", channel.peer if channel else "?", exc)
        except ChannelError as exc:
            log.warning("connection from %s ended: %s", channel.peer if channel else "?", exc)
        except Exception:
            log.exception("handler failed on the connection from %s; closing it", channel.peer if channel else "?")
        finally:
            self._connections.pop(task, None)
            self._slot_freed.set()
            self._closing.add(task)
            try:
                if channel is not None:
                    await channel.close()
                elif stream is not None:
                    await stream.close()
                else:
                    sock.close()
            finally:
                self._closing.discard(task)
            log.info("closed %s", channel.peer if channel else "a connection")

    # -- stopping ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop listening, end every connection (cancelling its handler) and wait for them."""
        if not self._listeners:
            return
        for accepter in self._accepters:
            accepter.cancel()
        await asyncio.gather(*self._accepters, return_exceptions=True)
        self._close_listeners()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, *self._closing, return_exceptions=True)
        for never_started in self._connections.values():  # cancelled before their task ran
            never_started.sock.close()
        self._connections.clear()
        self.events.flush()
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
    limits: ServerLimits | None = None,
    events: EventLog | None = None,
) -> TcpServer:
    """Listen on ``host:port`` (port 0 picks a free one) and run ``handler(channel)`` per connection.

    ``framer`` is a template: each connection gets a fresh one (default: 2-byte length). The
    connection is closed when the handler returns or raises. ``limits`` bound what each peer
    may cost (default: :class:`ServerLimits` defaults; see docs/host-limits.md); ``events``
    is where limit events are logged (default: a new rate-limited log of this module).
    """
    server = TcpServer(framer or TwoByteLengthFramer(), handler, link_policy, write_timeout,
                       limits if limits is not None else ServerLimits(), events)
    try:
        await server._start(host, port)
    except OSError as exc:
        raise ChannelError(f"cannot listen on {tcp_url(host, port)}: {exc}") from exc
    return server
