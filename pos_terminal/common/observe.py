"""Observing the terminal's exchanges: every message it sends and every response it decodes.

:class:`pos_terminal.engine.terminal.TerminalEngine` calls an optional observer once per message on the
wire (a request after it was sent, a response once it decoded), so that test tools such as
``possim scenario`` and the pytest plugin can check message-level expectations (a field's value,
a MAC that verifies) without reading the journal's masked dumps. The observer only watches:
what it does never changes what the terminal sends, journals or decides, and it must not raise.

The record holds the clear message and its raw bytes (PAN, PIN block): an observer that shows
them to a person masks them first (:mod:`iso8583.dump` with ``reveal=False``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from iso8583.codec import decode
from iso8583.dialect import Dialect
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from keys.errors import CryptoError
from pos_terminal.state.records import MessageDirection
from protocols.security import MessageKeys, verify_request, verify_response


@dataclass(frozen=True)
class ExchangeRecord:
    """One message the terminal sent (``OUT``) or received (``IN``), as it was on the wire."""

    direction: MessageDirection
    message: Message
    raw: bytes = field(repr=False)
    """The bytes of the message as framed by the dialect (header, MTI, bitmap, fields), without the length prefix."""
    mac_verified: bool | None
    """``None`` for an unsigned exchange (network management); else whether the MAC verifies:
    a request's MAC recomputed over the bytes sent with the request MAC key, a response's with
    the response MAC key (ANSI X9.19 / ISO 9797-1 as the key scheme says, see protocols.security)."""


ExchangeObserver = Callable[[ExchangeRecord], None]
"""What :class:`~pos_terminal.engine.terminal.TerminalEngine` calls for each message on the wire."""


def observed(
    direction: MessageDirection, message: Message, raw: bytes, dialect: Dialect, keys: MessageKeys | None
) -> ExchangeRecord:
    """The record of ``message`` (sent or received as ``raw``), with its MAC checked when ``keys`` are given."""
    verified: bool | None = None
    if keys is not None:
        try:
            if direction is MessageDirection.OUT:
                verify_request(decode(raw, dialect), dialect, keys)
            else:
                verify_response(message, dialect, keys)
            verified = True
        except (CryptoError, Iso8583Error):
            verified = False
    return ExchangeRecord(direction, message, raw, verified)
