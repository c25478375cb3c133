"""Terminal identification, key schemes and MACs (docs/protocol.md "Security")."""

from __future__ import annotations

import pytest

from keys import tr31
from keys.kcv import kcv_tdes
from protocols.defaults import TEST_KEYS
from protocols.possim87.additional_data import additional_data, encode_additional_data
from protocols.security import verify_response
from simulator.host import HostLogic

from .conftest import NOW, PEER, MiniTerminal


def test_unknown_terminal_is_declined_03(terminal: MiniTerminal) -> None:
    terminal.terminal_id = "NOTKNOWN"
    decision = terminal.sale()
    assert decision.response_code == "03"


def test_unknown_merchant_for_a_known_terminal_is_declined_03(terminal: MiniTerminal) -> None:
    terminal.merchant_id = "OTHERMERCHANT01"
    assert terminal.sale().response_code == "03"


def test_sign_on_delivers_tr31_version_b_session_keys_under_the_tmk(host: HostLogic) -> None:
    decision = MiniTerminal(host).sign_on()
    items = additional_data(decision.response)
    pin_header, tpk = tr31.unwrap(TEST_KEYS.terminal_master_key, items["PK"])
    mac_header, tak = tr31.unwrap(TEST_KEYS.terminal_master_key, items["MK"])
    assert (pin_header.version_id, pin_header.key_usage, pin_header.algorithm, pin_header.mode_of_use) == (
        "B", "P0", "T", "E")
    assert (mac_header.version_id, mac_header.key_usage, mac_header.algorithm, mac_header.mode_of_use) == (
        "B", "M3", "T", "C")
    assert items["PV"] == kcv_tdes(tpk).hex().upper()
    assert items["MV"] == kcv_tdes(tak).hex().upper()


def test_key_change_delivers_new_session_keys(terminal: MiniTerminal) -> None:
    before = terminal.session
    assert terminal.sign_on("101").response_code == "00"
    assert terminal.session != before


def test_session_keys_at_rest_are_wrapped_not_clear(terminal: MiniTerminal, host: HostLogic) -> None:
    assert terminal.session is not None
    store = host.config.keystore_path.read_text()
    journal = host.config.journal_path.read_bytes()
    for key in (terminal.session.pin_key, terminal.session.request_mac_key):
        assert key.hex().upper() not in store.upper()
        assert key not in journal
    assert len(host.journal.sessions("POSSIM01")) == 1


def test_session_keys_survive_a_host_restart(terminal: MiniTerminal, host: HostLogic) -> None:
    from .conftest import make_host

    host.close()
    restarted = make_host(host.config.data_dir)
    terminal.host = restarted
    try:
        assert terminal.sale().response_code == "00"
    finally:
        restarted.close()


def test_financial_request_before_sign_on_is_a_security_violation(host: HostLogic) -> None:
    decision = MiniTerminal(host).sale()
    assert decision.response_code == "63"


def test_wrong_request_mac_is_declined_63_with_a_verifiable_response(terminal: MiniTerminal) -> None:
    request = terminal.financial("000000", 500)
    request.fields[64] = bytes(8)
    decision = terminal.send(request)
    assert decision.response_code == "63"
    terminal.verify(decision)


def test_request_without_mac_is_declined_63(terminal: MiniTerminal) -> None:
    request = terminal.financial("000000", 500)
    del request.fields[64]
    assert terminal.send(request).response_code == "63"


def test_approved_response_mac_verifies_with_the_session_key(terminal: MiniTerminal) -> None:
    decision = terminal.sale()
    assert decision.response_code == "00"
    terminal.verify(decision)


@pytest.mark.parametrize("scheme", ["dukpt-tdes", "dukpt-aes"])
def test_dukpt_sign_on_is_simply_approved(host: HostLogic, scheme: str) -> None:
    decision = MiniTerminal(host, scheme=scheme).sign_on()
    assert decision.response_code == "00"
    assert "PK" not in additional_data(decision.response)


@pytest.mark.parametrize("scheme", ["dukpt-tdes", "dukpt-aes"])
def test_dukpt_sale_is_approved_and_its_response_verifies(host: HostLogic, scheme: str) -> None:
    mini = MiniTerminal(host, scheme=scheme)
    decision = mini.sale(pin="1234")
    assert decision.response_code == "00"
    mini.verify(decision)


@pytest.mark.parametrize("scheme", ["dukpt-tdes", "dukpt-aes"])
def test_dukpt_wrong_mac_is_declined_63(host: HostLogic, scheme: str) -> None:
    mini = MiniTerminal(host, scheme=scheme)
    request = mini.financial("000000", 500)
    request.fields[64] = bytes(8)
    decision = mini.send(request)
    assert decision.response_code == "63"
    mini.verify(decision)


def test_dukpt_ksn_of_another_device_is_a_security_violation(host: HostLogic) -> None:
    mini = MiniTerminal(host, scheme="dukpt-tdes")
    request = mini.financial("000000", 500)
    request.fields[63] = encode_additional_data({"KS": "FFFF0000000000E00001"})
    assert mini.send(request).response_code == "63"


def test_malformed_ksn_is_a_format_error(host: HostLogic) -> None:
    mini = MiniTerminal(host, scheme="dukpt-tdes")
    request = mini.financial("000000", 500)
    request.fields[63] = encode_additional_data({"KS": "FFFF"})
    assert mini.send(request).response_code == "30"


def test_echo_is_approved(terminal: MiniTerminal) -> None:
    message = terminal.base("0800")
    message.fields[70] = "301"
    assert terminal.send(message).response_code == "00"


def test_echo_response_is_signed_when_the_session_is_known(terminal: MiniTerminal) -> None:
    message = terminal.base("0800")
    message.fields[70] = "301"
    decision = terminal.send(message)
    assert terminal.session is not None
    verify_response(decision.response, terminal.dialect, terminal.session)


def test_unknown_network_code_is_invalid_transaction(terminal: MiniTerminal) -> None:
    message = terminal.base("0800")
    message.fields[70] = "999"
    assert terminal.send(message).response_code == "12"


def test_unknown_terminal_answer_is_unsigned(host: HostLogic) -> None:
    message = MiniTerminal(host, terminal_id="NOTKNOWN").base("0800")
    message.fields[70] = "001"
    decision = host.handle(message, now=NOW, peer=PEER)
    assert decision.response_code == "03"
    assert 64 not in decision.response and 128 not in decision.response
