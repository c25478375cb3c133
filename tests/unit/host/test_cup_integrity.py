"""cup-pos: what the host must not be fooled into (issue 20, items 4, 5 and 8; issue 23: the sign-on rate limit).

* Item 8: two devices with one terminal ID send the same voucher (DE 11) in the same batch: the
  second is not a repeat of the first when it carries another card; it is 94, never the first's
  stored approval with no money moved.
* Item 4: an end of upload closes a batch only after the terminal asked for its settlement (an
  unbalanced 0500 of that batch) and uploaded: otherwise 12. Issue 23: the 0500 and 0320 travel
  unsigned, as the CUP field description sends them (host.toml ``cup_batch_mac = "accept"``, the
  default), and a DE 64 they carry must verify (a wrong one is A0, nothing journaled);
  ``"require"`` refuses an unsigned one with A0 and journals no settlement.
* Item 5: a sign-on carries no MAC; by default (``cup_sign_on = "hardened"``) the terminal's current
  working keys stay in force until a request first verifies under the new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from emv.cards import EntryMode
from iso8583.codec import encode
from pos_terminal.profiles.cup import requests
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.records import TxnType
from protocols.cup import CardTotals, SettlementTotals, apply_mac, verify_frame_mac
from protocols.cup.upload import CardGroup, UploadEntry, UploadList
from protocols.defaults import TERMINAL_ID
from simulator.host import load_host_config
from simulator.host.config import CupBatchMac, CupSignOn, HostConfig, HostConfigError
from simulator.host.journal import HostJournal
from simulator.host.logic import HostLogic
from tests.unit.host.test_cup_logic import CONFIG, DIALECT, NOW, CupTerminal, host, terminal  # noqa: F401 - fixtures

__all__ = ["host", "terminal"]


def sale_with(terminal: CupTerminal, card_name: str, stan: int, amount: int = 5000):  # noqa: ANN201
    record = terminal.record(TxnType.SALE, amount, code="000000", stan=stan)
    return terminal.send(requests.sale_request(record, CONFIG, present_test_card(card_name, EntryMode.SWIPE)))


def test_a_sale_with_another_card_under_a_used_voucher_is_94_not_the_first_approval(terminal: CupTerminal) -> None:
    terminal.sign_on()
    first = sale_with(terminal, "unionpay_debit", stan=7)
    second = sale_with(terminal, "unionpay_credit", stan=7)
    assert (first.response_code, second.response_code) == ("00", "94")
    assert not second.retransmission


def test_the_same_sale_sent_again_is_a_repeat(terminal: CupTerminal) -> None:
    terminal.sign_on()
    first = sale_with(terminal, "unionpay_debit", stan=7)
    again = sale_with(terminal, "unionpay_debit", stan=7)
    assert again.retransmission and again.response[38] == first.response[38]
    approved = [t for t in HostJournal(terminal.host.config.journal_path).transactions(TERMINAL_ID)
                if t.response_code == "00"]
    assert len(approved) == 1


def test_a_refund_repeated_after_a_restart_without_card_data_is_still_a_repeat(terminal: CupTerminal) -> None:
    terminal.sign_on()
    first_sale = sale_with(terminal, "unionpay_debit", stan=1)
    sale = replace(terminal.record(TxnType.SALE, 5000, code="000000", stan=1), rrn=first_sale.response[37])
    refund = terminal.record(TxnType.REFUND, 1000, code="200000", mti="0220", stan=2)
    card = present_test_card("unionpay_debit", EntryMode.SWIPE)
    first = terminal.send(requests.refund_request(refund, CONFIG, card, original=sale))
    repeat = terminal.send(requests.refund_request(refund, CONFIG, None, original=sale))
    assert (first.response_code, repeat.response_code) == ("00", "00") and repeat.retransmission


def test_a_refund_repeat_with_another_card_is_94(terminal: CupTerminal) -> None:
    terminal.sign_on()
    first_sale = sale_with(terminal, "unionpay_debit", stan=1)
    sale = replace(terminal.record(TxnType.SALE, 5000, code="000000", stan=1), rrn=first_sale.response[37])
    refund = terminal.record(TxnType.REFUND, 1000, code="200000", mti="0220", stan=2)
    debit = present_test_card("unionpay_debit", EntryMode.SWIPE)
    credit = present_test_card("unionpay_credit", EntryMode.SWIPE)
    assert terminal.send(requests.refund_request(refund, CONFIG, debit, original=sale)).response_code == "00"
    assert terminal.send(requests.refund_request(refund, CONFIG, credit, original=sale)).response_code == "94"


# -- item 4: only a settlement that was requested and then uploaded closes a batch --------------

def uploaded(*sales: tuple[int, int]) -> UploadList:
    """DE 48 of a 0320 listing ``(voucher, amount)`` sales of domestic cards."""
    return UploadList(tuple(UploadEntry(CardGroup.DOMESTIC, f"{voucher:06d}", amount) for voucher, amount in sales))


def settled_batches(terminal: CupTerminal) -> list[tuple[int, str, str]]:
    journal = HostJournal(terminal.host.config.journal_path)
    return [(s.batch, s.basis.value, s.response_code) for s in journal.settlements(TERMINAL_ID)]


def test_an_end_of_upload_with_no_settlement_before_it_is_refused_12_and_closes_nothing(
    terminal: CupTerminal,
) -> None:
    terminal.sign_on()
    sale_with(terminal, "unionpay_debit", stan=1)
    end = requests.upload_end_request(terminal.next_stan(), CONFIG, 1, 0, balanced=False)
    assert terminal.send(end, sign=False).response_code == "12"
    assert settled_batches(terminal) == []


def test_an_upload_with_no_settlement_before_it_is_refused_12(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    upload = requests.sales_upload_request(terminal.next_stan(), CONFIG, 1, uploaded((sale.stan, sale.amount)))
    assert terminal.send(upload, sign=False).response_code == "12"


def test_an_unbalanced_settlement_then_its_upload_closes_the_batch(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale(5000)
    claimed = SettlementTotals(CardTotals(4000, 1), None)
    assert terminal.send(requests.settlement_request(terminal.next_stan(), CONFIG, 1, claimed),
                         sign=False).response_code == "00"
    assert terminal.send(requests.sales_upload_request(terminal.next_stan(), CONFIG, 1, uploaded((sale.stan, sale.amount))),
                         sign=False).response_code == "00"
    end = requests.upload_end_request(terminal.next_stan(), CONFIG, 1, 1, balanced=False)
    assert terminal.send(end, sign=False).response_code == "00"
    assert terminal.send(end, sign=False).response_code == "00"  # the same end again: a repeat, nothing new
    assert settled_batches(terminal) == [(1, "journal", "95"), (1, "upload", "00")]


def test_a_second_end_of_upload_after_the_batch_closed_is_refused(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.sale(5000)
    claimed = SettlementTotals(CardTotals(4000, 1), None)
    terminal.send(requests.settlement_request(terminal.next_stan(), CONFIG, 1, claimed), sign=False)
    terminal.send(requests.upload_end_request(terminal.next_stan(), CONFIG, 1, 0, balanced=False), sign=False)
    other = requests.upload_end_request(terminal.next_stan(), CONFIG, 1, 0, balanced=False)
    assert terminal.send(other, sign=False).response_code == "12"
    assert len(settled_batches(terminal)) == 2


# -- item 5: a sign-on from a peer without the TMK does not lock the terminal out ---------------

def hostile_sign_on(terminal: CupTerminal) -> None:
    """A peer that knows the terminal ID but not the TMK: it gets DE 62 it cannot decipher."""
    assert terminal.send(requests.sign_on_request(90, CONFIG, 1), sign=False).response_code == "00"


def test_a_sign_on_from_another_peer_leaves_the_terminals_keys_in_force(terminal: CupTerminal) -> None:
    terminal.sign_on()
    assert terminal.sale()[1].response_code == "00"
    hostile_sign_on(terminal)
    _, decision = terminal.sale()
    assert decision.response_code == "00"


def test_the_new_keys_become_current_when_the_terminal_first_uses_them(terminal: CupTerminal) -> None:
    terminal.sign_on()
    assert terminal.sale()[1].response_code == "00"
    old_mak = terminal.mak
    terminal.sign_on()
    assert terminal.sale()[1].response_code == "00"
    terminal.mak = old_mak  # the keys before the last sign-on are gone once the new ones were used
    assert terminal.sale()[1].response_code == "A0"


def test_a_request_under_the_old_keys_after_a_sign_on_still_verifies(terminal: CupTerminal) -> None:
    terminal.sign_on()
    assert terminal.sale()[1].response_code == "00"
    old_mak = terminal.mak
    terminal.sign_on()
    new_mak, terminal.mak = terminal.mak, old_mak
    assert terminal.sale()[1].response_code == "00"
    terminal.mak = new_mak
    assert terminal.sale()[1].response_code == "00"


def test_the_standard_sign_on_replaces_the_keys_at_once(tmp_path: Path) -> None:
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos", cup_sign_on=CupSignOn.STANDARD,
                                 cup_sign_on_interval_seconds=0))
    try:
        terminal = CupTerminal(logic)
        terminal.sign_on()
        assert terminal.sale()[1].response_code == "00"
        hostile_sign_on(terminal)
        assert terminal.sale()[1].response_code == "A0"
    finally:
        logic.close()


def test_host_toml_chooses_the_sign_on_behaviour_and_refuses_other_values(tmp_path: Path) -> None:
    (tmp_path / "host.toml").write_text('cup_sign_on = "standard"\n', encoding="utf-8")
    assert load_host_config(tmp_path).cup_sign_on is CupSignOn.STANDARD
    (tmp_path / "host.toml").write_text('cup_sign_on = "lenient"\n', encoding="utf-8")
    with pytest.raises(HostConfigError, match="cup_sign_on"):
        load_host_config(tmp_path)


def test_a_sign_on_before_the_new_keys_are_used_gets_the_same_keys_again(terminal: CupTerminal) -> None:
    terminal.sign_on()
    assert terminal.sale()[1].response_code == "00"
    delivered = terminal.sign_on().response[62]
    hostile = terminal.send(requests.sign_on_request(90, CONFIG, 1), sign=False)
    assert hostile.response[62] == delivered  # nothing new: useless without the TMK, harmless to the terminal
    assert terminal.sale()[1].response_code == "00"


def test_after_the_new_keys_were_used_a_sign_on_issues_fresh_ones(terminal: CupTerminal) -> None:
    terminal.sign_on()
    first = terminal.mak
    assert terminal.sale()[1].response_code == "00"
    terminal.sign_on()
    assert terminal.mak != first


# -- sign-ons are rate-limited: at most one new set of keys per terminal per interval ----------

def limited_terminal(tmp_path: Path, **config: object) -> tuple[HostLogic, CupTerminal]:
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos", cup_sign_on_interval_seconds=60,
                                 **config))  # type: ignore[arg-type]
    return logic, CupTerminal(logic)


@pytest.mark.parametrize("mode", [CupSignOn.HARDENED, CupSignOn.STANDARD])
def test_sign_ons_within_the_interval_get_the_same_keys_and_journal_one_session(tmp_path: Path,
                                                                                mode: CupSignOn) -> None:
    logic, terminal = limited_terminal(tmp_path, cup_sign_on=mode)
    try:
        first = terminal.sign_on().response[62]
        assert terminal.sale()[1].response_code == "00"  # the keys are in use (current)
        flood = [terminal.send(requests.sign_on_request(100 + n, CONFIG, 1), sign=False) for n in range(20)]
        assert {decision.response[62] for decision in flood} == {first}
        assert terminal.sale()[1].response_code == "00"
        assert len(HostJournal(logic.config.journal_path).sessions(TERMINAL_ID)) == 1
    finally:
        logic.close()


def test_a_sign_on_for_another_key_scheme_within_the_interval_is_12(tmp_path: Path) -> None:
    logic, terminal = limited_terminal(tmp_path)
    try:
        terminal.sign_on()
        single = replace(CONFIG, cup_sign_on_keys="001")
        assert terminal.send(requests.sign_on_request(9, single, 1), sign=False).response_code == "12"
        assert terminal.sale()[1].response_code == "00"
    finally:
        logic.close()


def test_after_the_interval_a_sign_on_issues_new_keys(tmp_path: Path) -> None:
    logic, terminal = limited_terminal(tmp_path)
    try:
        first = terminal.sign_on().response[62]
        assert terminal.sale()[1].response_code == "00"
        later = requests.sign_on_request(9, CONFIG, 1)
        decision = logic.handle_bytes(encode(later, DIALECT), now=NOW + timedelta(seconds=61), peer="test")
        assert decision.response_code == "00" and decision.response[62] != first
        assert len(HostJournal(logic.config.journal_path).sessions(TERMINAL_ID)) == 2
    finally:
        logic.close()


# -- issue 23: host.toml cup_batch_mac ---------------------------------------------------------

SPOOFED_TOTALS = SettlementTotals(CardTotals(5000, 1), None)


@pytest.fixture
def requiring(tmp_path: Path) -> Iterator[CupTerminal]:
    """A terminal of a host with ``cup_batch_mac = "require"``."""
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos", cup_sign_on_interval_seconds=0,
                                 cup_batch_mac=CupBatchMac.REQUIRE))
    yield CupTerminal(logic)
    logic.close()


def test_by_default_an_unsigned_settlement_is_taken_and_answered_unsigned(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.sale(5000)
    decision = terminal.send(requests.settlement_request(90, CONFIG, 1, SPOOFED_TOTALS), sign=False)
    assert (decision.response_code, 64 in decision.response) == ("00", False)
    assert settled_batches(terminal) == [(1, "journal", "00")]


def test_by_default_a_settlement_with_a_wrong_mac_is_a0_and_journals_no_settlement(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.sale(5000)
    forged = apply_mac(requests.settlement_request(90, CONFIG, 1, SPOOFED_TOTALS), bytes(range(16)), DIALECT)
    decision = terminal.send(forged, sign=False)
    assert (decision.response_code, 64 in decision.response) == ("A0", False)
    assert settled_batches(terminal) == []


def test_by_default_a_signed_settlement_gets_a_maced_answer(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.sale(5000)
    decision = terminal.send(requests.settlement_request(90, CONFIG, 1, SPOOFED_TOTALS))
    assert decision.response_code == "00"
    verify_frame_mac(decision.response_bytes, terminal.mak)
    assert settled_batches(terminal) == [(1, "journal", "00")]


def test_under_require_a_settlement_without_a_mac_is_a0_and_journals_no_settlement(requiring: CupTerminal) -> None:
    requiring.sign_on()
    requiring.sale(5000)
    decision = requiring.send(requests.settlement_request(90, CONFIG, 1, SPOOFED_TOTALS), sign=False)
    assert (decision.response_code, 64 in decision.response) == ("A0", False)
    assert settled_batches(requiring) == []


def test_under_require_an_end_of_upload_without_a_mac_is_a0(requiring: CupTerminal) -> None:
    requiring.sign_on()
    requiring.sale(5000)
    end = requests.upload_end_request(90, CONFIG, 1, 0, balanced=True)
    assert requiring.send(end, sign=False).response_code == "A0"
    assert settled_batches(requiring) == []


def test_under_require_a_settlement_answer_is_maced(requiring: CupTerminal) -> None:
    requiring.sign_on()
    requiring.sale(5000)
    decision = requiring.send(requests.settlement_request(90, CONFIG, 1, SPOOFED_TOTALS))
    assert decision.response_code == "00"
    verify_frame_mac(decision.response_bytes, requiring.mak)
    assert settled_batches(requiring) == [(1, "journal", "00")]


@pytest.mark.parametrize(("text", "expected"), [
    ("", CupBatchMac.ACCEPT), ('cup_batch_mac = "accept"\n', CupBatchMac.ACCEPT),
    ('cup_batch_mac = "require"\n', CupBatchMac.REQUIRE),
])
def test_host_toml_cup_batch_mac_defaults_to_accept(tmp_path: Path, text: str, expected: CupBatchMac) -> None:
    (tmp_path / "host.toml").write_text(text)
    assert load_host_config(tmp_path).cup_batch_mac is expected


@pytest.mark.parametrize("value", ['"required"', "true", '""'])
def test_host_toml_cup_batch_mac_refuses_other_values_naming_them(tmp_path: Path, value: str) -> None:
    (tmp_path / "host.toml").write_text(f"cup_batch_mac = {value}\n")
    with pytest.raises(HostConfigError, match=r'cup_batch_mac: expected "accept" or "require", got'):
        load_host_config(tmp_path)
