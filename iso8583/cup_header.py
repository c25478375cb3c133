"""The 11-byte header of ``cup-pos`` messages: TPDU and the 6-byte CUP message header.

China UnionPay POS terminal messages (中国银联 POS 终端规范, "报文头") start, after the
channel's length, with

* the TPDU (:class:`iso8583.tpdu.Tpdu`): ID ``0x60``, 2-byte destination and source addresses.
  The host answers with the addresses swapped (:meth:`CupHeader.response`);
* the message header, 12 BCD digits in 6 bytes:

  ==================  ======  ============================================================
  application type    n2      ``60``: POS terminal application
  software version    n2      the terminal software's overall version, e.g. ``31``
  terminal status     n1      ``0`` normal; other values per the host (test mode...)
  processing request  n1      set by the host to ask the terminal to do something (``0``:
                              nothing; other values: download parameters, keys...)
  reserved            n6      later editions call it the software sub-version (软件分版本号)
  ==================  ======  ============================================================

:class:`CupHeader` is the decoded form of :attr:`Message.header
<iso8583.message.Message.header>` for the ``cup-pos`` dialect. Errors are the codec's
:class:`~iso8583.errors.DecodeError` / :class:`~iso8583.errors.EncodeError` for the part
``"header"``, with the byte offset in the header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iso8583.errors import DecodeError, EncodeError
from iso8583.tpdu import TPDU_LENGTH, TRANSACTION_ID, Tpdu

MESSAGE_HEADER_LENGTH = 6
CUP_HEADER_LENGTH = TPDU_LENGTH + MESSAGE_HEADER_LENGTH
POS_APPLICATION = "60"
"""Application type of a POS terminal application."""

_PART = "header"
_DIGIT_FIELDS = (
    ("application_type", 2),
    ("software_version", 2),
    ("terminal_status", 1),
    ("processing_request", 1),
    ("reserved", 6),
)


@dataclass(frozen=True)
class CupMessageHeader:
    """The 6-byte CUP message header as its five digit strings."""

    application_type: str = POS_APPLICATION
    software_version: str = "31"
    terminal_status: str = "0"
    processing_request: str = "0"
    reserved: str = "000000"

    def __post_init__(self) -> None:
        for name, width in _DIGIT_FIELDS:
            value = getattr(self, name)
            if not (isinstance(value, str) and len(value) == width and value.isascii() and value.isdigit()):
                raise EncodeError(_PART, f"message header {name} must be {width} digit{'s' if width > 1 else ''}")

    @property
    def digits(self) -> str:
        """The 12 digits, in wire order."""
        return "".join(getattr(self, name) for name, _ in _DIGIT_FIELDS)

    def build(self) -> bytes:
        """The 6 wire bytes."""
        return bytes.fromhex(self.digits)

    @classmethod
    def parse(cls, data: bytes, offset: int = TPDU_LENGTH) -> CupMessageHeader:
        """The message header in ``data`` (exactly 6 bytes); ``offset`` places errors in the whole header."""
        if len(data) != MESSAGE_HEADER_LENGTH:
            raise DecodeError(_PART, offset, f"a CUP message header is {MESSAGE_HEADER_LENGTH} bytes, got {len(data)}")
        digits = bytes(data).hex()
        for index, nibble in enumerate(digits):
            if not nibble.isdigit():
                raise DecodeError(_PART, offset + index // 2, f"message header: bad BCD nibble 0x{nibble.upper()}")
        values = {}
        start = 0
        for name, width in _DIGIT_FIELDS:
            values[name] = digits[start:start + width]
            start += width
        return cls(**values)


@dataclass(frozen=True)
class CupHeader:
    """TPDU and CUP message header: the 11 bytes before the MTI of a ``cup-pos`` message."""

    tpdu: Tpdu = field(default_factory=lambda: Tpdu(0, 0))
    message: CupMessageHeader = field(default_factory=CupMessageHeader)

    def build(self) -> bytes:
        """The 11 wire bytes (a TPDU ID other than 0x60 is refused)."""
        if self.tpdu.id != TRANSACTION_ID:
            raise EncodeError(_PART, f"TPDU ID 0x{self.tpdu.id:02X}, CUP POS messages use 0x{TRANSACTION_ID:02X}")
        return self.tpdu.build() + self.message.build()

    @classmethod
    def parse(cls, data: bytes) -> CupHeader:
        """The header in ``data`` (exactly 11 bytes, e.g. ``Message.header``)."""
        if len(data) != CUP_HEADER_LENGTH:
            raise DecodeError(_PART, 0, f"a CUP POS header is {CUP_HEADER_LENGTH} bytes, got {len(data)}")
        tpdu = Tpdu.parse(bytes(data[:TPDU_LENGTH]))
        if tpdu.id != TRANSACTION_ID:
            raise DecodeError(_PART, 0, f"TPDU ID 0x{tpdu.id:02X}, expected 0x{TRANSACTION_ID:02X}")
        return cls(tpdu, CupMessageHeader.parse(bytes(data[TPDU_LENGTH:])))

    def response(self, message: CupMessageHeader | None = None) -> CupHeader:
        """The header of the answer: TPDU addresses swapped; the message header kept unless given."""
        return CupHeader(self.tpdu.response(), self.message if message is None else message)


def response_header(request_header: bytes, message: CupMessageHeader | None = None) -> bytes:
    """The 11 header bytes of the answer to a request whose header is ``request_header``."""
    return CupHeader.parse(request_header).response(message).build()
