"""Building the terminal's requests (docs/protocol.md), from journal records and the card read.

Pure functions: a record and the in-memory card data in, an unsigned :class:`Message` out.
The engine signs it (protocols.security) and sends it.
"""

from __future__ import annotations

from datetime import datetime

from iso8583.message import FieldValue, Message
from pos_terminal.state.cards import PresentedCard
from pos_terminal.state.config import TerminalConfig
from protocols.iso87 import (
    EntryMode,
    Mti,
    NetworkCode,
    ProcessingCode,
    local_date,
    local_time,
    original_data_elements,
    pos_entry_mode,
    transmission_datetime,
)
from protocols.possim87.additional_data import encode_additional_data
from pos_terminal.state.records import TransactionRecord, TxnType


def _identity(config: TerminalConfig) -> dict[int, FieldValue]:
    return {41: config.terminal_id, 42: config.merchant_id}


def _card_fields(card: PresentedCard) -> dict[int, FieldValue]:
    """DE 2/14 for keyed entry, DE 35 (and DE 23 for chip) otherwise; DE 22 always."""
    fields: dict[int, FieldValue] = {22: pos_entry_mode(card.entry)}
    if card.entry is EntryMode.MANUAL:
        fields[2] = card.pan
        fields[14] = card.expiry
    else:
        fields[35] = card.track2
    if card.reads_chip:
        fields[23] = card.psn.zfill(3)
    return fields


def financial_request(
    record: TransactionRecord,
    config: TerminalConfig,
    card: PresentedCard | None,
    *,
    pin_block: bytes | None = None,
    icc_data: bytes | None = None,
    additional: dict[str, str] | None = None,
    original_rrn: str | None = None,
) -> Message:
    """0200 for a sale, refund or void (the processing code in the record says which)."""
    fields = {**_recorded_fields(record, config), 25: "00"}
    if card is not None:
        fields.update(_card_fields(card))
    if original_rrn is not None:
        fields[37] = original_rrn
    if pin_block is not None:
        fields[52] = pin_block
    if icc_data is not None:
        fields[55] = icc_data
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message(record.mti, fields)


def reversal_request(
    record: TransactionRecord, config: TerminalConfig, *, repeat: bool, additional: dict[str, str] | None = None
) -> Message:
    """0400 (0401 when repeated) for ``record``: same STAN and DE 7 as the original, DE 90 naming it."""
    original = original_data_elements(record.mti, record.stan, record.transmitted_at)
    fields = {**_recorded_fields(record, config), 90: original}
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message((Mti.REVERSAL_REPEAT if repeat else Mti.REVERSAL).value, fields)


def network_request(
    code: NetworkCode, stan: int, now: datetime, config: TerminalConfig, additional: dict[str, str] | None = None
) -> Message:
    """0800 sign-on, key change or echo."""
    fields: dict[int, FieldValue] = {
        7: transmission_datetime(now), 11: f"{stan:06d}", **_identity(config), 70: code.value,
    }
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message(Mti.NETWORK.value, fields)


def _recorded_fields(record: TransactionRecord, config: TerminalConfig) -> dict[int, FieldValue]:
    """The fields that name a journaled transaction as it was first sent: its own STAN and times."""
    moment = record.transmitted_at
    return {
        3: record.processing_code,
        4: f"{record.amount:012d}",
        7: transmission_datetime(moment),
        11: f"{record.stan:06d}",
        12: local_time(moment),
        13: local_date(moment),
        **_identity(config),
        49: record.currency,
        60: f"{record.batch:06d}",
        62: f"{record.invoice:06d}",
        **dcc_fields(record),
    }


def dcc_fields(record: TransactionRecord) -> dict[int, FieldValue]:
    """DCC (docs/protocol.md): a sale carries the accepted offer, DE 6 billing amount, DE 10 rate, DE 51 billing
    currency; a refund or void of a DCC sale carries DE 51 (the host converts it and answers DE 6 and DE 10)."""
    if record.dcc is None:
        return {}
    if record.txn_type is TxnType.SALE:
        return {6: f"{record.dcc.amount:012d}", 10: record.dcc.rate, 51: record.dcc.currency}
    return {51: record.dcc.currency}


def advice_request(
    record: TransactionRecord, config: TerminalConfig, *, repeat: bool, additional: dict[str, str]
) -> Message:
    """0220 (0221 when repeated) for an offline refund: no card data; DE 63 names the original (docs/protocol.md)."""
    fields = {**_recorded_fields(record, config), 25: "00", 63: encode_additional_data(additional)}
    return Message((Mti.ADVICE_REPEAT if repeat else Mti.ADVICE).value, fields)


def batch_upload_request(
    record: TransactionRecord, config: TerminalConfig, additional: dict[str, str]
) -> Message:
    """0320 for one approved sale or refund of the batch being settled."""
    fields = {**_recorded_fields(record, config), 63: encode_additional_data(additional)}
    if record.rrn:
        fields[37] = record.rrn
    if record.auth_code:
        fields[38] = record.auth_code
    return Message(Mti.BATCH_UPLOAD.value, fields)


def settlement_request(
    stan: int, now: datetime, batch: int, totals: dict[int, str], config: TerminalConfig, *, after_upload: bool,
    additional: dict[str, str] | None = None, currency: str | None = None,
) -> Message:
    """0500 with one currency's batch totals in DE 74-77 and 86-89 (DE 49 that currency; default the
    terminal's); DE 3 = 960000 after a batch upload."""
    fields: dict[int, FieldValue] = {
        3: (ProcessingCode.SETTLEMENT_AFTER_UPLOAD if after_upload else ProcessingCode.SETTLEMENT).value,
        7: transmission_datetime(now),
        11: f"{stan:06d}",
        **_identity(config),
        49: currency or config.currency,
        60: f"{batch:06d}",
        **totals,
    }
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message(Mti.SETTLEMENT.value, fields)


def status_inquiry_request(
    stan: int, now: datetime, rrn: str, config: TerminalConfig, additional: dict[str, str] | None = None
) -> Message:
    """0600 refund status inquiry: DE 3 = 900000, DE 37 = the refund's RRN (docs/protocol.md)."""
    fields: dict[int, FieldValue] = {
        3: ProcessingCode.STATUS_INQUIRY.value,
        7: transmission_datetime(now),
        11: f"{stan:06d}",
        37: rrn,
        **_identity(config),
    }
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message(Mti.ADMINISTRATIVE.value, fields)


def rate_inquiry_request(
    stan: int, now: datetime, pan: str, amount: int, currency: str, config: TerminalConfig,
    additional: dict[str, str] | None = None,
) -> Message:
    """0600 DCC rate inquiry: DE 3 = 910000, DE 2 the PAN, DE 4 and DE 49 the sale's amount (docs/protocol.md)."""
    fields: dict[int, FieldValue] = {
        2: pan,
        3: ProcessingCode.DCC_RATE_INQUIRY.value,
        4: f"{amount:012d}",
        7: transmission_datetime(now),
        11: f"{stan:06d}",
        **_identity(config),
        49: currency,
    }
    if additional:
        fields[63] = encode_additional_data(additional)
    return Message(Mti.ADMINISTRATIVE.value, fields)
