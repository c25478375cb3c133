"""Host configuration (defaults and host.toml), the credit model, and the journal's guarantees."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from simulator.host import CreditChannel, HostJournal, load_host_config
from simulator.host.config import CreditModel, HostConfigError
from simulator.host.journal import RRN_BLOCK, Cause, Direction, Status, HostTransaction


def test_defaults_without_host_toml(tmp_path: Path) -> None:
    config = load_host_config(tmp_path)
    profile = config.terminals[TERMINAL_ID]
    assert (config.dialect, config.listen) == ("terminal87", "tcp://127.0.0.1:8583")
    assert (profile.merchant_id, profile.tmk, profile.allow_unmatched_refunds) == (
        MERCHANT_ID, TEST_KEYS.terminal_master_key, False)


def test_host_toml_overrides_terminals_and_credit(tmp_path: Path) -> None:
    (tmp_path / "host.toml").write_text(
        'dialect = "iso87ascii"\n[refund_credit]\nbatch_days = 5\n[refund_credit.channels]\namex = "RT"\n'
        '[[terminals]]\nterminal_id = "TERM0002"\nmerchant_id = "MERCHANT0000002"\nallow_unmatched_refunds = true\n')
    config = load_host_config(tmp_path)
    assert list(config.terminals) == ["TERM0002"] and config.terminals["TERM0002"].allow_unmatched_refunds
    assert config.dialect == "iso87ascii"
    assert (config.credit.batch_days, config.credit.channel_for("amex")) == (5, CreditChannel.REAL_TIME)


def test_bad_key_in_host_toml_names_the_key_not_its_value(tmp_path: Path) -> None:
    (tmp_path / "host.toml").write_text('[[terminals]]\ntmk = "C1D0F8FB4958670DBA40AB1F3752EFZZ"\n')
    with pytest.raises(HostConfigError, match="tmk") as caught:
        load_host_config(tmp_path)
    assert "C1D0" not in str(caught.value)


def test_batch_credit_skips_weekends_and_holidays() -> None:
    model = CreditModel(holidays=frozenset({date(2025, 3, 17)}))
    assert model.credit_for("amex", date(2025, 3, 14)) == (CreditChannel.BATCH, date(2025, 3, 19))


def test_real_time_credit_is_the_same_day() -> None:
    assert CreditModel().credit_for("visa", date(2025, 3, 15)) == (CreditChannel.REAL_TIME, date(2025, 3, 15))


def test_journal_uses_wal_and_full_sync(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "j.sqlite3")
    try:
        assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        journal.close()


def test_journal_keeps_savepoint_rollback_data_in_memory(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "j.sqlite3")
    try:
        assert journal._db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    finally:
        journal.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files")
def test_a_request_unit_larger_than_the_spill_size_opens_no_temp_file(tmp_path: Path) -> None:
    """A request's savepoint that changes more than SQLite's 64 KiB statement-journal spill size writes its
    rollback data to no temp file (one pwrite per page and request otherwise), and still rolls back whole."""
    journal = HostJournal(tmp_path / "j.sqlite3")

    def temp_files() -> list[str]:
        links = []
        for fd in Path("/proc/self/fd").iterdir():
            try:
                links.append(str(fd.readlink()))
            except OSError:
                continue
        return [link for link in links if "etilqs" in link]

    try:
        with journal.atomic():
            for stan in range(200):  # existing pages, so each one a savepoint changes is journaled
                journal.record_message(time=datetime.now(), peer="p", direction="in",
                                       stan=f"{stan:06d}", note="x" * 1000)
        with pytest.raises(RuntimeError), journal.atomic(), journal.atomic():
            for stan in range(200):
                journal._db.execute("UPDATE messages SET note = ? WHERE stan = ?", ("y" * 1000, f"{stan:06d}"))
            opened = temp_files()
            raise RuntimeError("the request fails")
        assert opened == []
        assert {row["note"] for row in journal.messages()} == {"x" * 1000}
    finally:
        journal.close()


def test_rrns_are_12_digits_and_unique_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    first = HostJournal(path)
    a = first.next_rrn()
    first.close()
    second = HostJournal(path)
    b = second.next_rrn()
    second.close()
    assert len(a) == len(b) == 12 and a != b


def test_an_rrn_block_whose_reservation_is_rolled_back_is_never_used(tmp_path: Path) -> None:
    """RRNs come from blocks reserved in the caller's transaction: a rolled-back reservation is forgotten, so
    the RRNs given after it are reserved on disk and a reopened journal continues beyond them."""
    path = tmp_path / "j.sqlite3"
    journal = HostJournal(path)
    with pytest.raises(RuntimeError), journal.atomic():
        journal.next_rrn()
        raise RuntimeError("the request fails")
    with journal.atomic():
        given = [journal.next_rrn() for _ in range(3)]
    journal.close()
    reopened = HostJournal(path)
    later = [reopened.next_rrn() for _ in range(3)]
    reopened.close()
    assert given == sorted(given) and min(later) > max(given)


def test_rrns_keep_increasing_past_a_block(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "j.sqlite3")
    with journal.atomic():
        rrns = [journal.next_rrn() for _ in range(2 * RRN_BLOCK + 3)]
    journal.close()
    assert rrns == sorted(set(rrns)) and all(len(rrn) == 12 for rrn in rrns)


def test_atomic_block_rolls_back_everything_on_error(tmp_path: Path) -> None:
    journal = HostJournal(tmp_path / "j.sqlite3")
    record = HostTransaction(time="t", terminal_id="T", stan="000001", transmission_time="0314100000",
                               mti="0200", response_code="00", status=Status.APPROVED)
    with pytest.raises(RuntimeError), journal.atomic():
        txn = journal.insert_transaction(record)
        journal.add_ledger_entry(time=__import__("datetime").datetime.now(), transaction_id=txn, terminal_id="T",
                                 direction=Direction.DEBIT, cause=Cause.SALE, amount=1, currency="840")
        raise RuntimeError
    assert journal.transactions() == [] and journal.ledger() == []
    journal.close()
