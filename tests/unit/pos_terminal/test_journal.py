"""The terminal journal: journal-before-send, reversals, counters, refund arithmetic, look-ups, card privacy."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pos_terminal.journal import (
    SCHEMA_VERSION,
    Journal,
    JournalError,
    card_fingerprint,
    load_or_create_secret,
)
from pos_terminal.state.records import (
    MessageDirection,
    NewTransaction,
    ReversalStatus,
    TxnStatus,
    TxnType,
    masked_pan,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PAN = "4761739001010119"
OTHER_PAN = "5413330089010434"
SECRET = bytes(range(32))
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sale(amount: int = 10_000, pan: str = PAN, currency: str = "840") -> NewTransaction:
    return NewTransaction(
        txn_type=TxnType.SALE,
        amount=amount,
        currency=currency,
        masked_pan=masked_pan(pan),
        card_fingerprint=card_fingerprint(SECRET, pan),
        card_brand="visa",
        entry_mode="chip",
        original_id=None,
        reason_code=None,
        processing_code="000000",
        mti="0200",
    )


def refund(original_id: int | None, amount: int, currency: str = "840") -> NewTransaction:
    return dataclasses.replace(
        sale(amount, currency=currency),
        txn_type=TxnType.REFUND,
        original_id=original_id,
        reason_code="01",
        processing_code="200000",
    )


def void(original_id: int, amount: int) -> NewTransaction:
    return dataclasses.replace(sale(amount), txn_type=TxnType.VOID, original_id=original_id, processing_code="020000")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    with Journal.open(path) as opened:
        yield opened


def approve(journal: Journal, txn_id: int, rrn: str | None = None, minutes: int = 1) -> None:
    journal.complete_transaction(
        txn_id,
        status=TxnStatus.APPROVED,
        response_code="00",
        rrn=rrn or f"{txn_id:012d}",
        auth_code="A1B2C3",
        now=at(minutes),
    )


def approved_sale(journal: Journal, amount: int = 10_000) -> int:
    txn = journal.begin_transaction(sale(amount), now=T0)
    approve(journal, txn.id)
    return txn.id


# ----------------------------------------------------------------------------- records and card identity


def test_masked_pan_keeps_first_six_and_last_four_digits() -> None:
    assert masked_pan("4761739001010119") == "476173******0119"


def test_masked_pan_hides_a_12_digit_pan_entirely() -> None:
    # First 6 + last 4 of 12 digits would show all but two: keys.masking masks such PANs whole.
    assert masked_pan("476173900101") == "************"


@pytest.mark.parametrize(
    "pan", ["", "47617390010", "4761 7390 0101 0119", "47617390010101190123", "４７６１７３９００１０１"]
)
def test_masked_pan_refuses_what_is_not_a_12_to_19_digit_pan(pan: str) -> None:
    with pytest.raises(ValueError) as caught:
        masked_pan(pan)
    assert "47617390010" not in str(caught.value)


def test_a_new_transaction_refuses_a_full_pan_as_masked_pan() -> None:
    with pytest.raises(ValueError, match="masked_pan"):
        dataclasses.replace(sale(), masked_pan=PAN)


def test_a_new_transaction_refuses_a_non_positive_or_non_integer_amount() -> None:
    for amount in (0, -5, 10.0, True):
        with pytest.raises(ValueError, match="amount"):
            dataclasses.replace(sale(), amount=amount)


def test_a_void_needs_an_original_and_a_sale_has_none() -> None:
    with pytest.raises(ValueError, match="void"):
        dataclasses.replace(sale(), txn_type=TxnType.VOID)
    with pytest.raises(ValueError, match="sale"):
        dataclasses.replace(sale(), original_id=1)


def test_card_fingerprint_is_hmac_sha256_hex_keyed_by_the_folder_secret() -> None:
    fingerprint = card_fingerprint(SECRET, PAN)
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    assert fingerprint == card_fingerprint(SECRET, PAN)
    assert fingerprint != card_fingerprint(SECRET, OTHER_PAN)
    assert fingerprint != card_fingerprint(bytes(32), PAN)
    assert PAN not in fingerprint


def test_load_or_create_secret_creates_32_random_bytes_in_an_owner_only_file(tmp_path: Path) -> None:
    secret_path = tmp_path / "data" / "fingerprint.key"
    secret = load_or_create_secret(secret_path)
    assert len(secret) == 32
    assert stat.S_IMODE(secret_path.stat().st_mode) == 0o600
    assert load_or_create_secret(secret_path) == secret
    assert load_or_create_secret(tmp_path / "other.key") != secret


def test_load_or_create_secret_refuses_a_file_readable_by_others(tmp_path: Path) -> None:
    secret_path = tmp_path / "fingerprint.key"
    load_or_create_secret(secret_path)
    secret_path.chmod(0o644)
    with pytest.raises(JournalError, match="0644"):
        load_or_create_secret(secret_path)


def test_load_or_create_secret_refuses_a_secret_of_the_wrong_length(tmp_path: Path) -> None:
    secret_path = tmp_path / "fingerprint.key"
    secret_path.write_text("00ff\n")
    secret_path.chmod(0o600)
    with pytest.raises(JournalError, match="2 bytes"):
        load_or_create_secret(secret_path)


# ----------------------------------------------------------------------------- opening


def test_open_creates_an_owner_only_wal_journal_with_a_schema_version(journal: Journal, path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_open_sets_synchronous_full_and_foreign_keys(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # synchronous=FULL matters on power loss, which no test can simulate: check the setting itself.
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def spy(*args: object, **kwargs: object) -> sqlite3.Connection:
        opened.append(real_connect(*args, **kwargs))  # type: ignore[arg-type]
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", spy)
    with Journal.open(path):
        [connection] = opened
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_open_refuses_a_journal_from_a_newer_schema(path: Path) -> None:
    Journal.open(path).close()
    with sqlite3.connect(path) as other:
        other.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(JournalError, match="schema version 99"):
        Journal.open(path)


def test_open_refuses_a_file_that_is_not_a_journal_naming_it(path: Path) -> None:
    path.write_bytes(b"not a database at all, just some text" * 10)
    with pytest.raises(JournalError, match=str(path)):
        Journal.open(path)


def test_a_closed_journal_refuses_further_calls(path: Path) -> None:
    journal = Journal.open(path)
    journal.close()
    journal.close()
    with pytest.raises(JournalError, match="closed"):
        journal.next_stan()


# ----------------------------------------------------------------------------- counters


def test_stan_and_invoice_start_at_one_and_count_up_independently(journal: Journal) -> None:
    assert [journal.next_stan() for _ in range(3)] == [1, 2, 3]
    assert journal.next_invoice() == 1


def test_stan_wraps_from_999999_to_1(journal: Journal, path: Path) -> None:
    with sqlite3.connect(path) as other:
        other.execute("UPDATE counters SET value = 999998 WHERE name IN ('stan', 'invoice')")
    assert [journal.next_stan() for _ in range(2)] == [999999, 1]
    assert [journal.next_invoice() for _ in range(2)] == [999999, 1]


def test_two_connections_to_one_journal_never_hand_out_the_same_stan(path: Path) -> None:
    with Journal.open(path) as first, Journal.open(path) as second:
        with ThreadPoolExecutor(max_workers=2) as pool:
            batches = list(pool.map(lambda journal: [journal.next_stan() for _ in range(50)], (first, second)))
    issued = batches[0] + batches[1]
    assert sorted(issued) == list(range(1, 101))


def test_batch_starts_at_one_and_close_batch_returns_the_new_number(journal: Journal) -> None:
    assert journal.current_batch() == 1
    assert journal.close_batch() == 2
    assert journal.current_batch() == 2


def test_counters_survive_reopen(path: Path) -> None:
    with Journal.open(path) as journal:
        journal.next_stan()
        journal.next_stan()
        journal.next_invoice()
        journal.close_batch()
        journal.set_counter("dukpt_tdes_counter", 41)
    with Journal.open(path) as journal:
        assert journal.next_stan() == 3
        assert journal.next_invoice() == 2
        assert journal.current_batch() == 2
        assert journal.get_counter("dukpt_tdes_counter", 0) == 41


def test_named_counters_default_until_set(journal: Journal) -> None:
    assert journal.get_counter("dukpt_aes_counter", 7) == 7
    journal.set_counter("dukpt_aes_counter", 8)
    assert journal.get_counter("dukpt_aes_counter", 7) == 8


def test_set_counter_refuses_the_journals_own_counters(journal: Journal) -> None:
    with pytest.raises(JournalError, match="stan"):
        journal.set_counter("stan", 1)


def test_close_batch_is_refused_while_a_reversal_is_pending(journal: Journal) -> None:
    journal.begin_transaction(sale(), now=T0)
    with pytest.raises(JournalError, match="reversal"):
        journal.close_batch()
    assert journal.current_batch() == 1


# ----------------------------------------------------------------------------- journal before send


def test_begin_transaction_journals_a_pending_transaction_in_the_open_batch(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(1_234), now=T0)
    assert (txn.status, txn.stan, txn.invoice, txn.batch) == (TxnStatus.PENDING, 1, 1, 1)
    assert (txn.txn_type, txn.amount, txn.currency, txn.mti) == (TxnType.SALE, 1_234, "840", "0200")
    assert txn.masked_pan == "476173******0119"
    assert txn.transmitted_at == T0 and txn.created_at == T0
    assert (txn.rrn, txn.response_code, txn.voided_by, txn.host_data) == (None, None, None, {})
    assert journal.get(txn.id) == txn


def test_begin_transaction_writes_the_pending_reversal_with_the_original_data(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(1_234), now=T0)
    [reversal] = journal.pending_reversals()
    assert (reversal.transaction_id, reversal.stan, reversal.transmitted_at, reversal.amount) == (
        txn.id,
        txn.stan,
        T0,
        1_234,
    )
    assert (reversal.status, reversal.attempts, reversal.last_attempt_at) == (ReversalStatus.PENDING, 0, None)


def test_begin_transaction_without_reversal_writes_none(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0, with_reversal=False)
    assert journal.pending_reversals() == []
    assert journal.reversal_for(txn.id) is None


def test_begin_transaction_refuses_a_naive_time(journal: Journal) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.begin_transaction(sale(), now=datetime(2024, 5, 1, 12, 0))


def test_times_in_another_zone_are_stored_as_utc(journal: Journal, path: Path) -> None:
    local = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    txn = journal.begin_transaction(sale(), now=local)
    assert txn.transmitted_at == T0 and txn.transmitted_at.utcoffset() == timedelta(0)
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT transmitted_at FROM transactions").fetchone()[0] == "2024-05-01T12:00:00.000000Z"


def test_a_crash_right_after_begin_transaction_leaves_the_transaction_and_its_reversal(path: Path) -> None:
    child = textwrap.dedent(
        f"""
        import os, signal, sys
        from datetime import datetime, UTC
        from pathlib import Path
        from pos_terminal.journal import Journal, card_fingerprint
        from pos_terminal.state.records import NewTransaction, TxnType, masked_pan

        journal = Journal.open(Path({str(path)!r}))
        new = NewTransaction(
            txn_type=TxnType.SALE, amount=4_200, currency="840", masked_pan=masked_pan({PAN!r}),
            card_fingerprint=card_fingerprint(bytes(range(32)), {PAN!r}), card_brand="visa",
            entry_mode="contactless", original_id=None, reason_code=None, processing_code="000000", mti="0200",
        )
        txn = journal.begin_transaction(new, now=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
        sys.stdout.write(f"{{txn.id}} {{txn.stan}}\\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    txn_id, stan = (int(part) for part in result.stdout.split())
    with Journal.open(path) as journal:
        txn = journal.get(txn_id)
        assert (txn.status, txn.stan, txn.amount) == (TxnStatus.PENDING, stan, 4_200)
        [reversal] = journal.pending_reversals()
        assert (reversal.transaction_id, reversal.stan, reversal.amount) == (txn_id, stan, 4_200)
        assert journal.next_stan() == stan + 1


# ----------------------------------------------------------------------------- responses


def test_an_approval_records_the_outcome_and_clears_the_reversal(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    done = journal.complete_transaction(
        txn.id,
        status=TxnStatus.APPROVED,
        response_code="00",
        rrn="412212000001",
        auth_code="123456",
        host_data={"credit_channel": "real-time"},
        now=at(1),
    )
    assert (done.status, done.response_code, done.rrn, done.auth_code) == (
        TxnStatus.APPROVED,
        "00",
        "412212000001",
        "123456",
    )
    assert done.host_data == {"credit_channel": "real-time"}
    assert (done.transmitted_at, done.updated_at) == (T0, at(1))
    assert journal.pending_reversals() == []


def test_a_decline_records_the_outcome_and_clears_the_reversal(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    done = journal.complete_transaction(
        txn.id, status=TxnStatus.DECLINED, response_code="05", rrn="412212000002", auth_code=None, now=at(1)
    )
    assert (done.status, done.response_code) == (TxnStatus.DECLINED, "05")
    assert journal.pending_reversals() == []


def test_a_transaction_is_completed_only_once(journal: Journal) -> None:
    txn_id = approved_sale(journal)
    with pytest.raises(JournalError, match="already approved"):
        approve(journal, txn_id)


def test_a_late_response_after_the_reversal_was_sent_is_refused(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    [reversal] = journal.pending_reversals()
    journal.note_reversal_attempt(reversal.id, at(1))
    with pytest.raises(JournalError, match="reversal"):
        approve(journal, txn.id, minutes=2)
    assert journal.get(txn.id).status is TxnStatus.PENDING
    assert [r.id for r in journal.pending_reversals()] == [reversal.id]


def test_complete_transaction_accepts_only_approved_or_declined(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    with pytest.raises(ValueError, match="approved or declined"):
        journal.complete_transaction(
            txn.id, status=TxnStatus.REVERSED, response_code="00", rrn=None, auth_code=None, now=at(1)
        )


def test_complete_transaction_of_an_unknown_id_names_it(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no transaction 42"):
        approve(journal, 42)


# ----------------------------------------------------------------------------- reversals


def test_pending_reversals_come_oldest_first(journal: Journal) -> None:
    first = journal.begin_transaction(sale(), now=T0)
    second = journal.begin_transaction(sale(), now=at(1))
    assert [r.transaction_id for r in journal.pending_reversals()] == [first.id, second.id]


def test_note_reversal_attempt_counts_attempts(journal: Journal) -> None:
    journal.begin_transaction(sale(), now=T0)
    [reversal] = journal.pending_reversals()
    journal.note_reversal_attempt(reversal.id, at(1))
    noted = journal.note_reversal_attempt(reversal.id, at(2))
    assert (noted.attempts, noted.last_attempt_at, noted.status) == (2, at(2), ReversalStatus.PENDING)


def test_acknowledge_reversal_marks_it_acked_and_the_transaction_reversed(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    [reversal] = journal.pending_reversals()
    journal.note_reversal_attempt(reversal.id, at(1))
    acked = journal.acknowledge_reversal(reversal.id, "00", at(2))
    assert (acked.status, acked.response_code) == (ReversalStatus.ACKED, "00")
    assert journal.get(txn.id).status is TxnStatus.REVERSED
    assert journal.pending_reversals() == []
    assert journal.reversal_for(txn.id) == acked


def test_a_duplicate_reversal_acknowledgement_changes_nothing(journal: Journal) -> None:
    journal.begin_transaction(sale(), now=T0)
    [reversal] = journal.pending_reversals()
    first = journal.acknowledge_reversal(reversal.id, "00", at(1))
    assert journal.acknowledge_reversal(reversal.id, "00", at(5)) == first


def test_an_acknowledged_reversal_is_not_attempted_again(journal: Journal) -> None:
    journal.begin_transaction(sale(), now=T0)
    [reversal] = journal.pending_reversals()
    journal.acknowledge_reversal(reversal.id, "00", at(1))
    with pytest.raises(JournalError, match="acked"):
        journal.note_reversal_attempt(reversal.id, at(2))


def test_an_unknown_reversal_is_named(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no reversal 7"):
        journal.acknowledge_reversal(7, "00", T0)


def test_an_approved_transaction_can_be_scheduled_for_reversal(journal: Journal) -> None:
    txn_id = approved_sale(journal)
    reversal = journal.schedule_reversal(txn_id, now=at(2))
    assert (reversal.transaction_id, reversal.stan, reversal.transmitted_at) == (txn_id, 1, T0)
    journal.acknowledge_reversal(reversal.id, "00", at(3))
    assert journal.get(txn_id).status is TxnStatus.REVERSED


def test_a_declined_transaction_is_not_scheduled_for_reversal(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    journal.complete_transaction(
        txn.id, status=TxnStatus.DECLINED, response_code="05", rrn=None, auth_code=None, now=T0
    )
    with pytest.raises(JournalError, match="declined"):
        journal.schedule_reversal(txn.id, now=at(1))


# ----------------------------------------------------------------------------- refunds


def test_refunded_amount_sums_approved_refunds_of_the_original(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    for amount in (1_000, 2_500):
        approve(journal, journal.begin_transaction(refund(sale_id, amount), now=at(2)).id)
    declined = journal.begin_transaction(refund(sale_id, 500), now=at(3))
    journal.complete_transaction(
        declined.id, status=TxnStatus.DECLINED, response_code="05", rrn=None, auth_code=None, now=at(3)
    )
    assert journal.refunded_amount(sale_id) == 3_500
    assert journal.refundable_remaining(sale_id) == 6_500


def test_a_voided_refund_no_longer_counts_as_refunded(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    refund_id = journal.begin_transaction(refund(sale_id, 4_000), now=at(2)).id
    approve(journal, refund_id)
    approve(journal, journal.begin_transaction(void(refund_id, 4_000), now=at(3)).id)
    assert journal.refunded_amount(sale_id) == 0
    assert journal.refundable_remaining(sale_id) == 10_000


def test_a_refund_above_the_remaining_amount_is_refused(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    approve(journal, journal.begin_transaction(refund(sale_id, 7_000), now=at(2)).id)
    with pytest.raises(JournalError, match="exceeds the refundable remainder 3000"):
        journal.begin_transaction(refund(sale_id, 3_001), now=at(3))
    assert journal.begin_transaction(refund(sale_id, 3_000), now=at(3)).status is TxnStatus.PENDING


def test_a_pending_refund_counts_against_a_new_refund(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    journal.begin_transaction(refund(sale_id, 6_000), now=at(2))
    with pytest.raises(JournalError, match="pending 6000"):
        journal.begin_transaction(refund(sale_id, 5_000), now=at(3))


def test_a_reversed_refund_frees_its_amount(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    journal.begin_transaction(refund(sale_id, 6_000), now=at(2))
    [reversal] = journal.pending_reversals()
    journal.acknowledge_reversal(reversal.id, "00", at(3))
    assert journal.begin_transaction(refund(sale_id, 10_000), now=at(4)).amount == 10_000


def test_a_refused_begin_consumes_no_stan_or_invoice(journal: Journal) -> None:
    sale_id = approved_sale(journal, 1_000)
    with pytest.raises(JournalError):
        journal.begin_transaction(refund(sale_id, 2_000), now=at(2))
    assert (journal.next_stan(), journal.next_invoice()) == (2, 2)


def test_nothing_is_refundable_on_a_declined_or_voided_sale(journal: Journal) -> None:
    declined = journal.begin_transaction(sale(), now=T0)
    journal.complete_transaction(
        declined.id, status=TxnStatus.DECLINED, response_code="51", rrn=None, auth_code=None, now=T0
    )
    voided = approved_sale(journal)
    approve(journal, journal.begin_transaction(void(voided, 10_000), now=at(2)).id)
    assert journal.refundable_remaining(declined.id) == 0
    assert journal.refundable_remaining(voided) == 0
    with pytest.raises(JournalError, match="declined"):
        journal.begin_transaction(refund(declined.id, 100), now=at(3))
    with pytest.raises(JournalError, match="voided"):
        journal.begin_transaction(refund(voided, 100), now=at(3))


def test_a_refund_refers_only_to_a_sale(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    refund_id = journal.begin_transaction(refund(sale_id, 100), now=at(2)).id
    approve(journal, refund_id)
    with pytest.raises(JournalError, match="only a sale"):
        journal.begin_transaction(refund(refund_id, 50), now=at(3))


def test_a_refund_in_another_currency_is_refused(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    with pytest.raises(JournalError, match="currency"):
        journal.begin_transaction(refund(sale_id, 100, currency="978"), now=at(2))


def test_an_unmatched_refund_has_no_original_to_check(journal: Journal) -> None:
    txn = journal.begin_transaction(refund(None, 5_000), now=T0)
    assert (txn.txn_type, txn.original_id) == (TxnType.REFUND, None)


def test_a_refund_of_an_unknown_original_is_refused(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no transaction 99"):
        journal.begin_transaction(refund(99, 100), now=T0)


# ----------------------------------------------------------------------------- voids


def test_an_approved_void_marks_its_original_voided(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    void_id = journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id
    assert journal.get(sale_id).voided_by is None
    approve(journal, void_id)
    original = journal.get(sale_id)
    assert (original.voided_by, original.is_voided, original.status) == (void_id, True, TxnStatus.APPROVED)


def test_a_declined_void_leaves_its_original_alone(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    void_id = journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id
    journal.complete_transaction(
        void_id, status=TxnStatus.DECLINED, response_code="12", rrn=None, auth_code=None, now=at(3)
    )
    assert journal.get(sale_id).voided_by is None


def test_a_refused_reversal_of_a_void_closes_it_and_the_void_stands(journal: Journal) -> None:
    """The host refused the reversal under its money rule (12): the void is approved, as the host says."""
    sale_id = approved_sale(journal)
    void_id = journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id
    [reversal] = journal.pending_reversals()
    journal.note_reversal_attempt(reversal.id, at(3))
    closed = journal.refuse_reversal(reversal.id, "12", at(4))
    assert (closed.status, closed.response_code, journal.pending_reversals()) == (ReversalStatus.ACKED, "12", [])
    assert journal.get(void_id).status is TxnStatus.APPROVED and journal.get(sale_id).voided_by == void_id


def test_a_reversed_approved_void_unvoids_its_original(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    void_id = journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id
    approve(journal, void_id)
    reversal = journal.schedule_reversal(void_id, now=at(3))
    journal.acknowledge_reversal(reversal.id, "00", at(4))
    assert journal.get(sale_id).voided_by is None


def test_a_second_void_of_the_same_transaction_is_refused(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    approve(journal, journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id)
    with pytest.raises(JournalError, match="voided by"):
        journal.begin_transaction(void(sale_id, 10_000), now=at(3))


def test_a_void_is_refused_while_another_void_of_it_is_pending(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    journal.begin_transaction(void(sale_id, 10_000), now=at(2))
    with pytest.raises(JournalError, match="still pending"):
        journal.begin_transaction(void(sale_id, 10_000), now=at(3))
    with pytest.raises(JournalError, match="still pending"):
        journal.begin_transaction(refund(sale_id, 100), now=at(3))


def test_a_void_must_be_for_the_original_amount(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    with pytest.raises(JournalError, match="amount"):
        journal.begin_transaction(void(sale_id, 9_999), now=at(2))


def test_a_void_is_refused_for_a_closed_batch(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    journal.close_batch()
    with pytest.raises(JournalError, match="closed batch 1"):
        journal.begin_transaction(void(sale_id, 10_000), now=at(2))


def test_a_sale_with_refunds_cannot_be_voided(journal: Journal) -> None:
    sale_id = approved_sale(journal, 10_000)
    approve(journal, journal.begin_transaction(refund(sale_id, 100), now=at(2)).id)
    with pytest.raises(JournalError, match="refunds"):
        journal.begin_transaction(void(sale_id, 10_000), now=at(3))


def test_a_void_cannot_cancel_a_void(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    void_id = journal.begin_transaction(void(sale_id, 10_000), now=at(2)).id
    approve(journal, void_id)
    with pytest.raises(JournalError):
        journal.begin_transaction(void(void_id, 10_000), now=at(3))


# ----------------------------------------------------------------------------- look-ups


def test_find_by_invoice_in_a_batch_or_in_any_batch(journal: Journal) -> None:
    first = approved_sale(journal)
    journal.close_batch()
    assert journal.find_by_invoice(1).id == first  # type: ignore[union-attr]
    assert journal.find_by_invoice(1, batch=1).id == first  # type: ignore[union-attr]
    assert journal.find_by_invoice(1, batch=2) is None
    assert journal.find_by_invoice(2) is None


def test_find_by_invoice_refuses_to_guess_between_batches(journal: Journal, path: Path) -> None:
    approved_sale(journal)
    journal.close_batch()
    with sqlite3.connect(path) as other:
        other.execute("UPDATE counters SET value = 0 WHERE name = 'invoice'")
    second = approved_sale(journal)
    with pytest.raises(JournalError, match="give the batch"):
        journal.find_by_invoice(1)
    assert journal.find_by_invoice(1, batch=2).id == second  # type: ignore[union-attr]


def test_find_by_rrn_with_and_without_the_original_date(journal: Journal) -> None:
    txn_id = approved_sale(journal)
    rrn = journal.get(txn_id).rrn
    assert rrn is not None
    assert journal.find_by_rrn(rrn).id == txn_id  # type: ignore[union-attr]
    assert journal.find_by_rrn(rrn, local_date="0501").id == txn_id  # type: ignore[union-attr]
    assert journal.find_by_rrn(rrn, local_date="0502") is None
    assert journal.find_by_rrn("999999999999") is None


def test_find_by_rrn_refuses_to_guess_between_equal_rrns(journal: Journal) -> None:
    first = journal.begin_transaction(sale(), now=T0)
    approve(journal, first.id, rrn="000000000001")
    second = journal.begin_transaction(sale(), now=T0 + timedelta(days=1))
    approve(journal, second.id, rrn="000000000001")
    with pytest.raises(JournalError, match="give the original date"):
        journal.find_by_rrn("000000000001")
    assert journal.find_by_rrn("000000000001", local_date="0502").id == second.id  # type: ignore[union-attr]


def test_transactions_filter_by_batch_and_type(journal: Journal) -> None:
    sale_id = approved_sale(journal)
    refund_id = journal.begin_transaction(refund(sale_id, 100), now=at(2)).id
    approve(journal, refund_id)
    journal.close_batch()
    later = journal.begin_transaction(sale(), now=at(3)).id
    assert [t.id for t in journal.transactions()] == [sale_id, refund_id, later]
    assert [t.id for t in journal.transactions(batch=1)] == [sale_id, refund_id]
    assert [t.id for t in journal.transactions(txn_type=TxnType.SALE)] == [sale_id, later]
    assert [t.id for t in journal.transactions(batch=2, txn_type=TxnType.REFUND)] == []


def test_last_transaction_is_the_most_recent_or_none(journal: Journal) -> None:
    assert journal.last_transaction() is None
    journal.begin_transaction(sale(), now=T0)
    latest = journal.begin_transaction(sale(), now=at(1))
    assert journal.last_transaction() == latest


def test_get_of_an_unknown_id_names_it(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no transaction 5"):
        journal.get(5)


# ----------------------------------------------------------------------------- messages and events


def test_messages_are_kept_in_order_and_limit_returns_the_latest(journal: Journal) -> None:
    txn = journal.begin_transaction(sale(), now=T0)
    journal.record_message("out", "0200", txn.stan, "MTI 0200 ...", transaction_id=txn.id, now=T0)
    journal.record_message(MessageDirection.IN, "0210", txn.stan, "MTI 0210 ...", transaction_id=txn.id, now=at(1))
    journal.record_message("out", "0800", None, "MTI 0800", now=at(2))
    messages = journal.messages()
    assert [(m.direction, m.mti, m.stan, m.transaction_id) for m in messages] == [
        (MessageDirection.OUT, "0200", 1, txn.id),
        (MessageDirection.IN, "0210", 1, txn.id),
        (MessageDirection.OUT, "0800", None, None),
    ]
    assert messages[1].at == at(1)
    assert [m.mti for m in journal.messages(limit=2)] == ["0210", "0800"]


def test_record_message_refuses_an_unknown_direction(journal: Journal) -> None:
    with pytest.raises(ValueError):
        journal.record_message("sideways", "0200", 1, "", now=T0)


def test_events_keep_their_kind_detail_and_time(journal: Journal) -> None:
    journal.record_event("sign-on", {"response_code": "00", "kcv": "08D7B4"}, now=T0)
    journal.record_event("supervisor-lockout", {"tries": 3}, now=at(1))
    events = journal.events()
    assert [(e.kind, e.detail, e.at) for e in events] == [
        ("sign-on", {"response_code": "00", "kcv": "08D7B4"}, T0),
        ("supervisor-lockout", {"tries": 3}, at(1)),
    ]
    assert [e.kind for e in journal.events(kind="supervisor-lockout")] == ["supervisor-lockout"]


def test_record_event_refuses_a_detail_that_is_not_json(journal: Journal) -> None:
    with pytest.raises(ValueError, match="detail"):
        journal.record_event("x", {"when": object()}, now=T0)


# ----------------------------------------------------------------------------- privacy


def test_the_journal_files_never_contain_the_full_pan(path: Path) -> None:
    with Journal.open(path) as journal:
        sale_id = approved_sale(journal)
        approve(journal, journal.begin_transaction(refund(sale_id, 100), now=at(2)).id)
        journal.begin_transaction(sale(pan=OTHER_PAN), now=at(3))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert PAN.encode() not in stored
    assert OTHER_PAN.encode() not in stored
    assert masked_pan(PAN).encode() in stored


def test_recent_transactions_are_the_newest_in_journal_order(journal: Journal) -> None:
    ids = [journal.begin_transaction(sale(amount), now=T0).id for amount in (100, 200, 300)]
    assert [record.id for record in journal.recent_transactions(2)] == ids[1:]


def test_check_original_refuses_what_begin_would_refuse_without_writing(journal: Journal) -> None:
    sale_id = approved_sale(journal, 1_000)
    before = journal.transactions()
    with pytest.raises(JournalError, match="exceeds the refundable remainder 1000"):
        journal.check_original(refund(sale_id, 1_001))
    journal.check_original(refund(sale_id, 1_000))  # allowed: no error
    assert journal.transactions() == before
