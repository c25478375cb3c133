"""possim-87 message helpers of the host: which MTIs it serves and how an answer echoes its request.

docs/protocol.md, "Message types": an answer copies the request's identifying fields (never the
PAN, track data, PIN block or ICC data) and swaps the TPDU's addresses.
"""

from __future__ import annotations

from iso8583 import Message
from iso8583.tpdu import TPDU_LENGTH, TRANSACTION_ID, Tpdu
from protocols.iso87 import Mti, ProcessingCode, response_mti
from simulator.host.exchange import FormatError

ECHOED_FIELDS = (3, 4, 7, 11, 12, 13, 22, 25, 37, 41, 42, 49, 60, 62, 70, 90)
"""Request fields copied into the response (never PAN, track data, PIN block or ICC data)."""
REVERSAL_MTIS = frozenset({Mti.REVERSAL, Mti.REVERSAL_REPEAT})
ADVICE_MTIS = frozenset({Mti.ADVICE, Mti.ADVICE_REPEAT})
PROCESSED_MTIS = frozenset({Mti.FINANCIAL_REQUEST, *REVERSAL_MTIS, *ADVICE_MTIS, Mti.BATCH_UPLOAD, Mti.SETTLEMENT})
"""The possim-87 MTIs answered after the MAC check with a stored response (0800 aside)."""
VOID_CODES = {ProcessingCode.VOID_SALE: ProcessingCode.PURCHASE, ProcessingCode.VOID_REFUND: ProcessingCode.REFUND}


def swap_tpdu(header: bytes) -> bytes:
    """A response header: a TPDU's destination and source swapped (its ID as received), anything else as received."""
    if len(header) == TPDU_LENGTH:
        return Tpdu.parse(header).response().build()
    return header


def check_tpdu(header: bytes) -> None:
    """FormatError (30) for a TPDU whose ID is not 0x60: only transaction TPDUs are served (docs/protocol.md)."""
    if len(header) == TPDU_LENGTH and (ident := Tpdu.parse(header).id) != TRANSACTION_ID:
        raise FormatError(f"TPDU ID 0x{ident:02X}: only 0x{TRANSACTION_ID:02X} (transaction) is served")


def journal_mti(mti: str) -> str:
    """The MTI a transaction is journaled under: a repeat as its original (0401 -> 0400, 0221 -> 0220)."""
    if mti in REVERSAL_MTIS:
        return Mti.REVERSAL
    if mti in ADVICE_MTIS:
        return Mti.ADVICE
    return mti


def response_message(request: Message, code: str, extra: dict[int, str | bytes] | None = None) -> Message:
    """The response to ``request`` with DE 39 = ``code``: the echoed fields, then ``extra``."""
    fields: dict[int, str | bytes] = {n: request.fields[n] for n in ECHOED_FIELDS if n in request.fields}
    fields[39] = str(code)
    fields.update(extra or {})
    return Message(response_mti(request.mti), fields, swap_tpdu(request.header))
