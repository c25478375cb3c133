"""The ``cup-pos`` profile end to end over TCP: the real terminal engine against the real host on 127.0.0.1.

Sign-on delivers checked working keys; sales, partial refunds and voids move money once; a refund
whose answer is lost is repeated (same STAN) and credited once, never reversed; a void whose
answer is lost is reversed (0400) and undone; settlement compares the DE 48 totals and uploads
the batch when they differ. Answers are lost with the host's fault rules (docs/host-rules.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emv.cards import EntryMode
from iso8583.cup_header import CupHeader
from pos_terminal.state.config import ConfigError
from protocols.cup import Field60, Field61, SecurityControl
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.state.records import NewTransaction, TxnStatus, TxnType
from pos_terminal.common.results import Outcome
from protocols.security import KeyScheme
from simulator.host.config import CupBatchMac, TerminalEntry
from simulator.host.journal import HostJournal, Status
from simulator.load import LoadPlan, Mix, Result, run_load
from tests.e2e.cup_fixtures import DEBIT_PIN, SUPERVISOR, CupHost, Wire, card, refund_of
from tests.unit.pos_terminal.cup.test_requests import de64_announced

StartHost = Callable[..., Any]
OpenTerminal = Callable[..., TerminalEngine]
LOSE_REFUND_ANSWER = {"name": "refund answer lost", "mti": "0220", "drop": True, "times": 1}
LOSE_VOID_ANSWER = {"name": "void answer lost", "mti": "0200", "processing_code": "200000", "drop": True, "times": 1}


async def signed_on(cup_host: StartHost, cup_terminal: OpenTerminal, rules: list | None = None,
                    **overrides: Any) -> tuple[CupHost, TerminalEngine, Wire]:
    host = await cup_host(rules)
    engine = cup_terminal(host, **overrides)
    assert (await engine.sign_on()).approved
    wire = Wire()
    engine.observer = wire
    return host, engine, wire


# -- sign-on ---------------------------------------------------------------------------------


async def test_sign_on_loads_the_working_keys_of_the_0810(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    wire = Wire()
    engine.observer = wire
    result = await engine.sign_on()
    assert (result.outcome, result.response_code) == (Outcome.COMPLETED, "00")
    assert (wire.sent(), wire.received()) == (["0800"], ["0810"])
    request, answer = wire.records[0].message, wire.records[1].message
    assert Field60.decode(request[60]).network_management_code == "003" and request[63] == "01 "
    assert len(answer[62]) == 40 and 64 not in answer
    assert engine.profile.signed_on(engine.keyring, KeyScheme.MKSK)
    journal = host.journal()
    assert [row["pin_key_kcv"] for row in journal.sessions("POSSIM01")] == [answer[62][16:20].hex().upper()]
    journal.close()


async def test_sign_on_keys_under_another_tmk_fail_their_check_values(cup_host: StartHost,
                                                                       cup_terminal: OpenTerminal) -> None:
    other = TerminalEntry("POSSIM01", "POSSIM000000001", tmk=bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"))
    host = await cup_host(terminals={"POSSIM01": other})
    engine = cup_terminal(host)
    result = await engine.sign_on()
    assert result.outcome is Outcome.COMMUNICATION_FAILED
    assert result.error == "session keys refused: field 62 PIK check value: offset 16: does not match the PIK " \
                           "deciphered under the terminal master key"
    assert not engine.profile.signed_on(engine.keyring, KeyScheme.MKSK)


async def test_the_answer_swaps_the_tpdu_addresses(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    _, engine, wire = await signed_on(cup_host, cup_terminal)
    await engine.echo()
    request, answer = (CupHeader.parse(r.message.header) for r in wire.records)
    assert (wire.sent(), wire.received()) == (["0820"], ["0830"])
    assert (answer.tpdu.destination, answer.tpdu.source) == (request.tpdu.source, request.tpdu.destination)


async def test_a_transaction_signs_on_first_and_sign_off_drops_the_keys(cup_host: StartHost,
                                                                        cup_terminal: OpenTerminal) -> None:
    host = await cup_host()
    engine = cup_terminal(host)
    wire = Wire()
    engine.observer = wire
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    assert (await engine.sign_off()).approved
    assert not engine.profile.signed_on(engine.keyring, KeyScheme.MKSK)
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    assert wire.sent() == ["0800", "0200", "0820", "0800", "0200"]


# -- sale ------------------------------------------------------------------------------------


async def test_sale_is_a_0200_of_type_22_in_cny_with_a_mac_that_verifies(cup_host: StartHost,
                                                                         cup_terminal: OpenTerminal) -> None:
    host, engine, wire = await signed_on(cup_host, cup_terminal)
    result = await engine.sale(card(), 12345, pin=DEBIT_PIN)
    assert (result.approved, result.currency) == (True, "156")
    request, answer = wire.records[0], wire.records[1]
    assert (request.message.mti, request.message[3], request.message[60]) == ("0200", "000000", "22000001")
    assert request.message[22] == "051" and request.message[49] == "156"
    assert SecurityControl.decode(request.message[53]) == SecurityControl()
    assert request.mac_verified is True and answer.mac_verified is True
    assert host.journal().net_debit("POSSIM01") == 12345


async def test_a_declined_pin_answers_55(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    _, engine, _ = await signed_on(cup_host, cup_terminal)
    result = await engine.sale(card(), 1000, pin="999999")
    assert (result.outcome, result.response_code, result.approved) == (Outcome.COMPLETED, "55", False)


# -- refund ----------------------------------------------------------------------------------


async def test_partial_refunds_are_0220s_naming_the_sale_and_stop_at_its_amount(cup_host: StartHost,
                                                                                cup_terminal: OpenTerminal) -> None:
    host, engine, wire = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card(), 10000, pin=DEBIT_PIN)
    wire.clear()
    first = await engine.refund(refund_of(sale.rrn, 3000))
    second = await engine.refund(refund_of(sale.rrn, 7000))
    third = await engine.refund(refund_of(sale.rrn, 1))
    assert first.approved and second.approved
    assert third.outcome is Outcome.REFUSED and "remainder" in third.error
    request = wire.records[0].message
    assert (request.mti, request[3], request[37]) == ("0220", "200000", sale.rrn)
    named = Field61.decode(request[61])
    assert (named.original_batch, named.original_voucher) == ("000001", f"{sale.stan:06d}")
    assert Field60.decode(request[60]).transaction_type == "25"
    assert wire.sent() == ["0220", "0220"]
    assert host.credits() == [3000, 7000]


async def test_a_refund_whose_answer_is_lost_is_repeated_and_credited_once(cup_host: StartHost,
                                                                           cup_terminal: OpenTerminal) -> None:
    host, engine, wire = await signed_on(cup_host, cup_terminal, [LOSE_REFUND_ANSWER])
    sale = await engine.sale(card(), 5000, pin=DEBIT_PIN)
    wire.clear()
    refund = await engine.refund(refund_of(sale.rrn, 2000))
    assert (refund.outcome, refund.approved, refund.reversal) == (Outcome.COMPLETED, True, None)
    assert wire.sent() == ["0220", "0220"] and wire.received() == ["0230"]
    first, repeat = (r.message for r in wire.records if r.direction.value == "out")
    assert first == repeat
    assert host.credits() == [2000]
    messages = [m["note"] for m in host.journal().messages() if m["direction"] == "out"]
    assert "retransmission: stored response" in messages[-1]


async def test_a_refund_unanswered_on_every_repeat_is_owed_and_repeated_before_the_next_sale(
        cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    rule = {**LOSE_REFUND_ANSWER, "times": 2}
    host, engine, wire = await signed_on(cup_host, cup_terminal, [rule], reversal_attempts_per_run=1)
    sale = await engine.sale(card(), 5000, pin=DEBIT_PIN)
    refund = await engine.refund(refund_of(sale.rrn, 2000))
    assert refund.outcome is Outcome.COMMUNICATION_FAILED and "repeated" in refund.error
    assert engine.journal.get(refund.transaction_id).status is TxnStatus.PENDING
    assert engine.journal.reversal_for(refund.transaction_id) is None
    wire.clear()
    await engine.sale(card(), 100, pin=DEBIT_PIN)
    assert wire.sent() == ["0220", "0200"]  # the owed refund first, answered from the host's store
    assert engine.journal.get(refund.transaction_id).status is TxnStatus.APPROVED
    assert host.credits() == [2000]


async def test_a_refund_journaled_before_a_crash_is_repeated_at_restart_without_card_data(
        cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host, engine, _ = await signed_on(cup_host, cup_terminal, [{**LOSE_REFUND_ANSWER, "times": 2}],
                                      reversal_attempts_per_run=1)
    sale = await engine.sale(card(), 5000, pin=DEBIT_PIN)
    refund = await engine.refund(refund_of(sale.rrn, 1500))
    assert refund.outcome is Outcome.COMMUNICATION_FAILED
    engine.close()  # the terminal restarts: the refund's card data is gone, its journal entry is not
    restarted = cup_terminal(host)
    wire = Wire()
    restarted.observer = wire
    assert (await restarted.sign_on()).approved
    repeat = wire.records[2].message
    assert (repeat.mti, repeat[11], repeat[4]) == ("0220", f"{refund.stan:06d}", "000000001500")
    assert 35 not in repeat and 2 not in repeat
    assert restarted.journal.get(refund.transaction_id).status is TxnStatus.APPROVED
    assert host.credits() == [1500]


async def test_a_refund_that_never_reached_the_host_is_credited_to_the_sale_card_at_restart(
        cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host, engine, _ = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card(), 5000, pin=DEBIT_PIN)
    original = engine.journal.get(sale.transaction_id)
    pending = engine.journal.begin_transaction(NewTransaction(  # journaled, then the power failed
        TxnType.REFUND, 1200, "156", original.masked_pan, original.card_fingerprint, original.card_brand, "swipe",
        original.id, None, "200000", "0220"), now=engine.now(), with_reversal=False)
    engine.close()
    restarted = cup_terminal(host)
    assert (await restarted.echo()).approved
    assert restarted.journal.get(pending.id).status is TxnStatus.APPROVED
    assert host.credits() == [1200]
    refund = host.journal().find_by_rrn("POSSIM01", restarted.journal.get(pending.id).rrn)
    assert refund.masked_pan == original.masked_pan


async def test_a_refund_is_final_it_cannot_be_voided(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    _, engine, wire = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card(), 5000, pin=DEBIT_PIN)
    refund = await engine.refund(refund_of(sale.rrn, 1000))
    wire.clear()
    void = await engine.void(refund.invoice, SUPERVISOR)
    assert void.outcome is Outcome.REFUSED and "cannot be voided" in void.error
    assert wire.sent() == []


# -- void ------------------------------------------------------------------------------------


async def test_void_is_a_0200_of_type_23_naming_the_sale(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host, engine, wire = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card("visa_credit"), 4000, pin="1234")
    wire.clear()
    void = await engine.void(sale.invoice, SUPERVISOR)
    assert void.approved
    request = wire.records[0].message
    assert (request.mti, request[3], request[4], request[37], request[38]) == (
        "0200", "200000", "000000004000", sale.rrn, sale.auth_code)
    assert Field61.decode(request[61]) == Field61("000001", f"{sale.stan:06d}")
    journal = host.journal()
    assert journal.net_debit("POSSIM01") == 0
    assert journal.find_by_rrn("POSSIM01", sale.rrn).status is Status.VOIDED


async def test_a_void_whose_answer_is_lost_is_reversed_and_the_sale_stands(cup_host: StartHost,
                                                                           cup_terminal: OpenTerminal) -> None:
    host, engine, wire = await signed_on(cup_host, cup_terminal, [LOSE_VOID_ANSWER])
    sale = await engine.sale(card(), 4000, pin=DEBIT_PIN)
    wire.clear()
    void = await engine.void(sale.invoice, SUPERVISOR)
    assert void.outcome is Outcome.COMMUNICATION_FAILED
    assert (void.reversal.status, void.reversal.response_code) == ("acked", "00")
    assert wire.sent() == ["0200", "0400"] and wire.received() == ["0410"]
    reversal = wire.records[1].message
    assert (reversal[11], reversal[39], reversal[3]) == (f"{void.stan:06d}", "98", "200000")
    assert Field60.decode(reversal[60]).transaction_type == "23"
    assert wire.records[1].mac_verified is True
    journal = host.journal()
    assert journal.find_by_rrn("POSSIM01", sale.rrn).status is Status.APPROVED
    assert journal.net_debit("POSSIM01") == 4000
    assert engine.journal.get(sale.transaction_id).voided_by is None
    again = await engine.void(sale.invoice, SUPERVISOR)
    assert again.approved and host.journal().net_debit("POSSIM01") == 0


# -- settlement ------------------------------------------------------------------------------


async def test_settlement_with_balanced_totals_closes_the_batch_without_upload(cup_host: StartHost,
                                                                              cup_terminal: OpenTerminal) -> None:
    _, engine, wire = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card(), 10000, pin=DEBIT_PIN)
    await engine.refund(refund_of(sale.rrn, 2500))
    await engine.sale(card("visa_credit"), 3000, pin="1234")
    wire.clear()
    result = await engine.settle("0000")
    assert (result.response_code, result.settlement["result"], result.settlement["batch_uploaded"]) == (
        "00", "CLOSED", False)
    assert wire.sent() == ["0500", "0320"]
    assert not any(64 in r.message or de64_announced(r.raw) for r in wire.records)  # as the field description
    totals = wire.records[0].message[48]
    assert totals == "000000010000001000000002500001" "0" "000000003000001000000000000000" "0"
    end = wire.records[2].message
    assert (end.mti, end[60], end[48]) == ("0320", "00000001207", "0000")
    assert engine.journal.current_batch() == 2


@pytest.mark.parametrize(("terminal_mac", "host_mac"), [
    (False, CupBatchMac.ACCEPT),  # the defaults: the CUP field description, no DE 64 on the batch messages
    (True, CupBatchMac.ACCEPT),  # a MACed batch is verified and answered MACed
    (True, CupBatchMac.REQUIRE),  # the hardened pair
])
async def test_settlement_out_of_balance_uploads_the_batch_and_closes_it(
    cup_host: StartHost, cup_terminal: OpenTerminal, terminal_mac: bool, host_mac: CupBatchMac
) -> None:
    approved_without_money = {"name": "approve without processing", "mti": "0200", "processing_code": "000000",
                              "amount_min": 777, "amount_max": 777, "respond": "00"}
    host = await cup_host([approved_without_money], cup_batch_mac=host_mac)
    engine = cup_terminal(host, cup_batch_mac=terminal_mac)
    assert (await engine.sign_on()).approved
    wire = Wire()
    engine.observer = wire
    sale = await engine.sale(card(), 10000, pin=DEBIT_PIN)
    await engine.sale(card(), 777, pin=DEBIT_PIN)
    await engine.refund(refund_of(sale.rrn, 2500))
    wire.clear()
    result = await engine.settle("0000")
    assert (result.response_code, result.settlement["result"], result.settlement["batch_uploaded"]) == (
        "00", "CLOSED", True)
    assert wire.sent() == ["0500", "0320", "0320", "0320"]
    assert {64 in r.message for r in wire.records} == {terminal_mac}  # requests and answers alike
    assert {de64_announced(r.raw) for r in wire.records} == {terminal_mac}  # bitmap bit 64 of the bytes on the wire
    answered = wire.records[1].message[48]
    assert answered[30] == "2" and answered[61] == "1"  # domestic not balanced, foreign balanced
    sales, refund, end = (r.message for r in wire.records[2::2])
    assert sales[48].startswith("02" "00" f"{sale.stan:06d}" + "0" * 20 + "000000010000")
    assert (refund[3], Field60.decode(refund[60]).transaction_type) == ("200000", "25")
    assert (end[60], end[48]) == ("00000001202", "0003")
    journal = host.journal()
    outcomes = [(s.basis.value, s.response_code) for s in journal.settlements("POSSIM01")]
    assert outcomes == [("journal", "95"), ("upload", "00")]
    assert len(journal.uploads("POSSIM01", 1)) == 3


# -- configuration ---------------------------------------------------------------------------


async def test_cup_pos_needs_master_session_keys(cup_host: StartHost, cup_terminal: OpenTerminal) -> None:
    host = await cup_host()
    with pytest.raises(ConfigError, match="key_scheme: the cup-pos profile uses master/session keys"):
        cup_terminal(host, key_scheme=KeyScheme.DUKPT_TDES)


async def test_a_swiped_refund_without_pin_says_so_in_the_entry_mode(cup_host: StartHost,
                                                                      cup_terminal: OpenTerminal) -> None:
    _, engine, wire = await signed_on(cup_host, cup_terminal)
    sale = await engine.sale(card(entry=EntryMode.SWIPE), 1000, pin=DEBIT_PIN)
    await engine.refund(refund_of(sale.rrn, 500))
    sale_request, refund_request = (r.message for r in wire.records if r.direction.value == "out")
    assert (sale_request[22], refund_request[22]) == ("021", "022")
    assert 53 not in refund_request and 52 not in refund_request


# -- possim load -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["light", "engine"])
async def test_possim_load_runs_cup_pos_terminals_against_the_embedded_cup_host(tmp_path: Path, model: str) -> None:
    plan = LoadPlan(terminals=2, transactions=8, mix=Mix.parse("sale=2,refund=1,void=1"), dialect="cup-pos",
                    response_timeout=5.0, model=model)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)
    assert report.errors == [] and report.total(Result.APPROVED) == report.operations == 18
    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        notes = {t.note.split(";")[0] for t in journal.transactions() if t.note}
        assert {"cup-pos 0200 60.1=22", "cup-pos 0220 60.1=25", "cup-pos 0200 60.1=23"} <= notes
    finally:
        journal.close()


@pytest.mark.parametrize(("scheme", "field62", "stored"), [
    ("001", 24, {"cup-pik", "cup-mak"}), ("003", 40, {"cup-pik", "cup-mak"}),
    ("004", 60, {"cup-pik", "cup-mak", "cup-tdk"}),
])
async def test_each_sign_on_key_scheme_signs_on_and_a_sale_is_approved_under_its_keys(
    cup_host: StartHost, cup_terminal: OpenTerminal, scheme: str, field62: int, stored: set[str]
) -> None:
    host = await cup_host()
    engine = cup_terminal(host, cup_sign_on_keys=scheme)
    wire = Wire()
    engine.observer = wire
    assert (await engine.sign_on()).approved
    assert Field60.decode(wire.records[0].message[60]).network_management_code == scheme
    assert len(wire.records[1].message[62]) == field62
    assert stored <= set(engine.keyring.store.names()) and ("cup-tdk" in engine.keyring.store.names()) == (scheme == "004")
    sale = await engine.sale(card(), 1000, pin=DEBIT_PIN)
    assert sale.approved
    sent = wire.records[2].message
    assert SecurityControl.decode(sent[53]).encryption.value == ("0" if scheme == "001" else "6")


async def test_sign_off_drops_the_keys_and_the_next_sale_signs_on_first(cup_host: StartHost,
                                                                       cup_terminal: OpenTerminal) -> None:
    _, engine, wire = await signed_on(cup_host, cup_terminal, cup_sign_on_keys="004")
    result = await engine.sign_off()
    assert (result.outcome, result.response_code, wire.sent()) == (Outcome.COMPLETED, "00", ["0820"])
    assert Field60.decode(wire.records[0].message[60]).network_management_code == "002"
    assert not {"cup-pik", "cup-mak", "cup-tdk"} & set(engine.keyring.store.names())
    wire.clear()
    assert (await engine.sale(card(), 1000, pin=DEBIT_PIN)).approved
    assert wire.sent() == ["0800", "0200"]


async def test_offline_refunds_are_stored_and_forwarded_as_their_0220_once_the_host_is_back(
    cup_host: StartHost, cup_terminal: OpenTerminal
) -> None:
    """Store-and-forward on cup-pos: a matched refund completes offline (Y3) while the host is down; its 0220
    (no card data) goes first when the host is back, in order and once; the settlement then balances."""
    host = await cup_host()
    engine = cup_terminal(host, offline_refunds=True, offline_amount_limit=5000)
    sale = await engine.sale(card(), 9000, pin=DEBIT_PIN)
    assert sale.approved
    await host.server.stop()
    offline = [await engine.refund(refund_of(sale.rrn, amount)) for amount in (1000, 2000)]
    assert [(r.outcome, r.response_code, r.offline) for r in offline] == [(Outcome.COMPLETED, "Y3", True)] * 2
    host = await cup_host()
    engine.config = engine.config.with_overrides(host_url=host.url)
    wire = Wire()
    engine.observer = wire
    settled = await engine.settle(SUPERVISOR)
    assert settled.approved
    assert wire.sent()[:3] == ["0220", "0220", "0500"]
    advices = [r.message for r in wire.records if r.direction.value == "out" and r.message.mti == "0220"]
    assert [a[11] for a in advices] == [f"{r.stan:06d}" for r in offline] and not any(2 in a or 35 in a for a in advices)
    assert host.credits() == [1000, 2000]
    assert engine.journal.pending_advices() == []
