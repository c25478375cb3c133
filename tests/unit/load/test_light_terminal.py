"""The light simulated terminal, sans I/O: the requests it builds and how it treats answers and losses.

Answers come from the real host logic (:class:`simulator.host.logic.HostLogic`, no sockets) over a
journal in ``tmp_path``; losses are handed in as :class:`Lost`. Key material is checked
independently of the terminal's own derivation path: the DUKPT TDES request keys are derived from
the BDK, as the host does (ANSI X9.24-1:2009 test BDK and KSN, pos_terminal/defaults.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emv import tlv
from iso8583.codec import decode
from keys import dukpt_tdes
from protocols.defaults import MERCHANT_ID, TEST_KEYS
from protocols.iso87 import parse_original_data_elements
from protocols.possim87.additional_data import additional_data
from protocols.security import KeyScheme, dukpt_tdes_keys, recover_pin, verify_request
from simulator.host.config import HostConfig, TerminalEntry
from simulator.host.journal import Cause, Direction, HostJournal
from simulator.host.logic import HostLogic
from simulator.load.tally import Result
from simulator.load.terminal import (
    TimedExchange,
    Incoming,
    LightTerminal,
    Lost,
    OpOutcome,
    Operation,
    Outgoing,
)

TID = "LOAD0001"
Answer = Callable[[Outgoing], Incoming]


@pytest.fixture
def host(tmp_path: Path) -> HostLogic:
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", terminals={TID: TerminalEntry(TID, MERCHANT_ID)}))
    yield logic
    logic.close()


def answered_by(host: HostLogic) -> Answer:
    def answer(outgoing: Outgoing) -> Incoming:
        decision = host.handle_bytes(outgoing.payload, now=datetime.now(UTC), peer="test")
        assert decision.response_bytes is not None
        return decision.response_bytes
    return answer


def run(operation: Operation, answer: Answer, sent: list[Outgoing] | None = None) -> OpOutcome:
    """Drive ``operation`` to its end, answering each request with ``answer``."""
    try:
        outgoing = next(operation)
        while True:
            if sent is not None:
                sent.append(outgoing)
            outgoing = operation.send(answer(outgoing))
    except StopIteration as finished:
        return finished.value


def ledger(host: HostLogic) -> Counter[tuple[Cause, Direction]]:
    journal = HostJournal(host.config.journal_path)
    try:
        return Counter((entry.cause, entry.direction) for entry in journal.ledger(TID))
    finally:
        journal.close()


def test_a_sale_carries_pin_block_chip_cryptogram_and_a_mac_the_bdk_side_verifies(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_TDES)
    sent: list[Outgoing] = []
    assert run(terminal.sale(1234), answered_by(host), sent).result is Result.APPROVED

    (request,) = sent
    message = decode(request.payload, terminal.dialect)
    ksn = bytes.fromhex(additional_data(message)["KS"])
    assert dukpt_tdes.initial_ksn(ksn) == dukpt_tdes.initial_ksn(TEST_KEYS.tdes_initial_ksn)
    keys = dukpt_tdes_keys(dukpt_tdes.derive_keys(TEST_KEYS.tdes_bdk, ksn))
    verify_request(message, terminal.dialect, keys)
    assert recover_pin(keys, message[52], message[35].split("=")[0]) == "1234"
    assert "9F26" in tlv.flatten(tlv.decode(message[55]))
    assert (message.mti, message[3], message[4], message[41]) == ("0200", "000000", "000000001234", TID)
    assert request.label == "0200/000000" and request.operation == "sale"


def test_each_dukpt_message_uses_the_next_ksn(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_TDES)
    sent: list[Outgoing] = []
    for amount in (1000, 1001):
        run(terminal.sale(amount), answered_by(host), sent)
    counters = [dukpt_tdes.ksn_counter(bytes.fromhex(additional_data(decode(o.payload, terminal.dialect))["KS"]))
                for o in sent]
    assert counters[1] > counters[0] > 0


def test_each_sale_carries_its_own_amount_in_de_4_and_the_chip_data(host: HostLogic) -> None:
    terminal = LightTerminal(TID)
    sent: list[Outgoing] = []
    for amount in (1000, 2500, 7):
        assert run(terminal.sale(amount), answered_by(host), sent).result is Result.APPROVED
    messages = [decode(outgoing.payload, terminal.dialect) for outgoing in sent if outgoing.operation == "sale"]
    assert [message[4] for message in messages] == ["000000001000", "000000002500", "000000000007"]
    assert [tlv.flatten(tlv.decode(message[55]))["9F02"] for message in messages] == [
        bytes.fromhex("000000001000"), bytes.fromhex("000000002500"), bytes.fromhex("000000000007")]


def test_sign_on_sale_matched_refund_and_void_move_money_as_the_host_records(host: HostLogic) -> None:
    terminal = LightTerminal(TID)
    answer = answered_by(host)
    assert run(terminal.sign_on(), answer).result is Result.APPROVED
    first = run(terminal.sale(2000), answer)
    second = run(terminal.sale(3000), answer)
    assert first.sale is not None and second.sale is not None and first.sale.rrn != second.sale.rrn

    assert run(terminal.refund(first.sale, 500), answer).result is Result.APPROVED
    assert run(terminal.void(second.sale), answer).result is Result.APPROVED
    assert ledger(host) == {(Cause.SALE, Direction.DEBIT): 2, (Cause.REFUND, Direction.CREDIT): 1,
                            (Cause.VOID, Direction.CREDIT): 1}


def test_a_refund_beyond_the_sale_is_declined_by_the_host(host: HostLogic) -> None:
    terminal = LightTerminal(TID)
    answer = answered_by(host)
    sale = run(terminal.sale(1000), answer).sale
    assert sale is not None
    outcome = run(terminal.refund(sale, 1001), answer)
    assert (outcome.result, outcome.response_code) == (Result.DECLINED, "13")


def test_a_lost_answer_is_reversed_at_once_naming_the_original(host: HostLogic) -> None:
    terminal = LightTerminal(TID)
    answer = answered_by(host)
    run(terminal.sign_on(), answer)
    sent: list[Outgoing] = []

    def lose_the_sale(outgoing: Outgoing) -> Incoming:
        response = answer(outgoing)  # the host processed it: money moved
        return Lost("no response: timed out", sent=True) if outgoing.operation == "sale" else response

    outcome = run(terminal.sale(4000), lose_the_sale, sent)

    assert outcome.result is Result.FAILED and "timed out" in (outcome.error or "")
    sale, reversal = (decode(o.payload, terminal.dialect) for o in sent)
    assert reversal.mti == "0400" and sent[1].label == "0400/000000"
    assert parse_original_data_elements(reversal[90])[:2] == ("0200", int(sale[11]))
    assert terminal.reversals.acked == 1 and terminal.owed_reversals == 0
    assert ledger(host) == {(Cause.SALE, Direction.DEBIT): 1, (Cause.REVERSAL, Direction.CREDIT): 1}


def test_a_request_that_never_left_is_not_reversed(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_AES)
    sent: list[Outgoing] = []
    outcome = run(terminal.sale(1000), lambda _: Lost("host unreachable: refused", sent=False), sent)
    assert outcome.result is Result.FAILED and [o.operation for o in sent] == ["sale"]
    assert terminal.owed_reversals == 0


def test_an_undelivered_reversal_is_repeated_as_0401_before_the_next_sale(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_AES)
    outcome = run(terminal.sale(1000), lambda _: Lost("no response: connection reset", sent=True))
    assert outcome.result is Result.FAILED and terminal.owed_reversals == 1
    assert terminal.reversals.sent == 3  # 0400, then two 0401

    sent: list[Outgoing] = []
    assert run(terminal.sale(1001), answered_by(host), sent).result is Result.APPROVED
    assert [o.label[:4] for o in sent] == ["0401", "0200"] and terminal.owed_reversals == 0


def test_an_answer_whose_mac_does_not_verify_is_rejected_and_reversed(host: HostLogic) -> None:
    terminal = LightTerminal(TID)
    answer = answered_by(host)
    run(terminal.sign_on(), answer)

    def tamper(outgoing: Outgoing) -> Incoming:
        response = answer(outgoing)
        assert isinstance(response, bytes)
        return response[:-1] + bytes([response[-1] ^ 0x01]) if outgoing.operation == "sale" else response

    outcome = run(terminal.sale(1000), tamper)
    assert outcome.result is Result.FAILED and "MAC" in (outcome.error or "")
    assert terminal.reversals.acked == 1


def test_a_host_that_does_not_know_the_terminal_says_so_at_sign_on(tmp_path: Path) -> None:
    stranger = HostLogic(HostConfig(data_dir=tmp_path / "default-host"))
    try:
        outcome = run(LightTerminal(TID).sign_on(), answered_by(stranger))
    finally:
        stranger.close()
    assert outcome.unknown_terminal and outcome.response_code == "03"
    assert "does not know" in (outcome.error or "")


def test_every_exchange_is_reported_with_its_label_and_code(host: HostLogic) -> None:
    records: list[TimedExchange] = []
    terminal = LightTerminal(TID, listener=records.append)
    answer = answered_by(host)
    run(terminal.sign_on(), answer)
    sale = run(terminal.sale(1000), answer).sale
    assert sale is not None
    run(terminal.void(sale), answer)
    assert [(r.operation, r.label, r.response_code, r.error) for r in records] == [
        ("signon", "0800/001", "00", None), ("sale", "0200/000000", "00", None), ("void", "0200/020000", "00", None),
    ]
    assert all(r.seconds >= 0 and r.request_length > 0 and r.response_length > 0 for r in records)


def test_after_a_mac_failure_a_master_session_terminal_signs_on_again_before_its_next_request(
    host: HostLogic,
) -> None:
    terminal = LightTerminal(TID)
    answer = answered_by(host)
    run(terminal.sign_on(), answer)
    sent: list[Outgoing] = []

    def tamper(outgoing: Outgoing) -> Incoming:
        response = answer(outgoing)
        assert isinstance(response, bytes)
        return response[:-1] + bytes([response[-1] ^ 0x01]) if outgoing.operation == "sale" else response

    run(terminal.sale(1000), tamper, sent)
    assert [o.label[:4] for o in sent] == ["0200", "0800", "0400"]  # as the terminal engine: the keys are suspect


def test_an_operation_abandoned_after_its_request_left_is_reversed_before_the_next_request(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_AES)
    operation = terminal.sale(1000)
    next(operation)  # the 0200 left: its outcome is unknown from here on
    operation.close()
    sent: list[Outgoing] = []
    assert run(terminal.sale(1001), answered_by(host), sent).result is Result.APPROVED
    assert [o.label[:4] for o in sent] == ["0400", "0200"] and terminal.owed_reversals == 0


def test_a_run_that_ends_with_an_operation_in_flight_owes_nothing_for_it() -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_AES)
    next(terminal.sale(1000))  # Locust stops its users mid-exchange: the terminal is switched off
    assert terminal.owed_reversals == 0
    sent: list[Outgoing] = []
    assert run(terminal.settle_reversals(), lambda _: Lost("unused", sent=False), sent).result is Result.APPROVED
    assert sent == []


def test_abandon_owed_forgets_what_an_abandoned_operation_left_owed(host: HostLogic) -> None:
    terminal = LightTerminal(TID, key_scheme=KeyScheme.DUKPT_AES)
    operation = terminal.sale(1000)
    next(operation)
    operation.close()
    terminal.abandon_owed()
    sent: list[Outgoing] = []
    run(terminal.sale(1001), answered_by(host), sent)
    assert [o.label[:4] for o in sent] == ["0200"]
