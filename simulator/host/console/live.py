"""The live traffic: one event per exchange, fanned out to every stream client through a bounded queue.

The host's server calls :meth:`Traffic.exchange` on its event loop after each request is decided (and
durable). With no client listening it does nothing else; with clients it decodes the request once for
the fields a person watches (terminal, MTI, DE 3, amount, masked PAN) and offers the event to each
client's queue without waiting: a client that does not keep up loses events (counted, and told so in
the stream), the host never waits for a reader.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iso8583 import Dialect, Message, decode
from keys.masking import mask_pan
from simulator.host.decision import HostDecision

__all__ = ["CLIENT_QUEUE", "Subscription", "Traffic", "exchange_event", "request_class"]

log = logging.getLogger(__name__)

CLIENT_QUEUE = 256
"""Events one stream client may have waiting; more are dropped for that client."""
MAX_CLIENTS = 32
"""Stream clients served at once; one more is refused (503)."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _pan(request: Message) -> str | None:
    """The PAN of DE 2, else of the track 2 data (DE 35, before its separator ``=`` or ``D``)."""
    pan = _text(request.get(2))
    if pan is None:
        track = request.get(35)
        if isinstance(track, bytes):
            track = track.hex().upper()
        if isinstance(track, str):
            pan = track.upper().replace("=", "D").split("D", 1)[0]
    return pan if pan and pan.isdigit() else None


def request_class(response_mti: str) -> str | None:
    """0210 -> 0200, 0230 -> 0220, 0410 -> 0400: the request class a response MTI answers (ISO 8583 message
    function: 1 answers 0, 3 answers 2); None for an MTI that is not a response's."""
    if len(response_mti) == 4 and response_mti.isdigit() and response_mti[2] in "13":
        return response_mti[:2] + str(int(response_mti[2]) - 1) + "0"
    return None


def exchange_event(payload: bytes, decision: HostDecision, dialect: Dialect, *, peer: str, latency: float,
                   now: datetime | None = None) -> dict[str, Any]:
    """The stream's view of one exchange: no field beyond these, the PAN masked (first 6, last 4)."""
    response = decision.response
    try:
        request = decode(payload, dialect)
    except Exception:  # an undecodable frame still shows as a row (what the answer echoes)
        request = None
    source = request if request is not None else response
    pan = _pan(request) if request is not None else None
    amount = _text(source.get(4)) if source is not None else None
    return {
        "time": (now or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "peer": peer,
        "terminal_id": _text(source.get(41)) if source is not None else None,
        "mti": request.mti if request is not None else (request_class(response.mti) if response else None),
        "response_mti": response.mti if response is not None else None,
        "stan": _text(source.get(11)) if source is not None else None,
        "processing_code": _text(source.get(3)) if source is not None else None,
        "amount": int(amount) if amount and amount.isdigit() else None,
        "currency": _text(source.get(49)) if source is not None else None,
        "masked_pan": mask_pan(pan) if pan and pan.isdigit() else None,
        "response_code": decision.response_code,
        "outcome": decision.outcome.value,
        "rule": decision.rule,
        "retransmission": decision.retransmission,
        "latency_ms": round(latency * 1000, 3),
        "delay_ms": round(decision.delay * 1000, 3),
    }


@dataclass(eq=False)
class Subscription:
    """One stream client: its bounded queue and how many events it lost."""

    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(CLIENT_QUEUE))
    dropped: int = 0


class Traffic:
    """The fan-out of exchange events to the stream clients (see the module docstring)."""

    def __init__(self, dialect: Dialect, *, on_drop: Callable[[int], None] | None = None) -> None:
        self.dialect = dialect
        self._clients: set[Subscription] = set()
        self._on_drop = on_drop

    @property
    def clients(self) -> int:
        return len(self._clients)

    def subscribe(self) -> Subscription | None:
        """A new client's subscription; None when :data:`MAX_CLIENTS` are already listening."""
        if len(self._clients) >= MAX_CLIENTS:
            return None
        subscription = Subscription()
        self._clients.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._clients.discard(subscription)

    def exchange(self, payload: bytes, decision: HostDecision, *, peer: str, latency: float) -> None:
        """One exchange happened (called on the event loop): offer its event to every client."""
        if not self._clients:
            return
        self.publish(exchange_event(payload, decision, self.dialect, peer=peer, latency=latency))

    def publish(self, event: dict[str, Any]) -> None:
        """Offer ``event`` to every client without waiting; a full queue drops it for that client."""
        for subscription in self._clients:
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                subscription.dropped += 1
                if self._on_drop is not None:
                    self._on_drop(1)
