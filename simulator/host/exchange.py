"""One request as the host processes it, and the small helpers every step shares.

:class:`Exchange` carries what the steps found out (terminal, keys, PAN, the protocol's reading); the helpers
read request fields, raise :class:`FormatError` (answered 30) for a missing or senseless field,
and build a response that echoes the request's identifying fields (never card data).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from iso8583 import Message
from protocols.iso87 import Mti, ProcessingCode, response_mti
from protocols.security import MessageKeys
from simulator.host.config import TerminalEntry


ECHOED_FIELDS = (3, 4, 7, 11, 12, 13, 22, 25, 37, 41, 42, 49, 60, 62, 70, 90)
"""Request fields copied into the response (never PAN, track data, PIN block or ICC data)."""
TPDU_ID = 0x60
REVERSAL_MTIS = frozenset({Mti.REVERSAL, Mti.REVERSAL_REPEAT})
ADVICE_MTIS = frozenset({Mti.ADVICE, Mti.ADVICE_REPEAT})
PROCESSED_MTIS = frozenset({Mti.FINANCIAL_REQUEST, *REVERSAL_MTIS, *ADVICE_MTIS, Mti.BATCH_UPLOAD, Mti.SETTLEMENT})
"""The possim-87 MTIs answered after the MAC check with a stored response (0800 aside)."""
VOID_CODES = {ProcessingCode.VOID_SALE: ProcessingCode.PURCHASE, ProcessingCode.VOID_REFUND: ProcessingCode.REFUND}


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
    """What the protocol made of the request (``cup-pos``: its row of the transaction table), or None."""


def swap_tpdu(header: bytes) -> bytes:
    """A response header: a TPDU's destination and origin swapped, anything else as received."""
    if len(header) == 5 and header[0] == TPDU_ID:
        return header[:1] + header[3:5] + header[1:3]
    return header


def auth_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def field_text(request: Message, number: int) -> str | None:
    value = request.get(number)
    return value if isinstance(value, str) else None


def request_amount(request: Message) -> int:
    value = field_text(request, 4)
    if value is None or not value.isdigit():
        raise FormatError("DE 4 (amount) missing or not numeric")
    return int(value)


def journal_mti(mti: str) -> str:
    """The MTI a transaction is journaled under: a repeat as its original (0401 -> 0400, 0221 -> 0220)."""
    if mti in REVERSAL_MTIS:
        return Mti.REVERSAL
    if mti in ADVICE_MTIS:
        return Mti.ADVICE
    return mti


def require_field(request: Message, number: int) -> str:
    value = field_text(request, number)
    if not value:
        raise FormatError(f"DE {number} missing")
    return value


def response_message(request: Message, code: str, extra: dict[int, str | bytes] | None = None) -> Message:
    """The response to ``request`` with DE 39 = ``code``: the echoed fields, then ``extra``."""
    fields: dict[int, str | bytes] = {n: request.fields[n] for n in ECHOED_FIELDS if n in request.fields}
    fields[39] = str(code)
    fields.update(extra or {})
    return Message(response_mti(request.mti), fields, swap_tpdu(request.header))
