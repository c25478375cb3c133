"""Serial transport through pyserial: device paths and pyserial URLs (loop://, socket://, ...).

pyserial is blocking, so each port gets two worker threads of its own (one reading, one
writing) and reads poll with a short timeout (``poll_interval``). A read already under way
when its caller is cancelled is kept and handed to the next caller, so no byte is lost.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import serial

from iso8583.channels.channel import DEFAULT_WRITE_TIMEOUT, BaseChannel
from iso8583.channels.errors import ChannelClosed, ChannelError, ChannelTimeout
from iso8583.channels.factory import make_channel
from iso8583.channels.framing import Framer, StxEtxLrcFramer
from iso8583.channels.guard import InboundGuard
from iso8583.channels.link import LinkPolicy

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.05


def serial_peer(url_or_device: str) -> str:
    """The name of a port for logs: pyserial URLs as they are, device paths as ``serial://PATH``."""
    return url_or_device if "://" in url_or_device else f"serial://{url_or_device}"


class SerialStream:
    """A ``ByteStream`` over an open pyserial port (whose ``timeout`` is the poll interval)."""

    def __init__(self, port: serial.SerialBase, peer: str) -> None:
        self.peer = peer
        self._port = port
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"serial {peer}")
        self._read_in_flight: asyncio.Future[bytes] | None = None
        self._leftover = b""  # read from the port beyond a caller's max_bytes: returned first next time
        self._closing = False

    def _read_blocking(self) -> bytes:
        data = self._port.read(max(1, self._port.in_waiting))  # waits at most one poll interval
        if data and self._port.in_waiting:
            data += self._port.read(self._port.in_waiting)
        return data

    def _within(self, data: bytes, max_bytes: int | None) -> bytes:
        if max_bytes is None or len(data) <= max_bytes:
            return data
        self._leftover = data[max_bytes:]
        return data[:max_bytes]

    async def read_some(self, timeout: float | None, max_bytes: int | None = None) -> bytes:
        if self._leftover:
            data, self._leftover = self._leftover, b""
            return self._within(data, max_bytes)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            if self._closing:
                raise ChannelClosed(f"serial port {self.peer} is closed")
            if self._read_in_flight is None:
                self._read_in_flight = loop.run_in_executor(self._executor, self._read_blocking)
            try:
                data = await asyncio.shield(self._read_in_flight)
            except (serial.SerialException, OSError, TypeError) as exc:
                # TypeError: pyserial's posix read on a port closed under it
                raise ChannelClosed(f"serial port {self.peer} failed: {exc}") from exc
            finally:
                if self._read_in_flight.done():
                    self._read_in_flight = None
            if data:
                return self._within(data, max_bytes)
            if deadline is not None and loop.time() >= deadline:
                return b""

    def _write_blocking(self, data: bytes) -> None:
        self._port.write(data)

    async def write(self, data: bytes, timeout: float) -> None:
        if self._closing:
            raise ChannelClosed(f"serial port {self.peer} is closed")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._write_blocking, data)
        except serial.SerialTimeoutException:
            raise ChannelTimeout(f"send to {self.peer}", timeout) from None
        except (serial.SerialException, OSError) as exc:
            raise ChannelClosed(f"serial port {self.peer} failed: {exc}") from exc

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        # Let the worker threads finish (a read returns within one poll interval), then close.
        await asyncio.to_thread(self._executor.shutdown, True)
        self._read_in_flight = None
        await asyncio.to_thread(self._port.close)


async def open_serial_channel(
    url_or_device: str,
    framer: Framer | None = None,
    baudrate: int = 9600,
    *,
    bytesize: int = serial.EIGHTBITS,
    parity: str = serial.PARITY_NONE,
    stopbits: float = serial.STOPBITS_ONE,
    link_policy: LinkPolicy | None = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    write_timeout: float = DEFAULT_WRITE_TIMEOUT,
    guard: InboundGuard | None = None,
) -> BaseChannel:
    """Open a serial port with ``serial.serial_for_url`` and return a channel on it.

    ``url_or_device`` is a device path (``/dev/ttyUSB0``, ``COM3``) or a pyserial URL
    (``loop://``, ``socket://host:port``, ``rfc2217://...``). The default framer is
    STX/ETX/LRC, which runs the ACK/NAK link protocol under ``link_policy``. ``guard``: a
    server's limits on what the peer may make it hold (see :mod:`.guard`); None for a terminal.
    Raises ChannelError if the port cannot be opened.
    """
    peer = serial_peer(url_or_device)

    def open_port() -> serial.SerialBase:
        return serial.serial_for_url(
            url_or_device,
            baudrate=baudrate,
            bytesize=bytesize,
            parity=parity,
            stopbits=stopbits,
            timeout=poll_interval,
            write_timeout=write_timeout,
        )

    try:
        port = await asyncio.to_thread(open_port)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise ChannelError(f"cannot open serial port {peer}: {exc}") from exc
    log.info("opened %s at %d baud", peer, baudrate)
    framer = framer.fresh() if framer is not None else StxEtxLrcFramer()
    return make_channel(SerialStream(port, peer), framer, link_policy=link_policy, write_timeout=write_timeout,
                        guard=guard)
