"""TransactionRecord.pending: the record of a request just begun, as the generated constructor would make it;
NewTransaction.for_amount: the same new transaction for another amount, as the constructor would make it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnStatus, TxnType, masked_pan
from protocols.dcc import DccOffer

PAN = "4761739001010119"
AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _new(**changes: object) -> NewTransaction:
    values: dict[str, object] = {
        "txn_type": TxnType.REFUND, "amount": 4_200, "currency": "840", "masked_pan": masked_pan(PAN),
        "card_fingerprint": "ab" * 32, "card_brand": "visa", "entry_mode": "chip", "original_id": None,
        "reason_code": "01", "processing_code": "200000", "mti": "0200",
    }
    return NewTransaction(**{**values, **changes})  # type: ignore[arg-type]


def _constructed(new: NewTransaction) -> TransactionRecord:
    return TransactionRecord(
        id=7, invoice=7, stan=123, batch=2, txn_type=new.txn_type, status=TxnStatus.PENDING, amount=new.amount,
        currency=new.currency, masked_pan=new.masked_pan, card_fingerprint=new.card_fingerprint,
        card_brand=new.card_brand, entry_mode=new.entry_mode, processing_code=new.processing_code, mti=new.mti,
        original_id=new.original_id, reason_code=new.reason_code, rrn=None, auth_code=None, response_code=None,
        voided_by=None, transmitted_at=AT, created_at=AT, updated_at=AT, host_data={},
        original_rrn=new.original_rrn, original_date=new.original_date, dcc=new.dcc,
    )


KINDS = [
    _new(),
    _new(original_rrn="123456789012", original_date="0430"),
    _new(txn_type=TxnType.SALE, reason_code=None, processing_code="000000",
         dcc=DccOffer("978", 3_900, "0.9285714", "3.50", "possim")),
]
KIND_IDS = ["refund", "unmatched refund", "dcc sale"]


@pytest.mark.parametrize("new", KINDS, ids=KIND_IDS)
def test_a_pending_record_equals_the_one_its_constructor_makes(new: NewTransaction) -> None:
    pending = TransactionRecord.pending(new, id=7, invoice=7, stan=123, batch=2, at=AT)
    expected = _constructed(new)
    assert pending == expected
    assert {f.name: getattr(pending, f.name) for f in dataclasses.fields(TransactionRecord)} == \
        {f.name: getattr(expected, f.name) for f in dataclasses.fields(TransactionRecord)}


def test_a_pending_record_is_frozen_like_any_record() -> None:
    pending = TransactionRecord.pending(_new(), id=7, invoice=7, stan=123, batch=2, at=AT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pending.status = TxnStatus.APPROVED  # type: ignore[misc]
    assert dataclasses.replace(pending, status=TxnStatus.APPROVED).status is TxnStatus.APPROVED


def test_a_record_has_no_checks_its_pending_constructor_would_skip() -> None:
    """TransactionRecord.pending fills the fields without the generated __init__: that is right only while a
    record has no __post_init__ (a check added there must be added to pending too)."""
    assert not hasattr(TransactionRecord, "__post_init__")


def test_a_pending_record_sets_every_field_of_a_record() -> None:
    """A field added to TransactionRecord must be added to pending too (a default would otherwise hide it)."""
    pending = TransactionRecord.pending(_new(), id=7, invoice=7, stan=123, batch=2, at=AT)
    assert set(vars(pending)) == {f.name for f in dataclasses.fields(TransactionRecord)}


@pytest.mark.parametrize("new", KINDS, ids=KIND_IDS)
def test_a_new_transaction_for_another_amount_equals_the_one_its_constructor_makes(new: NewTransaction) -> None:
    again = new.for_amount(99)
    expected = dataclasses.replace(new, amount=99)
    assert again == expected
    assert vars(again) == vars(expected)
    assert new.amount == 4_200  # the template is left as it was


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, "100"])
def test_a_new_transaction_for_another_amount_refuses_what_its_constructor_refuses(amount: object) -> None:
    with pytest.raises(ValueError, match="amount must be a positive int of minor units") as by_amount:
        _new().for_amount(amount)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as by_constructor:
        _new(amount=amount)
    assert str(by_amount.value) == str(by_constructor.value)


def test_a_new_transaction_for_another_amount_is_frozen_like_any() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _new().for_amount(5).amount = 6  # type: ignore[misc]
