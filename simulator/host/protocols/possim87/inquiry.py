"""The refund status inquiry (0600 / DE 3 = 900000): where is this refund's money? (docs/protocol.md).

The terminal names the refund by its RRN (DE 37); the host answers 0610 with 00 and, in DE 63,
the transaction's status at the host (TS), and for a refund its credit: channel (CC), expected
date (CD), status (CS: PENDING, POSTED or CANCELLED) and, once posted, the posting date (PD).
An RRN this terminal never got answers 25; another processing code answers 12. Nothing moves:
an inquiry is a read, answered afresh each time (never from the retransmission store).
"""

from __future__ import annotations

from datetime import date

from iso8583 import Message
from protocols.iso87 import ProcessingCode, ResponseCode
from protocols.possim87.additional_data import AdditionalTag, encode_additional_data
from simulator.host import credits
from simulator.host.exchange import field_text
from simulator.host.protocols.possim87.dcc import dcc_fields, dcc_tags, offer_of
from simulator.host.protocols.possim87.messages import response_message
from simulator.host.journal import HostJournal

__all__ = ["answer_status_inquiry"]


def answer_status_inquiry(journal: HostJournal, request: Message, terminal_id: str, today: date) -> Message:
    """The 0610 answering ``request`` for ``terminal_id`` on business date ``today``."""
    if field_text(request, 3) != ProcessingCode.STATUS_INQUIRY:
        return response_message(request, ResponseCode.INVALID_TRANSACTION)
    rrn = field_text(request, 37)
    record = journal.find_by_rrn(terminal_id, rrn) if rrn else None
    if record is None:
        return response_message(request, ResponseCode.ORIGINAL_NOT_FOUND)
    tags = {AdditionalTag.TRANSACTION_STATUS: record.status.value.upper()}
    if record.cross_border:
        tags[AdditionalTag.CROSS_BORDER] = "Y"
    conversion = offer_of(record)
    if conversion is not None:
        tags.update(dcc_tags(conversion))
    view = credits.credit_view(record, today)
    if view is not None:
        tags[AdditionalTag.CREDIT_CHANNEL] = view.channel
        tags[AdditionalTag.CREDIT_DATE] = view.expected_date.strftime("%Y%m%d")
        tags[AdditionalTag.CREDIT_STATUS] = view.status.value.upper()
        if view.posted_date is not None:
            tags[AdditionalTag.POSTED_DATE] = view.posted_date.strftime("%Y%m%d")
    extra: dict[int, str | bytes] = {63: encode_additional_data(tags)}
    if record.amount is not None:
        extra[4] = f"{record.amount:012d}"
    if record.currency:
        extra[49] = record.currency
    if conversion is not None:
        extra.update(dcc_fields(conversion))
    return response_message(request, ResponseCode.APPROVED, extra)
