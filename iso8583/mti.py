"""The message type indicator (ISO 8583:1987 section 4.1): four digits.

Version (0 = 1987), class, function and origin, e.g. ``0200`` financial
request from the acquirer, ``0210`` its response. Sent as 4 ASCII or EBCDIC
digits or as 2 BCD bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iso8583.charsets import ASCII_TO_EBCDIC, DIGITS, EBCDIC_TO_ASCII, first_invalid
from iso8583.fieldspec import Encoding
from iso8583.errors import DecodeError, EncodeError

MTI = "MTI"
_BCD, _EBCDIC = Encoding.BCD, Encoding.EBCDIC
"""Module constants: looking a member up on its Enum class costs about 0.1 us, every message."""


@dataclass(frozen=True)
class MtiCodec:
    """Encoder and decoder of the MTI in one encoding."""

    encoding: Encoding
    size: int = field(init=False)
    """Bytes the MTI takes on the wire."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", 2 if self.encoding is _BCD else 4)

    def encode(self, mti: object) -> bytes:
        """The wire form of ``mti`` (a 4-digit string)."""
        if mti.__class__ is not str:
            raise EncodeError(MTI, f"expected str, got {type(mti).__name__}")
        text: str = mti  # type: ignore[assignment]
        if len(text) != 4 or not (text.isascii() and text.isdigit()):
            raise EncodeError(MTI, "expected 4 digits")
        if self.encoding is _BCD:
            return bytes.fromhex(text)
        data = text.encode("ascii")
        return data.translate(ASCII_TO_EBCDIC) if self.encoding is _EBCDIC else data

    def decode(self, data: bytes, offset: int) -> tuple[str, int]:
        """The MTI at ``offset`` and the offset after it."""
        end = offset + self.size
        raw = data[offset:end]
        if len(raw) != self.size:
            raise DecodeError(MTI, offset, f"needs {self.size} bytes, only {max(len(data) - offset, 0)} left")
        if self.encoding is _BCD:
            text = raw.hex()
            if not text.isdigit():
                bad = next(i for i, c in enumerate(text) if not c.isdigit())
                raise DecodeError(MTI, offset + bad // 2, f"bad BCD nibble 0x{text[bad].upper()}")
            return text, end
        digits = raw.translate(EBCDIC_TO_ASCII) if self.encoding is _EBCDIC else raw
        if not digits.isdigit():
            bad = first_invalid(digits, DIGITS)
            raise DecodeError(MTI, offset + bad, f"byte 0x{raw[bad]:02X} is not a digit")
        return digits.decode("ascii"), end
