"""Sales: approval, RRN and auth code, the PIN and card cryptogram checks, the ledger debit."""

from __future__ import annotations

from pathlib import Path

import pytest

from emv import tlv
from simulator.host import Direction, HostLogic, Status

from .conftest import MiniTerminal, make_host, rrn_of


def test_sale_is_approved_with_a_12_digit_rrn_and_an_auth_code(terminal: MiniTerminal) -> None:
    decision = terminal.sale(2500)
    assert decision.response_code == "00"
    assert len(rrn_of(decision)) == 12 and rrn_of(decision).isdigit()
    assert len(decision.response.get(38)) == 6


def test_each_sale_gets_a_new_rrn(terminal: MiniTerminal) -> None:
    assert rrn_of(terminal.sale()) != rrn_of(terminal.sale())


def test_approved_sale_debits_the_ledger_once(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.sale(2500)
    [entry] = host.journal.ledger()
    assert (entry.direction, entry.amount, entry.currency) == (Direction.DEBIT, 2500, "840")


def test_sale_is_journaled_with_masked_pan_and_fingerprint_only(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.sale(2500)
    [txn] = host.journal.transactions()
    assert txn.masked_pan == "476173******0010"
    assert txn.card_fingerprint and "4761739001010010" not in txn.card_fingerprint
    assert b"4761739001010010" not in host.config.journal_path.read_bytes()


def test_messages_are_journaled_masked(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.sale(2500, pin="1234")
    dumps = [row["dump"] for row in host.journal.messages() if row["dump"]]
    assert any("MTI 0200" in dump for dump in dumps) and any("MTI 0210" in dump for dump in dumps)
    assert not any("4761739001010010" in dump for dump in dumps)


def test_correct_pin_is_approved(terminal: MiniTerminal) -> None:
    assert terminal.sale(pin="1234").response_code == "00"


def test_wrong_pin_is_declined_55_without_money_movement(terminal: MiniTerminal, host: HostLogic) -> None:
    decision = terminal.sale(pin="9999")
    assert decision.response_code == "55"
    assert host.journal.ledger() == []
    assert host.journal.transactions()[0].status is Status.DECLINED


def test_valid_arqc_is_approved_with_an_arpc_the_card_accepts(terminal: MiniTerminal) -> None:
    decision = terminal.sale(chip=True)
    assert decision.response_code == "00"
    iad = tlv.flatten(tlv.decode(decision.response.get(55)))["91"]
    chip = terminal.chips["visa_credit"]
    assert chip.external_authenticate(iad[:4], iad[4:]) is True


def test_cvn10_arpc_carries_the_approval_arc(terminal: MiniTerminal) -> None:
    decision = terminal.sale(chip=True, card_name="visa_cvn10", pin="4321")
    iad = tlv.flatten(tlv.decode(decision.response.get(55)))["91"]
    assert iad[8:] == b"00"
    assert terminal.chips["visa_cvn10"].external_authenticate(iad[:8], iad[8:]) is True


def test_failed_cryptogram_is_declined_82(terminal: MiniTerminal, host: HostLogic) -> None:
    decision = terminal.sale(chip=True, card_name="visa_bad_cryptogram")
    assert decision.response_code == "82"
    assert host.journal.ledger() == []


def test_pin_on_a_card_the_issuer_does_not_know_is_declined_14(terminal: MiniTerminal) -> None:
    request = terminal.financial("000000", 100, card_name="visa_credit")
    request.fields[2] = "4000000000000002"
    from protocols.security import pin_block, sign_request

    assert terminal.session is not None
    request.fields[52] = pin_block(terminal.session, "1234", "4000000000000002")
    request = sign_request(request, terminal.dialect, terminal.session)
    assert terminal.send(request).response_code == "14"


def test_sale_by_track2_reads_the_pan_from_de35(terminal: MiniTerminal, host: HostLogic) -> None:
    from protocols.security import sign_request

    request = terminal.financial("000000", 700)
    pan = request.fields.pop(2)
    request.fields[35] = f"{pan}=31122011234567"
    request = sign_request(request, terminal.dialect, terminal.session)
    assert terminal.send(request).response_code == "00"
    assert host.journal.transactions()[-1].masked_pan == "476173******0010"


def test_sale_without_a_pan_is_a_format_error(terminal: MiniTerminal) -> None:
    assert terminal.sale(card_name=None).response_code == "30"


def test_unknown_processing_code_is_invalid_transaction(terminal: MiniTerminal) -> None:
    assert terminal.send(terminal.financial("010000", 100)).response_code == "12"


@pytest.mark.parametrize("dialect", ["iso87ascii", "iso87binary"])
def test_sale_with_pin_and_chip_works_in_other_dialects(tmp_path: Path, dialect: str) -> None:
    host = make_host(tmp_path, dialect=dialect)
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        decision = mini.sale(pin="1234", chip=True)
        assert decision.response_code == "00"
        mini.verify(decision)
    finally:
        host.close()
