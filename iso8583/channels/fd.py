"""A serial-style link over an already-open file descriptor, e.g. a pseudo-terminal master.

With ``os.openpty`` a program can offer a "serial port" (the pty slave, opened by the other
side with pyserial like any device) while it keeps the master end: this module turns that
master fd into a channel, read and written without threads through the event loop.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os

from iso8583.channels.channel import DEFAULT_WRITE_TIMEOUT, BaseChannel
from iso8583.channels.errors import ChannelClosed, ChannelTimeout
from iso8583.channels.factory import make_channel
from iso8583.channels.framing import Framer, StxEtxLrcFramer
from iso8583.channels.link import LinkPolicy

log = logging.getLogger(__name__)

READ_CHUNK = 4096


class FdStream:
    """A ``ByteStream`` over a file descriptor, made non-blocking and watched by the event loop."""

    def __init__(self, fd: int, peer: str, *, close_fd: bool = True) -> None:
        self.peer = peer
        self._fd = fd
        self._close_fd = close_fd
        self._closed = False
        os.set_blocking(fd, False)

    async def _ready(self, want_write: bool, timeout: float | None) -> bool:
        """Wait until the fd is readable (or writable); False if ``timeout`` passed first."""
        loop = asyncio.get_running_loop()
        ready = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        add, remove = (loop.add_writer, loop.remove_writer) if want_write else (loop.add_reader, loop.remove_reader)
        add(self._fd, wake)
        try:
            async with asyncio.timeout(timeout):
                await ready
            return True
        except TimeoutError:
            return False
        finally:
            remove(self._fd)

    async def read_some(self, timeout: float | None, max_bytes: int | None = None) -> bytes:
        while True:
            if self._closed:
                raise ChannelClosed(f"{self.peer} is closed")
            try:
                data = os.read(self._fd, min(READ_CHUNK, max_bytes or READ_CHUNK))
            except BlockingIOError:
                if not await self._ready(False, timeout):
                    return b""
                continue
            except OSError as exc:  # EIO on a pty master once the slave side is closed
                raise ChannelClosed(f"{self.peer} failed: {exc}") from exc
            if not data:
                raise ChannelClosed(f"{self.peer} closed the link")
            return data

    async def write(self, data: bytes, timeout: float) -> None:
        view = memoryview(data)
        while view:
            if self._closed:
                raise ChannelClosed(f"{self.peer} is closed")
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                if not await self._ready(True, timeout):
                    raise ChannelTimeout(f"send to {self.peer}", timeout) from None
                continue
            except OSError as exc:
                raise ChannelClosed(f"{self.peer} failed: {exc}") from exc
            view = view[written:]

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._close_fd:
            try:
                os.close(self._fd)
            except OSError as exc:
                if exc.errno != errno.EBADF:
                    raise


async def open_fd_channel(
    fd: int,
    framer: Framer | None = None,
    *,
    peer: str | None = None,
    close_fd: bool = True,
    link_policy: LinkPolicy | None = None,
    write_timeout: float = DEFAULT_WRITE_TIMEOUT,
) -> BaseChannel:
    """A channel on ``fd`` (default framing STX/ETX/LRC with ACK/NAK, as on a serial line).

    The channel closes ``fd`` when it closes, unless ``close_fd`` is False.
    """
    framer = framer.fresh() if framer is not None else StxEtxLrcFramer()
    stream = FdStream(fd, peer or f"fd://{fd}", close_fd=close_fd)
    return make_channel(stream, framer, link_policy=link_policy, write_timeout=write_timeout)
