"""Building the iso93 terminal's requests (docs/protocol.md, "The iso93 profile") from journal records.

Pure functions, like :mod:`pos_terminal.profiles.possim87.messages`: a record and the in-memory card data
in, an unsigned 1993 :class:`Message` out. DE 7 and DE 12 come from the record's one clock reading, so the
host can find an original that DE 56 names by its STAN and that moment.
"""

from __future__ import annotations

from datetime import datetime

from iso8583.message import FieldValue, Message
from pos_terminal.state.cards import PresentedCard
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord, TxnType
from protocols.iso87 import ProcessingCode, transmission_datetime
from protocols.iso93 import ACQUIRER_ID, FunctionCode, Mti93, OriginalData, ReasonCode, local_datetime, pos_data_code
from protocols.iso93.messages import repeat_mti
from protocols.possim87.additional_data import encode_additional_data


def original_data(record: TransactionRecord) -> str:
    """DE 56 naming ``record`` as it was first sent: its MTI, STAN, DE 12 and the acquirer (DE 32)."""
    return OriginalData(record.mti, record.stan, local_datetime(record.transmitted_at), ACQUIRER_ID).encode()


def _identity(config: TerminalConfig) -> dict[int, FieldValue]:
    return {41: config.terminal_id, 42: config.merchant_id}


def _recorded_fields(record: TransactionRecord, config: TerminalConfig, function: FunctionCode,
                     processing_code: str | None = None) -> dict[int, FieldValue]:
    moment = record.transmitted_at
    return {
        3: processing_code or record.processing_code,
        4: f"{record.amount:012d}",
        7: transmission_datetime(moment),
        11: f"{record.stan:06d}",
        12: local_datetime(moment),
        24: function.value,
        32: ACQUIRER_ID,
        **_identity(config),
        49: record.currency,
        60: f"{record.batch:06d}",
        62: f"{record.invoice:06d}",
    }


def _with_items(fields: dict[int, FieldValue], items: dict[str, str] | None) -> dict[int, FieldValue]:
    if items:
        fields[63] = encode_additional_data(items)
    return fields


def financial_request(record: TransactionRecord, config: TerminalConfig, card: PresentedCard | None, *,
                      pin_block: bytes | None, icc_data: bytes | None, original: TransactionRecord | None,
                      items: dict[str, str] | None) -> Message:
    """1200 (DE 24 = 200) for a sale or a refund; a refund of a journaled sale names it in DE 56."""
    fields = _recorded_fields(record, config, FunctionCode.ORIGINAL_FINANCIAL)
    if card is not None:
        fields[22] = pos_data_code(card.entry, pin=pin_block is not None)
        if card.entry.value == "manual":
            fields[2], fields[14] = card.pan, card.expiry
        else:
            fields[35] = card.track2
        if card.reads_chip:
            fields[23] = card.psn.zfill(3)
    if pin_block is not None:
        fields[52] = pin_block
    if icc_data is not None:
        fields[55] = icc_data
    if record.txn_type is TxnType.REFUND and original is not None:
        fields[56] = original_data(original)
    return Message(Mti93.FINANCIAL_REQUEST.value, _with_items(fields, items))


def void_request(record: TransactionRecord, original: TransactionRecord, config: TerminalConfig, *, repeat: bool,
                 items: dict[str, str] | None) -> Message:
    """1420 (1421 repeated), DE 24 = 400, DE 25 = 4000 (customer cancellation): the merchant takes back
    ``original`` (a sale or a refund), named in DE 56; DE 3 is the original's, DE 4 its amount."""
    fields = _recorded_fields(record, config, FunctionCode.FULL_REVERSAL, original.processing_code)
    fields[25] = ReasonCode.CUSTOMER_CANCELLATION.value
    fields[56] = original_data(original)
    mti = Mti93.REVERSAL_ADVICE.value
    return Message(repeat_mti(mti) if repeat else mti, _with_items(fields, items))


def reversal_request(record: TransactionRecord, config: TerminalConfig, *, repeat: bool, reason: str,
                     items: dict[str, str] | None) -> Message:
    """1420 (1421 repeated), DE 24 = 400: ``record`` did not complete; DE 56 names it, DE 25 says why."""
    fields = _recorded_fields(record, config, FunctionCode.FULL_REVERSAL)
    fields[25] = reason or ReasonCode.TIMEOUT.value
    fields[56] = original_data(record)
    mti = Mti93.REVERSAL_ADVICE.value
    return Message(repeat_mti(mti) if repeat else mti, _with_items(fields, items))


def advice_request(record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig, *,
                   repeat: bool, items: dict[str, str]) -> Message:
    """1220 (1221 repeated), DE 24 = 200, DE 25 = 1004 (terminal processed): a refund approved offline; no
    card data; DE 56 names the original sale when the journal has it."""
    fields = _recorded_fields(record, config, FunctionCode.ORIGINAL_FINANCIAL)
    fields[25] = ReasonCode.TERMINAL_PROCESSED.value
    if original is not None:
        fields[56] = original_data(original)
    mti = Mti93.FINANCIAL_ADVICE.value
    return Message(repeat_mti(mti) if repeat else mti, _with_items(fields, items))


def batch_upload_request(record: TransactionRecord, config: TerminalConfig, items: dict[str, str]) -> Message:
    """1320 (DE 24 = 300): one approved sale or refund of the batch being settled."""
    fields = _recorded_fields(record, config, FunctionCode.FILE_ACTION)
    if record.rrn:
        fields[37] = record.rrn
    if record.auth_code:
        fields[38] = record.auth_code
    return Message(Mti93.FILE_ACTION_ADVICE.value, _with_items(fields, items))


def reconciliation_request(stan: int, now: datetime, batch: int, totals: dict[int, str], config: TerminalConfig, *,
                           after_upload: bool, items: dict[str, str] | None) -> Message:
    """1520 (DE 24 = 500, final reconciliation) with the totals in DE 74-77 / 86-89; DE 3 96 after an upload."""
    fields: dict[int, FieldValue] = {
        3: (ProcessingCode.SETTLEMENT_AFTER_UPLOAD if after_upload else ProcessingCode.SETTLEMENT).value,
        7: transmission_datetime(now), 11: f"{stan:06d}", 12: local_datetime(now),
        24: FunctionCode.FINAL_RECONCILIATION.value, **_identity(config), 49: config.currency, 60: f"{batch:06d}",
        **totals,
    }
    return Message(Mti93.RECONCILIATION_ADVICE.value, _with_items(fields, items))


def status_inquiry_request(stan: int, now: datetime, rrn: str, config: TerminalConfig,
                           items: dict[str, str] | None) -> Message:
    """1600 (DE 24 = 600, DE 3 = 900000): where is the money of the refund whose RRN is DE 37?"""
    fields: dict[int, FieldValue] = {
        3: ProcessingCode.STATUS_INQUIRY.value, 7: transmission_datetime(now), 11: f"{stan:06d}",
        12: local_datetime(now), 24: FunctionCode.ADMINISTRATIVE.value, 37: rrn, **_identity(config),
    }
    return Message(Mti93.ADMINISTRATIVE_REQUEST.value, _with_items(fields, items))


def network_request(function: FunctionCode, stan: int, now: datetime, config: TerminalConfig,
                    items: dict[str, str] | None) -> Message:
    """1804 with DE 24 = 801 (sign-on), 811 (key change) or 831 (echo test)."""
    fields: dict[int, FieldValue] = {
        7: transmission_datetime(now), 11: f"{stan:06d}", 12: local_datetime(now), 24: function.value,
        **_identity(config),
    }
    return Message(Mti93.NETWORK_REQUEST.value, _with_items(fields, items))
