"""Nothing a peer sends, and no fault of the host, stops it: 30 for a malformed request, 96 for a host fault."""

from __future__ import annotations

import pytest

from iso8583 import Message, encode
from simulator.host import HostLogic, Delivery

from .conftest import NOW, PEER, MiniTerminal


def test_garbage_is_dropped_and_journaled(host: HostLogic) -> None:
    decision = host.handle_bytes(b"\x01", now=NOW, peer=PEER)
    assert decision.outcome is Delivery.DROP
    assert "undecodable" in host.journal.messages()[0]["note"]


def test_truncated_message_with_readable_stan_gets_30(terminal: MiniTerminal, host: HostLogic) -> None:
    data = encode(terminal.financial("000000", 100), host.dialect)
    decision = host.handle_bytes(data[:-3], now=NOW, peer=PEER)
    assert (decision.response.mti, decision.response_code) == ("0210", "30")
    assert decision.response.get(11) == f"{terminal.stan:06d}"


def test_format_error_to_a_signed_on_terminal_is_signed(terminal: MiniTerminal, host: HostLogic) -> None:
    data = encode(terminal.financial("000000", 100), host.dialect)
    decision = host.handle_bytes(data[:-3], now=NOW, peer=PEER)
    terminal.verify(decision)


def test_handler_exception_answers_96_and_the_host_keeps_serving(
    terminal: MiniTerminal, host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(host.protocol.money, "sale", boom)
    assert terminal.sale().response_code == "96"
    monkeypatch.undo()
    assert terminal.sale().response_code == "00"


def test_handler_exception_leaves_no_money_moved(
    terminal: MiniTerminal, host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(host.journal, "store_response", boom)
    terminal.sale()
    assert host.journal.ledger() == [] and host.journal.transactions() == []


def test_a_request_whose_handling_fails_is_journaled_once_with_its_96_and_nothing_else(
    terminal: MiniTerminal, host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its unit is rolled back whole (the transaction row written before the fault too) and journaled again
    as the request and its error answer, each once."""
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(host.protocol.money.ledger, "move", boom)  # after the transaction row is written
    before = len(host.journal.messages())
    assert terminal.sale().response_code == "96"
    rows = host.journal.messages()[before:]
    assert [(row["direction"], row["mti"], row["stan"]) for row in rows] == [
        ("in", "0200", f"{terminal.stan:06d}"), ("out", "0210", f"{terminal.stan:06d}")]
    assert host.journal.transactions() == [] and host.journal.ledger() == []


def test_unsupported_mti_is_12(terminal: MiniTerminal) -> None:
    message = terminal.base("0100")
    assert terminal.send(message).response_code == "12"


def test_a_response_mti_is_not_answered(terminal: MiniTerminal) -> None:
    message = terminal.base("0210")
    assert terminal.send(message).outcome is Delivery.DROP


def test_a_request_without_stan_still_gets_30_at_once(host: HostLogic) -> None:
    """The terminal cannot match it, so it reverses at once instead of after its timeout."""
    decision = host.handle(Message("0200", {3: "000000"}), now=NOW, peer=PEER)
    assert decision.response_code == "30" and 11 not in decision.response.fields


def test_a_bad_bcd_amount_is_answered_30_with_the_requests_stan(terminal: MiniTerminal, host: HostLogic) -> None:
    request = terminal.financial("000000", 100)
    data = bytearray(encode(request, host.dialect))
    amount = encode(Message("0200", {4: "000000000100"}), host.dialect)[-6:]
    position = bytes(data).index(amount)
    data[position] = 0xAB  # not BCD digits
    decision = host.handle_bytes(bytes(data), now=NOW, peer=PEER)
    assert decision.response_code == "30" and decision.response.get(11) == f"{terminal.stan:06d}"


def test_a_bitmap_that_lies_is_answered_30(terminal: MiniTerminal, host: HostLogic) -> None:
    data = bytearray(encode(terminal.financial("000000", 100), host.dialect))
    data[2 + 7] |= 0x08  # terminal87: MTI (2 bytes), then the bitmap; bit 61 claims a field that is not there
    decision = host.handle_bytes(bytes(data), now=NOW, peer=PEER)
    assert decision.response_code == "30" and decision.response.get(11) == f"{terminal.stan:06d}"


def test_a_journal_that_cannot_write_answers_96(terminal: MiniTerminal, host: HostLogic,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    def disk_full(**kwargs: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(host.journal, "insert_transaction", disk_full)
    assert terminal.sale().response_code == "96"


def test_malformed_de63_is_a_format_error(terminal: MiniTerminal) -> None:
    request = terminal.financial("200000", 100)
    request.fields[63] = "OR9"
    assert terminal.send(request).response_code == "30"


def test_a_flood_of_undecodable_frames_logs_one_line(host: HostLogic, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="simulator.host.pipeline"):
        for _ in range(200):
            host.handle_bytes(b"\x01", now=NOW, peer=PEER)
    lines = [record for record in caplog.records if "undecodable" in record.getMessage()]
    assert len(lines) == 1 and host.events.counts["undecodable"] == 200
