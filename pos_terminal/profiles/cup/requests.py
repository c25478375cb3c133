"""The terminal's CUP POS requests, built from journal records and the card read (pure functions).

Each function returns an unsigned ``cup-pos`` :class:`~iso8583.message.Message` with the 11-byte
header (the terminal's ``tpdu``, then the contract's message header);
the engine MACs the ones that carry DE 64 (:func:`protocols.cup.mac.apply_mac`). Which fields
each message carries follows the CUP POS message descriptions as docs/protocol.md ("The cup-pos
profile") lists them:

=====================  ====  ======  =====  ===============================================
message                MTI   DE 3    60.1   60.3 / what identifies it
=====================  ====  ======  =====  ===============================================
sign-on                0800          00     001 / 003 / 004 (the keys asked for); DE 63
sign-off / echo        0820          00     002 / 301
IC key / param query   0820          00     372 / 382; DE 62 ``1NN``
IC key / param load    0800          00     370 / 380 (DE 62 names it), 371 / 381 the end
sale                   0200  000000  22
void of a sale         0200  200000  23     DE 61 original batch + voucher, DE 37, DE 38
refund                 0220  200000  25     DE 61 original batch, voucher, date; DE 37
reversal               0400  as the reversed request, DE 39 the reason
settlement             0500          00     201; DE 48 the totals
batch upload (sales)   0320          00     201; DE 48 up to eight sales
batch upload (refund)  0320  200000  25     the refund's own DE 11, 37, 61
end of batch upload    0320          00     202 (totals did not balance) / 207 (they did)
=====================  ====  ======  =====  ===============================================

The voucher number of a transaction is its STAN (DE 11). The journal keeps no card data, so a
void, a reversal and a refund repeated after a restart carry none (the host knows the original).
"""

from __future__ import annotations

from enum import StrEnum

from iso8583.cup_header import CupHeader
from iso8583.message import FieldValue, Message
from iso8583.tpdu import Tpdu
from emv.cards import EntryMode
from pos_terminal.state.cards import PresentedCard
from pos_terminal.state.config import TerminalConfig
from protocols.cup.fields import Field60, Field61, SecurityControl, SettlementTotals
from protocols.cup.contract import CUP_CONTRACT, CupContract
from protocols.cup.signon_keys import SignOnKeyScheme
from protocols.cup.transactions import TRANSACTION_TYPES, TransactionType
from protocols.cup.upload import UploadList, upload_count
from pos_terminal.state.records import TransactionRecord, TxnType

_ENTRY_MODES = {EntryMode.MANUAL: "01", EntryMode.SWIPE: "02", EntryMode.CHIP: "05", EntryMode.CONTACTLESS: "07"}
"""22.1-2: how the PAN was read (CUP: 01 manual, 02 magnetic stripe, 05 IC card, 07 contactless IC)."""
CONDITION_NORMAL = "00"
"""DE 25: normal presentment."""
_KIND_ROWS = {TxnType.SALE: "sale", TxnType.VOID: "void", TxnType.REFUND: "refund"}


class ReversalReason(StrEnum):
    """DE 39 of a CUP reversal: why the terminal reverses (the value is the code sent)."""

    NO_ANSWER = "98"
    """No answer from the host within the time limit (also: unknown, after a restart)."""
    ANSWER_REFUSED = "96"
    """An answer came, but the terminal refused it (MAC failure, wrong fields, garbled)."""
    OTHER = "06"
    """Any other reason (the request could not be completed)."""


REASON_NO_ANSWER = ReversalReason.NO_ANSWER
REASON_ANSWER_REFUSED = ReversalReason.ANSWER_REFUSED
REASON_OTHER = ReversalReason.OTHER


def transaction_row(kind: TxnType) -> TransactionType:
    """The row of the CUP transaction table for a sale, void or refund."""
    return TRANSACTION_TYPES[_KIND_ROWS[TxnType(kind)]]


def entry_mode(entry: EntryMode, *, with_pin: bool) -> str:
    """DE 22: the PAN entry mode, then 1 when a PIN is sent, 2 when none is."""
    return _ENTRY_MODES[EntryMode(entry)] + ("1" if with_pin else "2")


def _identity(config: TerminalConfig) -> dict[int, FieldValue]:
    return {41: config.terminal_id, 42: config.merchant_id}


def _batch(batch: int) -> str:
    return f"{batch:06d}"


def _message(mti: str, fields: dict[int, FieldValue], profile: CupContract, config: TerminalConfig) -> Message:
    """The request with its 11-byte header: the configured TPDU (terminal.toml ``tpdu``), the profile's message header."""
    return Message(mti, fields, CupHeader(Tpdu.from_hex(config.tpdu), profile.message_header).build())


def _card_fields(card: PresentedCard, *, with_pin: bool) -> dict[int, FieldValue]:
    """DE 2 and 14 keyed, DE 35 read (and DE 14, 23 from a chip); DE 22 always."""
    fields: dict[int, FieldValue] = {22: entry_mode(card.entry, with_pin=with_pin)}
    if card.entry is EntryMode.MANUAL:
        fields[2] = card.pan
        fields[14] = card.expiry
    else:
        fields[35] = card.track2
    if card.reads_chip:
        fields[14] = card.expiry
        fields[23] = card.psn.zfill(3)
    return fields


def _pin_fields(pin_block: bytes | None, security: SecurityControl | None, profile: CupContract) -> dict[int, FieldValue]:
    """DE 26, 52 and 53 when a PIN is sent."""
    if pin_block is None:
        return {}
    return {26: profile.pin_capture_code, 52: pin_block, 53: (security or profile.security_control).encode()}


def _recorded(record: TransactionRecord) -> dict[int, FieldValue]:
    """The fields naming a journaled transaction as first sent: its DE 3, amount, voucher (STAN) and currency."""
    return {3: record.processing_code, 4: f"{record.amount:012d}", 11: f"{record.stan:06d}", 25: CONDITION_NORMAL,
            49: record.currency}


# ---------------------------------------------------------------------- network management


def sign_on_request(stan: int, config: TerminalConfig, batch: int, profile: CupContract = CUP_CONTRACT) -> Message:
    """0800 sign-on: 60.3 asks for the configured key scheme (``cup_sign_on_keys``: 001 single-length PIK and
    MAK, 003 double-length, 004 double-length and a track data key), DE 63 the operator."""
    scheme = SignOnKeyScheme(config.cup_sign_on_keys)
    return _message("0800", {
        11: f"{stan:06d}", **_identity(config),
        60: Field60("00", _batch(batch), scheme.value).encode(), 63: profile.operator,
    }, profile, config)


def sign_off_request(stan: int, config: TerminalConfig, batch: int, profile: CupContract = CUP_CONTRACT) -> Message:
    """0820 sign-off (60.3 = 002)."""
    return _network_management(TRANSACTION_TYPES["sign_off"], stan, config, batch, profile)


def echo_request(stan: int, config: TerminalConfig, batch: int, profile: CupContract = CUP_CONTRACT) -> Message:
    """0820 echo test (60.3 = 301)."""
    return _network_management(TRANSACTION_TYPES["echo_test"], stan, config, batch, profile)


def _network_management(row: TransactionType, stan: int, config: TerminalConfig, batch: int,
                        profile: CupContract, field62: bytes | None = None) -> Message:
    fields: dict[int, FieldValue] = {
        11: f"{stan:06d}", **_identity(config), 60: Field60(row.type_code, _batch(batch), row.network_code).encode(),
    }
    if field62 is not None:
        fields[62] = field62
    return _message(row.mti, fields, profile, config)


_IC_ROWS = {("ca-keys", "query"): "ic_key_query", ("ca-keys", "download"): "ic_key_download",
            ("ca-keys", "end"): "ic_key_download_end", ("parameters", "query"): "ic_parameter_query",
            ("parameters", "download"): "ic_parameter_download", ("parameters", "end"): "ic_parameter_download_end"}


def ic_download_request(kind: str, step: str, stan: int, config: TerminalConfig, batch: int,
                        field62: bytes | None = None, profile: CupContract = CUP_CONTRACT) -> Message:
    """An IC download exchange (:mod:`protocols.cup.icdownload`): ``kind`` ``ca-keys`` or ``parameters``,
    ``step`` ``query`` (0820, 372 / 382), ``download`` (0800, 370 / 380) or ``end`` (0800, 371 / 381)."""
    return _network_management(TRANSACTION_TYPES[_IC_ROWS[(kind, step)]], stan, config, batch, profile, field62)


# ---------------------------------------------------------------------- financial


def sale_request(
    record: TransactionRecord, config: TerminalConfig, card: PresentedCard, *, pin_block: bytes | None = None,
    security: SecurityControl | None = None, icc_data: bytes | None = None, profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0200 sale (000000, 60.1 = 22)."""
    fields = {**_recorded(record), **_card_fields(card, with_pin=pin_block is not None), **_identity(config),
              **_pin_fields(pin_block, security, profile),
              60: Field60(transaction_row(TxnType.SALE).type_code, _batch(record.batch)).encode()}
    if icc_data is not None:
        fields[55] = icc_data
    return _message(record.mti, fields, profile, config)


def void_request(
    record: TransactionRecord, original: TransactionRecord, config: TerminalConfig,
    profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0200 void of a sale (200000, 60.1 = 23): the full amount, DE 61 the sale's batch and voucher,
    DE 37 its RRN and DE 38 its authorization code."""
    fields = {**_recorded(record), **_identity(config),
              60: Field60(transaction_row(TxnType.VOID).type_code, _batch(record.batch)).encode(),
              61: Field61(_batch(original.batch), f"{original.stan:06d}").encode()}
    if original.rrn:
        fields[37] = original.rrn
    if original.auth_code:
        fields[38] = original.auth_code
    return _message(record.mti, fields, profile, config)


def refund_request(
    record: TransactionRecord, config: TerminalConfig, card: PresentedCard | None, *,
    original: TransactionRecord | None = None, original_rrn: str | None = None, original_date: str | None = None,
    pin_block: bytes | None = None, security: SecurityControl | None = None, icc_data: bytes | None = None,
    profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0220 refund (200000, 60.1 = 25): DE 61 the original's batch, voucher and date (MMDD), DE 37 its RRN.

    A refund of a sale this terminal did not journal names it as the cashier typed it (RRN, date)
    with zeros for the batch and voucher. ``card`` None: a repeat rebuilt from the journal.
    """
    fields = {**_recorded(record), **_identity(config),
              60: Field60(transaction_row(TxnType.REFUND).type_code, _batch(record.batch)).encode()}
    if card is not None:
        fields.update(_card_fields(card, with_pin=pin_block is not None))
        fields.update(_pin_fields(pin_block, security, profile))
        if icc_data is not None:
            fields[55] = icc_data
    if original is not None:
        fields[61] = Field61(_batch(original.batch), f"{original.stan:06d}",
                             original.transmitted_at.strftime("%m%d")).encode()
        original_rrn = original.rrn
    else:
        original_rrn = original_rrn or record.original_rrn
        date = original_date or record.original_date
        fields[61] = Field61("0" * 6, "0" * 6, date or None).encode()
    if original_rrn:
        fields[37] = original_rrn
    return _message(record.mti, fields, profile, config)


def reversal_request(
    record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig, reason: str,
    profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0400 reversal of a sale or void: the reversed request's DE 3, 4, 11, 25, 49 and 60 (60.1 says which),
    DE 38 when it was approved, DE 39 the reason, and for a void DE 61 naming its sale. No card data."""
    fields = {**_recorded(record), **_identity(config), 39: str(reason),
              60: Field60(transaction_row(record.txn_type).type_code, _batch(record.batch)).encode()}
    if record.auth_code:
        fields[38] = record.auth_code
    if record.txn_type is TxnType.VOID and original is not None:
        fields[61] = Field61(_batch(original.batch), f"{original.stan:06d}").encode()
    return _message("0400", fields, profile, config)


# ---------------------------------------------------------------------- settlement and batch upload


def settlement_request(
    stan: int, config: TerminalConfig, batch: int, totals: SettlementTotals, profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0500 settlement (60.3 = 201): DE 48 the domestic and foreign card totals, DE 63 the operator."""
    row = TRANSACTION_TYPES["settlement"]
    return _message(row.mti, {
        11: f"{stan:06d}", **_identity(config), 48: totals.encode(), 49: config.currency,
        60: Field60(row.type_code, _batch(batch), row.network_code).encode(), 63: profile.operator,
    }, profile, config)


def sales_upload_request(
    stan: int, config: TerminalConfig, batch: int, sales: UploadList, profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0320 batch upload of up to eight sales in DE 48 (60.3 = 201)."""
    row = TRANSACTION_TYPES["batch_upload"]
    return _message(row.mti, {
        11: f"{stan:06d}", **_identity(config), 48: sales.encode(),
        60: Field60(row.type_code, _batch(batch), row.network_code).encode(),
    }, profile, config)


def refund_upload_request(
    record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
    profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0320 batch upload of one refund (200000, 60.1 = 25): its voucher, amount, RRN and original."""
    fields = {**_recorded(record), **_identity(config),
              60: Field60(TRANSACTION_TYPES["refund_upload"].type_code, _batch(record.batch)).encode()}
    if record.rrn:
        fields[37] = record.rrn
    if record.auth_code:
        fields[38] = record.auth_code
    if original is not None:
        fields[61] = Field61(_batch(original.batch), f"{original.stan:06d}",
                             original.transmitted_at.strftime("%m%d")).encode()
    elif record.original_date:
        fields[61] = Field61("0" * 6, "0" * 6, record.original_date).encode()
    return _message(TRANSACTION_TYPES["refund_upload"].mti, fields, profile, config)


def upload_end_request(
    stan: int, config: TerminalConfig, batch: int, count: int, *, balanced: bool,
    profile: CupContract = CUP_CONTRACT,
) -> Message:
    """0320 ending the batch upload: 60.3 = 207 after balanced totals, 202 otherwise; DE 48 the count uploaded."""
    row = TRANSACTION_TYPES["batch_upload_end_balanced" if balanced else "batch_upload_end"]
    return _message(row.mti, {
        11: f"{stan:06d}", **_identity(config), 48: upload_count(count),
        60: Field60(row.type_code, _batch(batch), row.network_code).encode(),
    }, profile, config)
