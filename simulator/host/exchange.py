"""One request as the host processes it, and the small helpers every step shares.

:class:`Exchange` carries what the steps found out (terminal, keys, PAN, the protocol's reading); the helpers
read request fields and raise :class:`FormatError` (answered 30) for a missing or senseless field.
Nothing here knows a network's layout (possim-87's answers: :mod:`simulator.host.protocols.possim87.messages`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from iso8583 import Message
from iso8583.tpdu import Tpdu
from protocols.security import MessageKeys
from simulator.host.config import TerminalEntry

class FormatError(ValueError):
    """A request decodes but lacks a field or carries one that makes no sense: answer 30."""


REVERSED_BEFORE_ARRIVAL = "reversed-before-arrival"
"""Stored-response marker for an original whose reversal came first: the original is refused (94)."""


@dataclass
class Exchange:
    """One request being processed: what the steps found out so far."""

    request: Message
    now: datetime
    terminal: TerminalEntry | None = None
    """The terminal as the host knows it (DE 41), once identified."""
    keys: MessageKeys | None = None
    pan: str | None = field(default=None, repr=False)
    sign: bool = True
    frame: bytes | None = field(default=None, repr=False)
    """The request's bytes as received (the MAC is checked over them), when it came off the wire."""
    kind: Any = field(default=None, repr=False)
    """What the protocol made of the request (``cup-pos``: its row of the transaction table; possim-87: its DE 63
    tags), or None."""


def auth_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def field_text(request: Message, number: int) -> str | None:
    value = request.fields.get(number)  # Message.get without its layer: read many times per request
    return value if isinstance(value, str) else None


def request_amount(request: Message) -> int:
    value = field_text(request, 4)
    if value is None or not value.isdigit():
        raise FormatError("DE 4 (amount) missing or not numeric")
    return int(value)


def check_tpdu_destination(tpdu: Tpdu, expected: str | None) -> None:
    """FormatError (30) when host.toml's ``tpdu`` is set and the request's TPDU is addressed to another NII."""
    if expected is None:
        return
    wanted = Tpdu.from_hex(expected)
    if tpdu.destination != wanted.destination:
        raise FormatError(f"TPDU destination {tpdu.destination:04X}: this host is NII {wanted.destination:04X} "
                          f"(host.toml tpdu)")


def require_field(request: Message, number: int) -> str:
    value = field_text(request, number)
    if not value:
        raise FormatError(f"DE {number} missing")
    return value
