"""Channel URLs: where a terminal or host talks, and with which framing.

Accepted forms::

    tcp://127.0.0.1:5000                       TCP, default framing len2
    tcp://127.0.0.1:5000?framing=tpdu&tpdu=6000010000
    serial:///dev/ttyUSB0?baud=9600            a serial device, default framing stx
    serial://COM3?baud=19200&framing=stx
    /dev/ttyS0                                 a bare device path is a serial device
    loop://  socket://host:port  rfc2217://... any other pyserial URL is a serial port

Query parameters of ours (``framing``, ``tpdu``, ``baud``, ``bytesize``, ``parity``,
``stopbits``) are taken out; the rest of a pyserial URL is passed to pyserial untouched.
Framing names: ``len2`` (2-byte binary length), ``tpdu`` (len2 + TPDU header), ``ascii4``
(4 ASCII digits) and ``stx`` (STX/BCD length/ETX/LRC with ACK/NAK).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from iso8583.channels.errors import AddressError
from iso8583.errors import DecodeError, EncodeError
from iso8583.channels.framing import (
    AsciiLengthFramer,
    Framer,
    StxEtxLrcFramer,
    Tpdu,
    TpduFramer,
    TwoByteLengthFramer,
)


class Transport(Enum):
    """How bytes travel."""

    TCP = "tcp"
    SERIAL = "serial"


class Framing(Enum):
    """How messages are cut out of the byte stream; values are the URL names."""

    LEN2 = "len2"
    TPDU = "tpdu"
    ASCII4 = "ascii4"
    STX = "stx"


DEFAULT_FRAMING = {Transport.TCP: Framing.LEN2, Transport.SERIAL: Framing.STX}
_OUR_SERIAL_PARAMS = {"framing", "tpdu", "baud", "bytesize", "parity", "stopbits"}
_TCP_PARAMS = {"framing", "tpdu"}


@dataclass(frozen=True)
class ChannelAddress:
    """A parsed channel URL. For TCP ``host``/``port``; for serial ``device`` (path or pyserial URL)."""

    transport: Transport
    host: str = ""
    port: int = 0
    device: str = ""
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    framing: Framing | None = None
    """None: the transport's default (TCP: len2, serial: stx)."""
    tpdu: Tpdu | None = None
    """The TPDU for ``framing=tpdu``; None: answer mode (swap the received TPDU, as a host)."""

    @property
    def effective_framing(self) -> Framing:
        """The framing to use: the one asked for, or the transport's default."""
        return self.framing or DEFAULT_FRAMING[self.transport]

    def framer(self) -> Framer:
        """A new framer for this address's effective framing."""
        return make_framer(self.effective_framing, self.tpdu)


def make_framer(framing: Framing, tpdu: Tpdu | None = None) -> Framer:
    """A new framer for ``framing`` (``tpdu`` only matters for Framing.TPDU)."""
    match framing:
        case Framing.LEN2:
            return TwoByteLengthFramer()
        case Framing.TPDU:
            return TpduFramer(tpdu)
        case Framing.ASCII4:
            return AsciiLengthFramer()
        case Framing.STX:
            return StxEtxLrcFramer()


def _framing(value: str, url: str) -> Framing:
    try:
        return Framing(value.lower())
    except ValueError:
        names = ", ".join(f.value for f in Framing)
        raise AddressError(f"unknown framing {value!r} in {url!r}: expected one of {names}") from None


def _number(params: dict[str, str], name: str, default: float, url: str, kind: type[int] | type[float] = int) -> float:
    if name not in params:
        return default
    try:
        return kind(params[name])
    except ValueError:
        raise AddressError(f"parameter {name}={params[name]!r} in {url!r} is not a number") from None


def _common(params: dict[str, str], url: str) -> tuple[Framing | None, Tpdu | None]:
    framing = _framing(params["framing"], url) if "framing" in params else None
    tpdu = None
    if "tpdu" in params:
        try:
            tpdu = Tpdu.from_hex(params["tpdu"])
        except (DecodeError, EncodeError) as exc:
            raise AddressError(f"{exc.reason} in {url!r}") from None
    return framing, tpdu


def parse_channel_url(url: str) -> ChannelAddress:
    """Parse a channel URL (see the module docstring); AddressError if it is malformed."""
    text = url.strip()
    if not text:
        raise AddressError("empty channel URL")
    if "://" not in text:  # a bare device path such as /dev/ttyS0 or COM3
        return ChannelAddress(Transport.SERIAL, device=text)
    parts = urlsplit(text)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        return _parse_tcp(parts, params, url)
    if scheme == "serial":
        device = parts.netloc + parts.path
        if not device:
            raise AddressError(f"serial URL {url!r} names no device, e.g. serial:///dev/ttyUSB0")
        return _serial_address(device, params, url)
    ours = {k: v for k, v in params.items() if k in _OUR_SERIAL_PARAMS}
    rest = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _OUR_SERIAL_PARAMS]
    # Rebuilt by hand: urlunsplit would turn "loop://" (empty netloc) into "loop:".
    pyserial_url = f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{urlencode(rest)}" if rest else "")
    return _serial_address(pyserial_url, ours, url)


def _parse_tcp(parts: SplitResult, params: dict[str, str], url: str) -> ChannelAddress:
    unknown = set(params) - _TCP_PARAMS
    if unknown:
        raise AddressError(f"unknown parameter(s) {', '.join(sorted(unknown))} in {url!r}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise AddressError(f"TCP URL {url!r} has an invalid port") from None
    if not host or port is None:
        raise AddressError(f"TCP URL {url!r} needs a host and a port, e.g. tcp://127.0.0.1:5000")
    framing, tpdu = _common(params, url)
    return ChannelAddress(Transport.TCP, host=host, port=port, framing=framing, tpdu=tpdu)


def _serial_address(device: str, params: dict[str, str], url: str) -> ChannelAddress:
    unknown = set(params) - _OUR_SERIAL_PARAMS
    if unknown:
        raise AddressError(f"unknown parameter(s) {', '.join(sorted(unknown))} in {url!r}")
    framing, tpdu = _common(params, url)
    parity = params.get("parity", "N").upper()
    if parity not in {"N", "E", "O", "M", "S"}:
        raise AddressError(f"parity {parity!r} in {url!r} is not one of N, E, O, M, S")
    return ChannelAddress(
        Transport.SERIAL,
        device=device,
        baudrate=int(_number(params, "baud", 9600, url)),
        bytesize=int(_number(params, "bytesize", 8, url)),
        parity=parity,
        stopbits=_number(params, "stopbits", 1, url, float),
        framing=framing,
        tpdu=tpdu,
    )
