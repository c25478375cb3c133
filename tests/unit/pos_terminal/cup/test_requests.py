"""The terminal's ``cup-pos`` requests (pos_terminal.profiles.cup.requests), against the hand-written golden frames.

The sign-on and the settlement the terminal builds are the golden frames of
tests/unit/iso8583/test_cup_pos_golden.py byte for byte (same terminal, merchant, STAN and batch);
the others are checked field by field against the CUP message descriptions (docs/protocol.md,
"The cup-pos profile").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emv.cards import EntryMode
from iso8583.codec import encode
from iso8583.dialects import get_dialect
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import TerminalConfig
from protocols.cup import CardTotals, Field60, Field61, SettlementTotals
from pos_terminal.profiles.cup import requests
from protocols.cup.fields import PinEncryption, SecurityControl
from protocols.cup.upload import CardGroup, UploadEntry, UploadList, parse_upload_count
from pos_terminal.state.passwords import hash_password
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from tests.unit.iso8583.test_cup_pos_golden import MID, SETTLEMENT_BYTES, SIGN_ON_BYTES, TID, frame

DIALECT = get_dialect("cup-pos")
MOMENT = datetime(2024, 9, 15, 10, 30, 15, tzinfo=UTC)
CONFIG = TerminalConfig(terminal_id=TID, merchant_id=MID, currency="156", dialect="cup-pos",
                        supervisor_password_hash=hash_password("0000", iterations=1))


def record(kind: TxnType, *, stan: int, amount: int = 12345, code: str = "000000", mti: str = "0200",
           rrn: str | None = None, auth: str | None = None, status: TxnStatus = TxnStatus.PENDING) -> TransactionRecord:
    return TransactionRecord(
        id=stan, invoice=stan, stan=stan, batch=1, txn_type=kind, status=status, amount=amount, currency="156",
        masked_pan="621626*********0018", card_fingerprint="0" * 64, card_brand="unionpay", entry_mode="chip",
        processing_code=code, mti=mti, original_id=None, reason_code=None, rrn=rrn, auth_code=auth,
        response_code=None, voided_by=None, transmitted_at=MOMENT, created_at=MOMENT, updated_at=MOMENT, host_data={},
    )


SALE = record(TxnType.SALE, stan=2, rrn="123456789012", auth="AB1234", status=TxnStatus.APPROVED)


def test_the_sign_on_is_the_golden_0800_byte_for_byte() -> None:
    assert encode(requests.sign_on_request(1, CONFIG, 1), DIALECT) == SIGN_ON_BYTES


def test_the_settlement_is_the_golden_0500_byte_for_byte() -> None:
    totals = SettlementTotals(CardTotals(12345, 1, 5000, 1), CardTotals())
    assert encode(requests.settlement_request(5, CONFIG, 1, totals), DIALECT) == SETTLEMENT_BYTES


# The end of a batch upload (0320, 60.3 = 202) as the CUP field description lays it out, typed by hand from
# the dialect's rules (tests/unit/iso8583/test_cup_pos_golden.py): no DE 64, as the description sends it.
UPLOAD_END_BYTES = frame("""
    6000010000 603100000000             # offset 0: header
    0320                                # offset 11: MTI
    00 20 00 00 00 C1 00 10             # offset 13: 20 = 11 | C1 = 41, 42, 48 | 10 = 60; bit 64 (01) clear
    000009                              # offset 21: 11
    3130303030303031                    # offset 24: 41
    383938313130303438313630303031      # offset 32: 42
    0004 0003                           # offset 47: 48, LLL 0004 digits: 3 transactions uploaded
    0011 00 000001 202 0                # offset 51: 60: 00, batch 000001, 60.3 202, trailing pad 0; 59 bytes
""")


def de64_announced(frame_bytes: bytes) -> bool:
    """Bit 64 of a cup-pos frame's bitmap: the last bit of its 8th byte (header 11 bytes, MTI 2)."""
    return bool(frame_bytes[11 + 2 + 7] & 0x01)


def test_the_end_of_upload_is_the_golden_0320_byte_for_byte() -> None:
    assert encode(requests.upload_end_request(9, CONFIG, 1, 3, balanced=False), DIALECT) == UPLOAD_END_BYTES


def test_the_settlement_and_end_of_upload_announce_no_de64_as_in_the_field_description() -> None:
    assert not de64_announced(SETTLEMENT_BYTES) and not de64_announced(UPLOAD_END_BYTES)


def test_echo_and_sign_off_are_0820_with_their_network_codes() -> None:
    echo, sign_off = requests.echo_request(3, CONFIG, 7), requests.sign_off_request(4, CONFIG, 7)
    assert (echo.mti, echo[60], sign_off.mti, sign_off[60]) == ("0820", "00000007301", "0820", "00000007002")


@pytest.mark.parametrize(("entry", "with_pin", "mode"), [
    (EntryMode.CHIP, True, "051"), (EntryMode.SWIPE, False, "022"), (EntryMode.MANUAL, False, "012"),
    (EntryMode.CONTACTLESS, True, "071"),
])
def test_entry_mode_is_the_cup_pan_entry_then_whether_a_pin_is_sent(entry: EntryMode, with_pin: bool,
                                                                     mode: str) -> None:
    assert requests.entry_mode(entry, with_pin=with_pin) == mode


def test_a_chip_sale_with_pin_carries_track_2_chip_fields_and_security_control() -> None:
    card = present_test_card("unionpay_debit", EntryMode.CHIP)
    message = requests.sale_request(SALE, CONFIG, card, pin_block=bytes(8), icc_data=b"\x9f\x26\x01\x00",
                                    security=SecurityControl(encryption=PinEncryption.TDES))
    assert sorted(message.fields) == [3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 49, 52, 53, 55, 60]
    assert (message[3], message[22], message[23], message[26], message[53], message[60]) == (
        "000000", "051", "001", "12", "2600000000000000", "22000001")
    assert message.header == bytes.fromhex("6000010000603100000000")


def test_a_void_names_the_sale_by_batch_voucher_rrn_and_approval_code_without_card_data() -> None:
    void = record(TxnType.VOID, stan=3, code="200000")
    message = requests.void_request(void, SALE, CONFIG)
    assert sorted(message.fields) == [3, 4, 11, 25, 37, 38, 41, 42, 49, 60, 61]
    assert (message[3], message[37], message[38], message[60], message[61]) == (
        "200000", "123456789012", "AB1234", "23000001", "000001000002")


def test_a_refund_names_the_sale_by_batch_voucher_and_date_and_its_rrn() -> None:
    refund = record(TxnType.REFUND, stan=4, amount=5000, code="200000", mti="0220")
    card = present_test_card("unionpay_credit", EntryMode.SWIPE)
    message = requests.refund_request(refund, CONFIG, card, original=SALE)
    assert (message.mti, message[37], message[60], message[61], message[22]) == (
        "0220", "123456789012", "25000001", "0000010000020915", "022")
    assert 52 not in message and 53 not in message


def test_an_unmatched_refund_has_zeros_for_the_batch_and_voucher_and_the_typed_date() -> None:
    refund = record(TxnType.REFUND, stan=4, amount=5000, code="200000", mti="0220")
    message = requests.refund_request(refund, CONFIG, None, original_rrn="999999999999", original_date="0102")
    assert (message[37], message[61]) == ("999999999999", "0000000000000102")
    assert not {2, 14, 22, 35, 52, 55} & set(message.fields)


def test_a_reversal_carries_the_reason_and_the_reversed_requests_voucher_but_no_card_data() -> None:
    void = record(TxnType.VOID, stan=3, code="200000")
    message = requests.reversal_request(void, SALE, CONFIG, requests.REASON_NO_ANSWER)
    assert (message.mti, message[11], message[39], message[60], message[61]) == (
        "0400", "000003", "98", "23000001", "000001000002")
    assert sorted(message.fields) == [3, 4, 11, 25, 39, 41, 42, 49, 60, 61]


def test_the_batch_upload_messages() -> None:
    sales = UploadList((UploadEntry(CardGroup.DOMESTIC, "000002", 12345),))
    lists = requests.sales_upload_request(8, CONFIG, 1, sales)
    assert (lists[60], UploadList.decode(lists[48]).entries[0].voucher) == ("00000001201", "000002")
    end = requests.upload_end_request(9, CONFIG, 1, 3, balanced=False)
    balanced = requests.upload_end_request(9, CONFIG, 1, 0, balanced=True)
    assert (end[60], parse_upload_count(end[48]), balanced[60], balanced[48]) == (
        "00000001202", 3, "00000001207", "0000")
    refund = record(TxnType.REFUND, stan=4, amount=5000, code="200000", mti="0220", rrn="000000000009")
    upload = requests.refund_upload_request(refund, SALE, CONFIG)
    assert (upload.mti, upload[3], upload[11], upload[37], Field60.decode(upload[60]).transaction_type) == (
        "0320", "200000", "000004", "000000000009", "25")
    assert Field61.decode(upload[61]).original_date == "0915"

