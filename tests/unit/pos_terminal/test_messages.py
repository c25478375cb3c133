"""The terminal's requests, field by field, as docs/protocol.md lays them out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emv.cards import EntryMode
from iso8583 import encode, get_dialect
from pos_terminal.profiles.possim87 import messages
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from protocols.iso87 import BatchTotals, NetworkCode, TotalsKind
from protocols.possim87.additional_data import decode_additional_data
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType

MOMENT = datetime(2026, 11, 25, 9, 8, 7, tzinfo=UTC)


@pytest.fixture
def config(tmp_path):
    return load_config(tmp_path, password_iterations=1000)


def refund_record(**changes) -> TransactionRecord:
    values = dict(
        id=7, invoice=12, stan=345, batch=3, txn_type=TxnType.REFUND, status=TxnStatus.PENDING, amount=1234,
        currency="840", masked_pan="476173******0010", card_fingerprint="0" * 64, card_brand="visa",
        entry_mode="chip", processing_code="200000", mti="0200", original_id=1, reason_code="01", rrn=None,
        auth_code=None, response_code=None, voided_by=None, transmitted_at=MOMENT, created_at=MOMENT,
        updated_at=MOMENT, host_data={},
    )
    values.update(changes)
    return TransactionRecord(**values)


def test_a_chip_refund_carries_track2_psn_entry_mode_and_the_record_numbers(config) -> None:
    card = present_test_card("visa_credit", EntryMode.CHIP)
    message = messages.financial_request(refund_record(), config, card, additional={"OR": "000000000001"})
    assert message.mti == "0200"
    assert message.fields[3] == "200000" and message.fields[4] == "000000001234"
    assert message.fields[7] == "1125090807" and message.fields[11] == "000345"
    assert message.fields[12] == "090807" and message.fields[13] == "1125"
    assert message.fields[22] == "051" and message.fields[23] == "001"
    assert message.fields[35].startswith("4761739001010010=3112")
    assert message.fields[60] == "000003" and message.fields[62] == "000012"
    assert decode_additional_data(message.fields[63]) == {"OR": "000000000001"}
    assert 2 not in message.fields


def test_a_keyed_card_travels_as_pan_and_expiry_without_track2(config) -> None:
    card = present_test_card("visa_credit", EntryMode.MANUAL)
    message = messages.financial_request(refund_record(), config, card)
    assert message.fields[2] == "4761739001010010" and message.fields[14] == "3112"
    assert 35 not in message.fields and message.fields[22] == "011"


def test_a_reversal_repeats_the_original_stan_and_time_and_names_it_in_de90(config) -> None:
    message = messages.reversal_request(refund_record(), config, repeat=False)
    assert message.mti == "0400" and message.fields[11] == "000345"
    assert message.fields[90] == "0200" + "000345" + "1125090807" + "0" * 22


def test_a_repeated_reversal_is_0401(config) -> None:
    assert messages.reversal_request(refund_record(), config, repeat=True).mti == "0401"


def test_an_advice_has_no_card_data_and_names_its_offline_approval(config) -> None:
    record = refund_record(status=TxnStatus.OFFLINE, auth_code="Y31234")
    message = messages.advice_request(record, config, repeat=False, additional={"OR": "000000000001", "OF": "Y31234"})
    assert message.mti == "0220"
    assert not {2, 14, 35, 52, 55} & message.fields.keys()
    assert messages.advice_request(record, config, repeat=True, additional={"OF": "Y31234"}).mti == "0221"


def test_settlement_carries_the_totals_in_the_iso_reconciliation_fields(config) -> None:
    totals = BatchTotals.of([(TotalsKind.DEBIT, 2000), (TotalsKind.CREDIT, 500), (TotalsKind.DEBIT_REVERSAL, 100)])
    message = messages.settlement_request(9, MOMENT, 3, totals.to_fields(), config, after_upload=False)
    assert message.mti == "0500" and message.fields[3] == "920000" and message.fields[60] == "000003"
    assert message.fields[76] == "0000000001" and message.fields[88] == "0000000000002000"
    assert message.fields[74] == "0000000001" and message.fields[86] == "0000000000000500"
    assert message.fields[77] == "0000000001" and message.fields[89] == "0000000000000100"
    assert BatchTotals.from_message(message) == totals


def test_settlement_after_a_batch_upload_uses_960000(config) -> None:
    message = messages.settlement_request(9, MOMENT, 3, {}, config, after_upload=True)
    assert message.fields[3] == "960000"


def test_every_request_encodes_in_every_builtin_dialect(config) -> None:
    card = present_test_card("visa_credit", EntryMode.SWIPE)
    built = [
        messages.financial_request(refund_record(), config, card, additional={"RC": "01"}),
        messages.reversal_request(refund_record(), config, repeat=True),
        messages.network_request(NetworkCode.SIGN_ON, 1, MOMENT, config),
        messages.batch_upload_request(refund_record(rrn="000000000009", auth_code="123456"), config, {"VO": "0"}),
    ]
    for name in ("terminal87", "iso87ascii", "iso87binary"):
        for message in built:
            assert encode(message, get_dialect(name))
