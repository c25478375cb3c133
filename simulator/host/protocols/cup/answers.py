"""The host's ``cup-pos`` answers: the request's header with the TPDU addresses swapped, the echoed fields.

An answer echoes the fields that name the request (DE 3, 4, 11, 25, 41, 42, 49, 60, 61; never
card data), adds the host's local time and date (DE 12, 13) and the response code (DE 39). Its
header is the request's with the TPDU destination and source swapped
(:func:`iso8583.cup_header.response_header`); the processing request nibble of the message header
is ``3`` when the host wants the terminal to sign on again (its MAC did not verify, or it has no
working keys).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from iso8583.cup_header import CupHeader
from iso8583.errors import Iso8583Error
from iso8583.message import FieldValue, Message
from protocols.iso87 import response_mti

ECHOED_FIELDS = (3, 4, 11, 25, 41, 42, 49, 60, 61)
"""Request fields copied into an answer."""
SIGN_ON_AGAIN = "3"
"""Processing request (处理要求) 3 of the message header: sign on again."""
MAC_ERROR = "A0"
"""CUP response code: the MAC did not verify (MAC 校验错), sign on again."""


def answer_header(request_header: bytes, *, sign_on_again: bool = False, processing_request: str | None = None) -> bytes:
    """The answer's 11 header bytes: TPDU addresses swapped; processing request 3 when asked (or another
    ``processing_request``: 4 update the CA keys, 5 download the IC parameters).

    A header that does not parse still gets its TPDU addresses swapped byte for byte (a format
    error must reach the terminal that sent it).
    """
    try:
        header = CupHeader.parse(request_header).response()
    except Iso8583Error:
        if len(request_header) < 5:
            return request_header
        return request_header[:1] + request_header[3:5] + request_header[1:3] + request_header[5:]
    request = SIGN_ON_AGAIN if sign_on_again else processing_request
    if request is not None:
        header = replace(header, message=replace(header.message, processing_request=request))
    return header.build()


def answer(request: Message, code: str, now: datetime, extra: dict[int, FieldValue] | None = None, *,
           sign_on_again: bool = False, processing_request: str | None = None) -> Message:
    """The answer to ``request`` with DE 39 = ``code``: the echoed fields, DE 12/13, then ``extra``."""
    fields: dict[int, FieldValue] = {n: request.fields[n] for n in ECHOED_FIELDS if n in request.fields}
    fields[12] = now.strftime("%H%M%S")
    fields[13] = now.strftime("%m%d")
    fields[39] = str(code)
    fields.update(extra or {})
    return Message(response_mti(request.mti), fields, answer_header(request.header, sign_on_again=sign_on_again,
                                                                    processing_request=processing_request))
