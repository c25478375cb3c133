"""What the host does with one request: answer (perhaps late), stay silent, or hang up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from iso8583.message import Message


class Delivery(StrEnum):
    """How the answer to one request is delivered: sent, dropped, or the connection closed instead."""

    RESPOND = "respond"
    DROP = "drop"
    DISCONNECT = "disconnect"


@dataclass(frozen=True)
class HostDecision:
    """The answer to one request.

    ``response`` is the response message (also kept for DROP and DISCONNECT, which are
    decided after normal processing, so a test can see what would have been sent), and
    ``response_bytes`` its exact encoding, the bytes to send. ``delay`` is how long to wait
    before sending. ``retransmission`` is true when the bytes are a stored response resent.
    """

    outcome: Delivery
    response: Message | None = None
    response_bytes: bytes | None = None
    delay: float = 0.0
    retransmission: bool = False
    rule: str | None = None

    @property
    def response_code(self) -> str | None:
        """DE 39 of the response, when there is one."""
        value = self.response.get(39) if self.response is not None else None
        return value if isinstance(value, str) else None

    @property
    def sends(self) -> bool:
        """True when bytes go back to the terminal."""
        return self.outcome is Delivery.RESPOND and self.response_bytes is not None
