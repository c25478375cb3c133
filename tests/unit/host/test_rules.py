"""Scripted rules: parsing, matching, and what each action does to an exchange."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from iso8583 import Message
from keys.errors import MacVerificationError
from simulator.host import HostLogic, Delivery, Status
from simulator.host.rules import RuleAction, RulesError, load_rules, parse_rules

from .conftest import MiniTerminal, make_host, rrn_of


def _host(tmp_path: Path, rules: str) -> tuple[HostLogic, MiniTerminal]:
    host = make_host(tmp_path / "data", rules)
    mini = MiniTerminal(host)
    mini.sign_on()
    return host, mini


@pytest.fixture
def scripted(tmp_path: Path, request: pytest.FixtureRequest):  # noqa: ANN201
    host, mini = _host(tmp_path, request.param)
    yield host, mini
    host.close()


def test_rules_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nmti = "0200"\nprocessing_code = "200000"\nrespond = "05"\ntimes = 2\n')
    [rule] = load_rules(path).rules
    assert (rule.action, rule.response_code, rule.times, rule.mti) == (RuleAction.RESPOND, "05", 2, {"0200"})


@pytest.mark.parametrize("text", [
    '[[rule]]\nmti = "0200"\n',                              # no action
    '[[rule]]\ndrop = true\ndelay = 1\n',                    # two actions
    '[[rule]]\nrespond = "5"\n',                             # bad code
    '[[rule]]\ndelay = -1\n',                                # bad delay
    '[[rule]]\ndrop = true\ntimes = 0\n',                    # bad times
    '[[rule]]\ndrop = true\ncolour = "red"\n',               # unknown key
    '[[rule]]\ndrop = true\nmti = "02"\n',                   # bad MTI
])
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(RulesError):
        parse_rules(tomllib.loads(text))


def test_rules_match_amount_range_and_pan_suffix() -> None:
    rules = parse_rules(tomllib.loads('[[rule]]\namount_min = 100\namount_max = 200\npan_suffix = "0010"\ndrop = true\n'))
    inside = Message("0200", {4: "000000000150"})
    assert rules.match(inside, "4761739001010010") is not None
    assert rules.match(Message("0200", {4: "000000000250"}), "4761739001010010") is None
    assert rules.match(inside, "5413330089010434") is None


@pytest.mark.parametrize("scripted", ['[[rule]]\nprocessing_code = "000000"\nrespond = "05"\n'], indirect=True)
def test_respond_rule_answers_its_code_without_money(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    decision = mini.sale()
    assert decision.response_code == "05"
    mini.verify(decision)
    assert host.journal.ledger() == []
    assert host.journal.transactions()[-1].status is Status.DECLINED


@pytest.mark.parametrize("scripted", ['[[rule]]\nprocessing_code = "000000"\nrespond = "05"\ntimes = 1\n'],
                         indirect=True)
def test_times_limits_a_rule_to_its_first_matches(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    assert [mini.sale().response_code for _ in range(3)] == ["05", "00", "00"]


@pytest.mark.parametrize("scripted", ['[[rule]]\nprocessing_code = "000000"\ndrop = true\n'], indirect=True)
def test_dropped_sale_is_still_approved_and_debited(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    decision = mini.sale(2500)
    assert decision.outcome is Delivery.DROP and not decision.sends
    assert decision.response_code == "00"
    assert host.journal.net_debit() == 2500


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0200"\ndrop = true\ntimes = 1\n'], indirect=True)
def test_reversal_after_a_dropped_sale_undoes_its_debit(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    sale = mini.financial("000000", 2500)
    mini.send(sale)
    assert mini.send(mini.reversal(sale)).response_code == "00"
    assert host.journal.net_debit() == 0


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0200"\ndisconnect = true\n'], indirect=True)
def test_disconnect_rule_hangs_up_after_processing(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    assert mini.sale(2500).outcome is Delivery.DISCONNECT
    assert host.journal.net_debit() == 2500


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0200"\ndelay = 2.5\n'], indirect=True)
def test_delay_rule_delays_the_normal_answer(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    decision = mini.sale()
    assert (decision.delay, decision.response_code, decision.sends) == (2.5, "00", True)


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0200"\ncorrupt_mac = true\n'], indirect=True)
def test_corrupt_mac_rule_sends_a_response_whose_mac_fails(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    decision = mini.sale()
    assert decision.response_code == "00"
    with pytest.raises(MacVerificationError):
        mini.verify(decision)


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0200"\ncorrupt_mac = true\ntimes = 1\n'], indirect=True)
def test_retransmission_after_a_corrupt_mac_gets_the_good_response(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    request = mini.financial("000000", 100)
    mini.send(request)
    again = mini.send(request)
    assert again.retransmission
    mini.verify(again)


@pytest.mark.parametrize("scripted", ['[[rule]]\nterminal_id = "OTHER001"\nrespond = "96"\n'], indirect=True)
def test_rule_for_another_terminal_does_not_apply(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    assert rrn_of(mini.sale())


@pytest.mark.parametrize("scripted", ['[[rule]]\nnetwork_code = "301"\ndrop = true\n'], indirect=True)
def test_network_code_rule_drops_echo_only(scripted) -> None:  # noqa: ANN001
    _, mini = scripted
    echo = mini.base("0800")
    echo.fields[70] = "301"
    assert mini.send(echo).outcome is Delivery.DROP
    assert mini.sign_on().outcome is Delivery.RESPOND


_SETTLEMENT_95_ONCE = '[[rule]]\nmti = "0500"\nrespond = "95"\ntimes = 1\n'


@pytest.mark.parametrize("scripted", [_SETTLEMENT_95_ONCE], indirect=True)
def test_respond_95_rule_on_settlement_applies_once(scripted) -> None:  # noqa: ANN001
    from protocols.iso87 import BatchTotals, TotalsKind

    _, mini = scripted
    mini.sale(2500)
    expected = BatchTotals.of([(TotalsKind.DEBIT, 2500)])
    first, second = (mini.send(mini.settlement(expected)) for _ in range(2))
    assert (first.response_code, first.response.mti, second.response_code) == ("95", "0510", "00")
    mini.verify(second)


@pytest.mark.parametrize("scripted", [_SETTLEMENT_95_ONCE], indirect=True)
def test_scripted_settlement_is_journaled_as_a_rule_answer(scripted) -> None:  # noqa: ANN001
    from protocols.iso87 import BatchTotals
    from simulator.host.journal import SettlementBasis

    host, mini = scripted
    mini.send(mini.settlement(BatchTotals.of([])))
    [record] = host.journal.settlements()
    assert (record.basis, record.response_code, record.batch, record.host_totals) == (
        SettlementBasis.RULE, "95", 1, None)
    assert [t.mti for t in host.journal.transactions()] == []


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0220"\ndrop = true\ntimes = 1\n'], indirect=True)
def test_dropped_advice_is_credited_once_and_its_repeat_gets_the_stored_0230(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    sale = rrn_of(mini.sale(10000))
    assert mini.send(mini.advice(3000, sale)).outcome is Delivery.DROP
    repeat = mini.send(mini.advice(3000, sale, mti="0221", stan=mini.stan))
    assert repeat.retransmission and repeat.response_code == "00"
    assert host.journal.net_debit() == 7000


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = ["0220", "0221"]\nrespond = "00"\n'], indirect=True)
def test_respond_rule_on_an_advice_moves_no_money(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    sale = rrn_of(mini.sale(10000))
    assert mini.send(mini.advice(3000, sale)).response.mti == "0230"
    assert host.journal.net_debit() == 10000


@pytest.mark.parametrize("scripted", ['[[rule]]\nmti = "0320"\nrespond = "30"\ntimes = 1\n'], indirect=True)
def test_respond_rule_on_an_upload_records_nothing(scripted) -> None:  # noqa: ANN001
    host, mini = scripted
    decision = mini.send(mini.upload("000000", 100, "000000000001"))
    assert (decision.response.mti, decision.response_code) == ("0330", "30")
    assert host.journal.uploads("POSSIM01", 1) == [] and host.journal.transactions() == []
