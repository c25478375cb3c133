"""The refund and void policy (pos_terminal.rules.policy), rule by rule, against an in-memory journal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pos_terminal.common.failures import TerminalRefusal
from pos_terminal.rules.policy import check_refund, check_void_original, find_refund_original
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from tests.unit.pos_terminal.journal_fake import NOW, FakeJournal, txn


@pytest.fixture(scope="module")
def config() -> TerminalConfig:
    return TerminalConfig()


def same_card(record: TransactionRecord) -> bool:
    return record.card_fingerprint == "card-a"


def refund(journal: FakeJournal, config: TerminalConfig, *, amount: int = 500, original: TransactionRecord | None = None,
           has_pin: bool = False, card: str = "card-a") -> None:
    check_refund(journal, config, amount=amount, card_fingerprint=card, matches=same_card, original=original,
                 has_pin=has_pin, now=NOW)


# -- finding the original -------------------------------------------------------------------------------------------

def test_a_refund_by_invoice_finds_the_sale_with_that_invoice(config: TerminalConfig) -> None:
    sale = txn(1, invoice=7)
    assert find_refund_original(FakeJournal([sale]), config, invoice=7, rrn=None, local_date=None) == sale


def test_an_unknown_invoice_is_refused_naming_it(config: TerminalConfig) -> None:
    with pytest.raises(TerminalRefusal, match="no transaction with invoice 000007") as refusal:
        find_refund_original(FakeJournal(), config, invoice=7, rrn=None, local_date=None)
    assert refusal.value.screen == ("INVOICE 000007", "NOT FOUND")


def test_an_invoice_in_several_batches_is_refused_and_the_rrn_suggested(config: TerminalConfig) -> None:
    journal = FakeJournal([txn(1, invoice=7)], ambiguous_invoices=frozenset({7}))
    with pytest.raises(TerminalRefusal, match="invoice 000007: invoice 000007 is in several batches") as refusal:
        find_refund_original(journal, config, invoice=7, rrn=None, local_date=None)
    assert refusal.value.screen == ("INVOICE IS AMBIGUOUS", "USE THE RRN")


def test_a_refund_by_rrn_and_date_finds_the_sale(config: TerminalConfig) -> None:
    sale = txn(1, rrn="000000000042")
    found = find_refund_original(FakeJournal([sale]), config, invoice=None, rrn="000000000042",
                                 local_date=f"{sale.transmitted_at:%m%d}")
    assert found == sale


def test_a_known_rrn_with_the_wrong_date_is_refused_with_the_sale_date(config: TerminalConfig) -> None:
    sale = txn(1, rrn="000000000042")
    with pytest.raises(TerminalRefusal, match="sent on 0309, not on 0101") as refusal:
        find_refund_original(FakeJournal([sale]), config, invoice=None, rrn="000000000042", local_date="0101")
    assert refusal.value.screen == ("WRONG ORIGINAL DATE", "SALE WAS ON 0309")


def test_an_unknown_rrn_is_refused_unless_unmatched_refunds_are_allowed(config: TerminalConfig) -> None:
    with pytest.raises(TerminalRefusal, match="allow_unmatched_refunds"):
        find_refund_original(FakeJournal(), config, invoice=None, rrn="000000000042", local_date=None)
    allowing = config.with_overrides(allow_unmatched_refunds=True)
    assert find_refund_original(FakeJournal(), allowing, invoice=None, rrn="000000000042", local_date=None) is None


def test_a_refund_naming_no_original_needs_unmatched_refunds_allowed(config: TerminalConfig) -> None:
    with pytest.raises(TerminalRefusal, match="unmatched refunds are not allowed") as refusal:
        find_refund_original(FakeJournal(), config, invoice=None, rrn=None, local_date=None)
    assert refusal.value.screen == ("ORIGINAL NEEDED", "GIVE RRN OR INVOICE")
    allowing = config.with_overrides(allow_unmatched_refunds=True)
    assert find_refund_original(FakeJournal(), allowing, invoice=None, rrn=None, local_date=None) is None


# -- refund rules ---------------------------------------------------------------------------------------------------

def test_a_refund_within_every_limit_passes(config: TerminalConfig) -> None:
    sale = txn(1)
    refund(FakeJournal([sale]), config, amount=1000, original=sale)


def test_a_refund_above_max_refund_amount_is_refused_in_the_currency(config: TerminalConfig) -> None:
    small = config.with_overrides(max_refund_amount=1000)
    with pytest.raises(TerminalRefusal, match=r"max_refund_amount: USD 10\.01 is above .* limit USD 10\.00"):
        refund(FakeJournal(), small, amount=1001)
    refund(FakeJournal(), small, amount=1000)  # the limit itself is allowed


def test_pin_on_refund_refuses_a_refund_without_a_pin(config: TerminalConfig) -> None:
    asking = config.with_overrides(pin_on_refund=True)
    with pytest.raises(TerminalRefusal, match="pin_on_refund") as refusal:
        refund(FakeJournal(), asking)
    assert refusal.value.screen == ("PIN REQUIRED", "FOR REFUNDS")
    refund(FakeJournal(), asking, has_pin=True)


def test_the_daily_refund_count_per_card_is_capped(config: TerminalConfig) -> None:
    two = config.with_overrides(max_refunds_per_card_per_day=2)
    today = [txn(i, kind=TxnType.REFUND, when=NOW - timedelta(hours=1)) for i in (1, 2)]
    with pytest.raises(TerminalRefusal, match="already had 2 refunds today"):
        refund(FakeJournal(today), two)
    refund(FakeJournal(today), two, card="card-b")  # another card has its own count


def test_yesterdays_refunds_do_not_count_towards_todays_cap(config: TerminalConfig) -> None:
    one = config.with_overrides(max_refunds_per_card_per_day=1)
    refund(FakeJournal([txn(1, kind=TxnType.REFUND, when=NOW - timedelta(days=1))]), one)


@pytest.mark.parametrize("original", [
    txn(1, kind=TxnType.REFUND), txn(1, status=TxnStatus.DECLINED), txn(1, voided_by=9),
], ids=["a refund", "a declined sale", "a voided sale"])
def test_only_an_approved_standing_sale_can_be_refunded(config: TerminalConfig, original: TransactionRecord) -> None:
    with pytest.raises(TerminalRefusal, match="is not an approved sale"):
        refund(FakeJournal([original]), config, original=original)


def test_a_sale_older_than_refund_max_age_days_is_refused(config: TerminalConfig) -> None:
    old = txn(1, when=NOW - timedelta(days=config.refund_max_age_days + 1))
    with pytest.raises(TerminalRefusal, match=f"is {config.refund_max_age_days + 1} days old") as refusal:
        refund(FakeJournal([old]), config, original=old)
    assert refusal.value.screen == (f"SALE TOO OLD: {config.refund_max_age_days + 1}D", "CALL THE ACQUIRER")


def test_the_refund_card_must_be_the_sale_card(config: TerminalConfig) -> None:
    sale = txn(1, card="card-b")
    with pytest.raises(TerminalRefusal, match="card does not match"):
        refund(FakeJournal([sale]), config, original=sale)


def test_a_refund_may_not_exceed_what_is_left_of_the_sale(config: TerminalConfig) -> None:
    sale = txn(1, amount=1000)
    earlier = txn(2, kind=TxnType.REFUND, amount=600, original_id=1, when=NOW - timedelta(days=2))
    journal = FakeJournal([sale, earlier])
    with pytest.raises(TerminalRefusal, match=r"exceeds the refundable remainder USD 4\.00 of invoice 000001"):
        refund(journal, config, amount=401, original=sale)
    refund(journal, config, amount=400, original=sale)


# -- void rules -----------------------------------------------------------------------------------------------------

def test_a_void_finds_the_approved_transaction_of_the_open_batch(config: TerminalConfig) -> None:
    sale = txn(1, invoice=3)
    assert check_void_original(FakeJournal([sale]), 3) == sale


def test_a_void_of_a_closed_batch_suggests_a_refund() -> None:
    journal = FakeJournal([txn(1, invoice=3, batch=1)], open_batch=2)
    with pytest.raises(TerminalRefusal, match="is in closed batch 000001; only the open batch 000002") as refusal:
        check_void_original(journal, 3)
    assert refusal.value.screen == ("BATCH CLOSED", "REFUND IT INSTEAD")


def test_a_void_of_an_unknown_invoice_is_refused() -> None:
    with pytest.raises(TerminalRefusal, match="invoice 000003 is not in the open batch"):
        check_void_original(FakeJournal(), 3)


def test_a_void_of_an_invoice_in_several_closed_batches_says_it_is_not_in_the_open_one() -> None:
    journal = FakeJournal([txn(1, invoice=3, batch=1)], open_batch=2, ambiguous_invoices=frozenset({3}))
    with pytest.raises(TerminalRefusal, match="not in the open batch"):
        check_void_original(journal, 3)


@pytest.mark.parametrize("record", [txn(1, invoice=3, kind=TxnType.VOID), txn(1, invoice=3, status=TxnStatus.DECLINED)],
                         ids=["a void", "a declined sale"])
def test_voids_and_unapproved_transactions_are_not_voidable(record: TransactionRecord) -> None:
    with pytest.raises(TerminalRefusal, match="not voidable"):
        check_void_original(FakeJournal([record]), 3)


def test_a_transaction_is_voided_once() -> None:
    with pytest.raises(TerminalRefusal, match="already voided"):
        check_void_original(FakeJournal([txn(1, invoice=3, voided_by=2)]), 3)
