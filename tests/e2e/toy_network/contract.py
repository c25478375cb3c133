"""The toy network's message contract: what its terminal and its host agree on (both import this).

Messages (ISO 8583:1987 classes): 0800/0810 echo (DE 70 = 301); 0200/0210 sale (DE 3 = 000000) and
refund (DE 3 = 200000, the original sale's RRN in DE 37); 0400/0401/0410 reversal (DE 90 names the
original request); 0500/0510 settlement (no totals: the toy host closes any batch). Every request and
every answer carries DE 64 = the first 8 bytes of HMAC-SHA-256, under :data:`TOY_KEY`, of the message
encoded without DE 64. Response codes are ISO 8583:1987's (00 approved, 13 over the sale, 25 original
not found, 63 MAC failed).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from iso8583 import Dialect, Message, encode

TOY_KEY = bytes.fromhex("746F79206E6574776F726B206B657921")
"""The key both sides hold (a toy has no key exchange)."""
SALE, REFUND = "000000", "200000"


def toy_mac(message: Message, dialect: Dialect) -> bytes:
    """DE 64 of ``message``: HMAC-SHA-256 over the message encoded without DE 64, first 8 bytes."""
    body = encode(replace(message, fields={n: v for n, v in message.fields.items() if n != 64}), dialect)
    return hmac.new(TOY_KEY, body, hashlib.sha256).digest()[:8]


def with_mac(message: Message, dialect: Dialect) -> Message:
    """``message`` with its DE 64."""
    return replace(message, fields={**message.fields, 64: toy_mac(message, dialect)})


def mac_ok(message: Message, dialect: Dialect) -> bool:
    """Whether ``message`` carries the DE 64 it should."""
    mac = message.get(64)
    return isinstance(mac, bytes) and hmac.compare_digest(mac, toy_mac(message, dialect))
