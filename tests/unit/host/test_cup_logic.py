"""The host's ``cup-pos`` handler set, sans I/O: the requests a CUP terminal sends, the answers it gets.

Requests are built with the terminal's own builders (pos_terminal.profiles.cup.requests) and MACed with
the working keys the host's sign-on answer delivered, deciphered under the test TMK as a terminal
does; answers are decoded and checked field by field (docs/protocol.md, "The cup-pos profile").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emv.cards import EntryMode
from iso8583.codec import decode, encode
from iso8583.cup_header import CupHeader
from iso8583.dialects import get_dialect
from iso8583.message import Message
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import TerminalConfig
from protocols.cup import (
    CardTotals,
    SettlementTotals,
    SignOnKeys,
    apply_mac,
    unwrap_working_keys,
    verify_frame_mac,
)
from pos_terminal.profiles.cup import requests
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from pos_terminal.state.passwords import hash_password
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from simulator.host.config import HostConfig
from simulator.host.decision import HostDecision
from simulator.host.journal import HostJournal, Status
from simulator.host.logic import HostLogic

DIALECT = get_dialect("cup-pos")
NOW = datetime(2024, 9, 15, 10, 30, tzinfo=UTC)
CONFIG = TerminalConfig(dialect="cup-pos", currency="156", supervisor_password_hash=hash_password("0000", iterations=1))


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostLogic]:
    """A cup-pos host without the sign-on rate limit (every request here is at ``NOW``: the tests of the
    limit, tests/unit/host/test_cup_integrity.py, set it)."""
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos", cup_sign_on_interval_seconds=0))
    yield logic
    logic.close()


@dataclass
class CupTerminal:
    """Just enough of a CUP terminal: STANs, the working MAK, and a way to send."""

    host: HostLogic
    stan: int = 0
    mak: bytes | None = None

    def send(self, message: Message, *, sign: bool = True) -> HostDecision:
        if sign and self.mak is not None:
            message = apply_mac(message, self.mak, DIALECT)
        return self.host.handle_bytes(encode(message, DIALECT), now=NOW, peer="test")

    def next_stan(self) -> int:
        self.stan += 1
        return self.stan

    def sign_on(self) -> HostDecision:
        decision = self.send(requests.sign_on_request(self.next_stan(), CONFIG, 1), sign=False)
        keys = unwrap_working_keys(TEST_KEYS.terminal_master_key, SignOnKeys.decode(decision.response[62]))
        self.mak = keys.mak
        return decision

    def record(self, kind: TxnType, amount: int, *, code: str, mti: str = "0200", stan: int | None = None,
               rrn: str | None = None) -> TransactionRecord:
        stan = self.next_stan() if stan is None else stan
        return TransactionRecord(
            id=stan, invoice=stan, stan=stan, batch=1, txn_type=kind, status=TxnStatus.PENDING, amount=amount,
            currency="156", masked_pan="621626*********0018", card_fingerprint="0" * 64, card_brand="unionpay",
            entry_mode="swipe", processing_code=code, mti=mti, original_id=None, reason_code=None, rrn=rrn,
            auth_code=None, response_code=None, voided_by=None, transmitted_at=NOW, created_at=NOW, updated_at=NOW,
            host_data={},
        )

    def sale(self, amount: int = 5000) -> tuple[TransactionRecord, HostDecision]:
        sale = self.record(TxnType.SALE, amount, code="000000")
        card = present_test_card("unionpay_debit", EntryMode.SWIPE)
        decision = self.send(requests.sale_request(sale, CONFIG, card))
        return replace(sale, rrn=decision.response.get(37), status=TxnStatus.APPROVED), decision


@pytest.fixture
def terminal(host: HostLogic) -> CupTerminal:
    return CupTerminal(host)


def test_the_sign_on_answer_carries_keys_under_the_tmk_and_no_mac(terminal: CupTerminal) -> None:
    decision = terminal.sign_on()
    answer = decision.response
    assert (answer.mti, answer[39], answer[60]) == ("0810", "00", "00000001003")
    assert 64 not in answer and len(answer[62]) == 40
    keys = terminal.host.keyring.next_keys(TERMINAL_ID)  # current once a request uses them (cup_sign_on)
    assert terminal.mak == keys.request_mac_key


def test_the_answer_header_swaps_the_tpdu_addresses(terminal: CupTerminal) -> None:
    header = CupHeader.parse(terminal.sign_on().response.header)
    assert (header.tpdu.destination, header.tpdu.source) == (0x0000, 0x0001)


def test_a_sale_answer_is_maced_with_the_mak(terminal: CupTerminal) -> None:
    terminal.sign_on()
    _, decision = terminal.sale()
    assert decision.response_code == "00"
    verify_frame_mac(decision.response_bytes, terminal.mak)


def test_an_unknown_terminal_gets_03_unsigned(terminal: CupTerminal) -> None:
    other = replace(CONFIG, terminal_id="NOBODY01")
    decision = terminal.send(requests.sign_on_request(1, other, 1), sign=False)
    assert (decision.response_code, 64 in decision.response) == ("03", False)


def test_a_wrong_mac_gets_a0_and_a_header_asking_to_sign_on_again(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.mak = bytes(16)
    _, decision = terminal.sale()
    assert (decision.response_code, 64 in decision.response) == ("A0", False)
    assert CupHeader.parse(decision.response.header).message.processing_request == "3"
    assert HostJournal(terminal.host.config.journal_path).net_debit() == 0


def test_a_financial_request_before_any_sign_on_gets_a0(terminal: CupTerminal) -> None:
    terminal.mak = bytes(16)
    assert terminal.sale()[1].response_code == "A0"


@pytest.mark.parametrize(("scheme", "length", "key_lengths"), [
    ("001", 24, (8, 8, None)), ("003", 40, (16, 16, None)), ("004", 60, (16, 16, 16)),
])
def test_each_sign_on_key_scheme_of_the_field_description_is_served(
    terminal: CupTerminal, scheme: str, length: int, key_lengths: tuple[int, int, int | None]
) -> None:
    """60.3 = 001: single-length PIK and MAK; 003: double-length; 004: double-length and a track data key."""
    config = replace(CONFIG, cup_sign_on_keys=scheme)
    answer = terminal.send(requests.sign_on_request(terminal.next_stan(), config, 1), sign=False).response
    assert (answer[39], answer[60][-3:], len(answer[62])) == ("00", scheme, length)
    keys = unwrap_working_keys(TEST_KEYS.terminal_master_key, SignOnKeys.decode(answer[62]))
    assert (len(keys.pik), len(keys.mak), keys.tdk and len(keys.tdk)) == key_lengths
    terminal.mak = keys.mak
    assert terminal.sale()[1].response_code == "00"  # MACed under the MAK the scheme delivered (DES for 001)


def test_a_sign_on_of_another_scheme_gets_new_keys_of_that_scheme(terminal: CupTerminal) -> None:
    double = terminal.send(requests.sign_on_request(1, CONFIG, 1), sign=False).response[62]
    single = terminal.send(requests.sign_on_request(2, replace(CONFIG, cup_sign_on_keys="001"), 1), sign=False)
    assert len(double) == 40 and len(single.response[62]) == 24
    again = terminal.send(requests.sign_on_request(3, replace(CONFIG, cup_sign_on_keys="001"), 1), sign=False)
    assert again.response[62] == single.response[62]  # hardened: the same next keys until a request uses them


def test_a_repeat_with_other_content_is_a_duplicate(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    refund = terminal.record(TxnType.REFUND, 1000, code="200000", mti="0220")
    first = terminal.send(requests.refund_request(refund, CONFIG, None, original=sale))
    repeat = terminal.send(requests.refund_request(refund, CONFIG, None, original=sale))
    altered = terminal.send(requests.refund_request(replace(refund, amount=1001), CONFIG, None, original=sale))
    assert (first.response_code, repeat.response_code, altered.response_code) == ("00", "00", "94")
    assert repeat.retransmission and repeat.response[37] == first.response[37]


def test_a_refund_without_card_data_is_credited_to_the_sale_card(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    refund = terminal.record(TxnType.REFUND, 1000, code="200000", mti="0220")
    answer = terminal.send(requests.refund_request(refund, CONFIG, None, original=sale)).response
    journal = HostJournal(terminal.host.config.journal_path)
    credited = journal.find_by_rrn(TERMINAL_ID, answer[37])
    assert (credited.masked_pan, credited.processing_code, credited.mti) == ("621626*********0018", "200000", "0200")


def test_a_refund_naming_another_voucher_than_the_rrns_sale_is_25(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    refund = terminal.record(TxnType.REFUND, 1000, code="200000", mti="0220")
    wrong = replace(sale, stan=sale.stan + 50)
    assert terminal.send(requests.refund_request(refund, CONFIG, None, original=wrong)).response_code == "25"


def test_a_void_must_be_for_the_full_amount(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    void = terminal.record(TxnType.VOID, 4000, code="200000")
    assert terminal.send(requests.void_request(void, sale, CONFIG)).response_code == "13"


def test_a_reversal_that_overtakes_its_void_makes_the_void_a_duplicate(terminal: CupTerminal) -> None:
    terminal.sign_on()
    sale, _ = terminal.sale()
    void = terminal.record(TxnType.VOID, sale.amount, code="200000")
    reversal = terminal.send(requests.reversal_request(void, sale, CONFIG, requests.REASON_NO_ANSWER))
    late = terminal.send(requests.void_request(void, sale, CONFIG))
    assert (reversal.response.mti, reversal.response_code, late.response_code) == ("0410", "00", "94")
    journal = HostJournal(terminal.host.config.journal_path)
    assert journal.find_by_rrn(TERMINAL_ID, sale.rrn).status is Status.APPROVED


def test_a_malformed_de60_is_answered_30_to_the_right_terminal(terminal: CupTerminal) -> None:
    request = requests.echo_request(1, CONFIG, 1)
    broken = replace(request, fields={**request.fields, 60: "0000000"})
    decision = terminal.send(broken, sign=False)
    answer = decision.response
    assert (answer.mti, answer[39], answer[41], answer[42]) == ("0830", "30", TERMINAL_ID, MERCHANT_ID)
    assert CupHeader.parse(answer.header).tpdu.destination == 0x0000


def test_the_settlement_answer_sets_a_result_per_card_group(terminal: CupTerminal) -> None:
    terminal.sign_on()
    terminal.sale(5000)
    claimed = SettlementTotals(CardTotals(5000, 1), CardTotals(100, 1))
    answer = terminal.send(requests.settlement_request(terminal.next_stan(), CONFIG, 1, claimed)).response
    answered = SettlementTotals.decode(answer[48])
    assert (answer[39], answered.domestic.result.value, answered.foreign.result.value) == ("00", "1", "2")
    settlement = HostJournal(terminal.host.config.journal_path).settlements(TERMINAL_ID)[-1]
    assert settlement.response_code == "95"


def test_the_decoded_request_is_what_the_dialect_encodes(terminal: CupTerminal) -> None:
    request = requests.sign_on_request(1, CONFIG, 1)
    assert decode(encode(request, DIALECT), DIALECT) == request


def test_a_sign_on_whose_commit_fails_leaves_the_working_keys_and_key_store_unchanged(
    terminal: CupTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    terminal.sign_on()
    host = terminal.host
    before = host.config.keystore_path.read_bytes()

    def disk_full() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(host.journal, "_commit", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        terminal.send(requests.sign_on_request(terminal.next_stan(), CONFIG, 1), sign=False)
    assert host.keyring.next_keys(TERMINAL_ID).request_mac_key == terminal.mak
    assert host.config.keystore_path.read_bytes() == before


def test_a_track_key_sign_on_repeated_before_first_use_gets_the_same_keys_and_tdk(terminal: CupTerminal) -> None:
    config = replace(CONFIG, cup_sign_on_keys="004")
    first = terminal.send(requests.sign_on_request(1, config, 1), sign=False).response[62]
    again = terminal.send(requests.sign_on_request(2, config, 1), sign=False).response[62]
    assert first == again and len(first) == 60
    keys = unwrap_working_keys(TEST_KEYS.terminal_master_key, SignOnKeys.decode(first))
    terminal.mak = keys.mak
    assert terminal.sale()[1].response_code == "00"
    assert terminal.host.keyring.track_key(TERMINAL_ID) == keys.tdk  # current with the keys it came with
