"""The iso93 host protocol (ISO 8583:1993) in the host's one pipeline: what each 1993 request gets.

Requests are built here from the 1993 field table (not by the terminal profile), signed with DUKPT TDES
keys (DE 63 KS) or, for sign-on, the TMK's sign-on variant, and handed to the host logic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from iso8583 import Message
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from protocols.iso87 import transmission_datetime
from protocols.iso93 import OriginalData, local_datetime
from protocols.possim87.additional_data import additional_data, encode_additional_data
from protocols.security import sign_on_keys, sign_request
from simulator.host import HostDecision, HostLogic
from simulator.host.journal import Cause
from simulator.host.protocols.registry import UnknownHostProtocol
from tests.unit.host.conftest import NOW, PEER, MiniTerminal, card, make_host


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostLogic]:
    logic = make_host(tmp_path, dialect="iso93binary")
    yield logic
    logic.close()


class Terminal93(MiniTerminal):
    """Signed 1993 requests (DUKPT TDES: every request names its KSN in DE 63)."""

    def request(self, mti: str, fields: dict[int, str | bytes], *, stan: int | None = None, sign: bool = True,
                ) -> Message:
        keys, tags = self.keys()
        number = stan or self.next_stan()
        message = Message(mti, {7: transmission_datetime(NOW), 11: f"{number:06d}", 12: local_datetime(NOW),
                                41: self.terminal_id, 42: self.merchant_id, **fields,
                                63: encode_additional_data(tags)})
        return sign_request(message, self.dialect, keys) if sign and keys is not None else message

    def financial(self, processing_code: str, amount: int, original: Message | None = None,  # type: ignore[override]
                  **fields: str) -> Message:
        values: dict[int, str | bytes] = {3: processing_code, 4: f"{amount:012d}", 24: "200", 49: "840",
                                          60: "000001", 2: card("visa_credit").pan, 14: "2912",
                                          22: "D10101600034"}
        if original is not None:
            values[56] = of(original)
        values.update({int(k[1:]): v for k, v in fields.items()})
        return self.request("1200", values)

    def cancel(self, original: Message, reason: str = "4000", mti: str = "1420", stan: int | None = None) -> Message:
        return self.request(mti, {3: str(original[3]), 4: str(original[4]), 24: "400", 25: reason, 49: "840",
                                  56: of(original), 60: "000001"}, stan=stan)


def of(original: Message) -> str:
    return OriginalData(original.mti, int(str(original[11])), str(original[12])).encode()


@pytest.fixture
def terminal(host: HostLogic) -> Terminal93:
    return Terminal93(host, scheme="dukpt-tdes")


def send(host: HostLogic, message: Message) -> HostDecision:
    return host.handle(message, now=NOW, peer=PEER)


def test_a_sale_is_answered_1210_with_action_code_000_and_a_valid_mac(host: HostLogic, terminal: Terminal93) -> None:
    decision = send(host, terminal.financial("000000", 5000))
    assert (decision.response.mti, decision.response[39], decision.response[24]) == ("1210", "000", "200")
    assert len(str(decision.response[37])) == 12 and 64 in decision.response


def test_a_refund_names_its_sale_in_de56_and_moves_the_money_once(host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    refund = terminal.financial("200000", 2000, sale)
    first, again = send(host, refund), send(host, refund)
    assert (first.response[39], again.response[39], again.retransmission) == ("000", "000", True)
    assert [e.amount for e in host.journal.ledger() if e.cause is Cause.REFUND] == [2000]


def test_a_refund_whose_de56_names_nothing_gets_914(host: HostLogic, terminal: Terminal93) -> None:
    ghost = Message("1200", {11: "000099", 12: "250314095900"})
    assert send(host, terminal.financial("200000", 100, ghost)).response[39] == "914"


def test_a_refund_past_the_sale_gets_110_from_the_money_rule(host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    send(host, terminal.financial("200000", 4000, sale))
    assert send(host, terminal.financial("200000", 1001, sale)).response[39] == "110"


def test_a_1420_with_reason_4000_voids_the_sale_answered_400(host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    decision = send(host, terminal.cancel(sale))
    assert (decision.response.mti, decision.response[39]) == ("1430", "400")
    assert host.journal.net_debit() == 0
    assert [e.cause for e in host.journal.ledger()] == [Cause.SALE, Cause.VOID]


def test_a_1421_repeating_a_void_already_applied_gets_the_stored_answer_and_moves_no_money(
        host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    first = send(host, terminal.cancel(sale))
    repeat = send(host, terminal.cancel(sale, mti="1421", stan=terminal.stan))  # a new DUKPT KSN, so a new MAC
    assert (repeat.response.mti, repeat.response[39], repeat.retransmission) == ("1430", "400", True)
    assert repeat.response[37] == first.response[37]
    assert [e.cause for e in host.journal.ledger()] == [Cause.SALE, Cause.VOID]


def test_a_1421_void_whose_1420_never_arrived_voids_the_sale(host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    decision = send(host, terminal.cancel(sale, mti="1421"))
    assert (decision.response.mti, decision.response[39], decision.retransmission) == ("1430", "400", False)
    assert [e.cause for e in host.journal.ledger()] == [Cause.SALE, Cause.VOID] and host.journal.net_debit() == 0


def test_a_reversal_that_overtakes_its_sale_makes_the_sale_a_913_duplicate(host: HostLogic,
                                                                           terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    assert send(host, terminal.cancel(sale, reason="4021")).response[39] == "400"
    assert send(host, sale).response[39] == "913"
    assert host.journal.net_debit() == 0


def test_the_same_stan_with_other_content_is_a_913_duplicate(host: HostLogic, terminal: Terminal93) -> None:
    send(host, terminal.financial("000000", 5000))
    other = terminal.request("1200", {3: "000000", 4: "000000009999", 24: "200", 49: "840", 60: "000001",
                                      2: card("visa_credit").pan, 14: "2912"}, stan=terminal.stan)
    assert send(host, other).response[39] == "913"


def test_a_wrong_mac_gets_916(host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    tampered = Message(sale.mti, {**sale.fields, 4: "000000000001"})
    assert send(host, tampered).response[39] == "916"


def test_a_malformed_de56_gets_904(host: HostLogic, terminal: Terminal93) -> None:
    refund = terminal.financial("200000", 100, _56="1200000001")
    decision = send(host, refund)
    assert (decision.response.mti, decision.response[39]) == ("1210", "904")


def test_a_message_type_the_network_lacks_gets_902(host: HostLogic, terminal: Terminal93) -> None:
    assert send(host, terminal.request("1100", {3: "000000", 4: "000000000100"})).response[39] == "902"


def test_an_echo_test_is_accepted_with_800(host: HostLogic, terminal: Terminal93) -> None:
    decision = send(host, terminal.request("1804", {24: "831"}))
    assert (decision.response.mti, decision.response[39], decision.response[24]) == ("1814", "800", "831")


def test_a_sign_off_function_code_is_refused_902(host: HostLogic, terminal: Terminal93) -> None:
    assert send(host, terminal.request("1804", {24: "802"})).response[39] == "902"


@pytest.mark.parametrize("function", ["801", "811"])
def test_a_master_session_sign_on_or_key_change_delivers_tr31_blocks(tmp_path: Path, function: str) -> None:
    logic = make_host(tmp_path / "mksk", dialect="iso93binary")
    try:
        request = Message("1804", {7: transmission_datetime(NOW), 11: "000001", 12: local_datetime(NOW), 24: function,
                                   41: TERMINAL_ID, 42: MERCHANT_ID})
        signed = sign_request(request, logic.dialect, sign_on_keys(TEST_KEYS.terminal_master_key))
        decision = send(logic, signed)
        assert (decision.response.mti, decision.response[39]) == ("1814", "800")
        assert {"PK", "PV", "MK", "MV"} <= set(additional_data(decision.response))
        late = Message("1804", {**request.fields, 7: transmission_datetime(NOW - timedelta(days=1)), 11: "000002"})
        replayed = sign_request(late, logic.dialect, sign_on_keys(TEST_KEYS.terminal_master_key))
        assert send(logic, replayed).response[39] == "916"
    finally:
        logic.close()


def test_reconciliation_in_balance_500_and_out_of_balance_501(host: HostLogic, terminal: Terminal93) -> None:
    send(host, terminal.financial("000000", 5000))
    totals = {74: "0000000000", 75: "0000000000", 76: "0000000001", 77: "0000000000", 86: "0" * 16, 87: "0" * 16,
              88: "0000000000005000", 89: "0" * 16}
    good = terminal.request("1520", {3: "920000", 24: "500", 49: "840", 60: "000001", **totals})
    wrong = terminal.request("1520", {3: "920000", 24: "500", 49: "840", 60: "000001", **totals,
                                      88: "0000000000004999"})
    out_of_balance, in_balance = send(host, wrong).response, send(host, good).response
    assert (out_of_balance.mti, out_of_balance[39], in_balance[39]) == ("1530", "501", "500")
    assert 64 in in_balance  # the answer has no field above 64: its MAC is DE 64


def test_a_refund_with_another_card_than_the_sales_is_refused_111_by_the_anti_fraud_check(
        host: HostLogic, terminal: Terminal93) -> None:
    sale = terminal.financial("000000", 5000)
    send(host, sale)
    other_card = terminal.financial("200000", 1000, sale, _2=card("mastercard_credit").pan)
    assert send(host, other_card).response[39] == "111"


def test_the_2003_decoding_dialect_is_served_by_no_host_protocol(tmp_path: Path) -> None:
    with pytest.raises(UnknownHostProtocol, match="no host protocol 'iso2003'"):
        make_host(tmp_path / "2003", dialect="iso2003")
