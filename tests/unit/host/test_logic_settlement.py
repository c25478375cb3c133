"""Settlement (0500 / 0510) and batch upload (0320 / 0330): the host's totals, the uploaded set, the journal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from protocols.iso87 import BatchTotals, TotalsKind
from simulator.host import HostLogic
from simulator.host.journal import SettlementBasis

from .conftest import MiniTerminal, make_host, rrn_of

DEBIT, CREDIT = TotalsKind.DEBIT, TotalsKind.CREDIT
DEBIT_REVERSAL, CREDIT_REVERSAL = TotalsKind.DEBIT_REVERSAL, TotalsKind.CREDIT_REVERSAL


def totals(*entries: tuple[TotalsKind, int]) -> BatchTotals:
    return BatchTotals.of(entries)


def settle(terminal: MiniTerminal, expected: BatchTotals, **options: object) -> str | None:
    return terminal.send(terminal.settlement(expected, **options)).response_code  # type: ignore[arg-type]


def test_empty_batch_settles_with_zero_totals(terminal: MiniTerminal) -> None:
    assert settle(terminal, totals()) == "00"


def test_matching_totals_are_00(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    terminal.refund(4000, sale)
    assert settle(terminal, totals((DEBIT, 10000), (CREDIT, 4000))) == "00"


def test_differing_totals_are_95(terminal: MiniTerminal) -> None:
    terminal.sale(10000)
    assert settle(terminal, totals((DEBIT, 9999))) == "95"


def test_settlement_response_is_0510_and_its_mac_verifies(terminal: MiniTerminal) -> None:
    decision = terminal.send(terminal.settlement(totals()))
    assert decision.response.mti == "0510"
    terminal.verify(decision)


def test_applied_advice_counts_as_a_credit(terminal: MiniTerminal) -> None:
    terminal.send(terminal.advice(3000, rrn_of(terminal.sale(10000))))
    assert settle(terminal, totals((DEBIT, 10000), (CREDIT, 3000))) == "00"


def test_refused_advice_counts_nowhere(terminal: MiniTerminal) -> None:
    terminal.send(terminal.advice(20000, rrn_of(terminal.sale(10000))))  # 13: over the remainder
    assert settle(terminal, totals((DEBIT, 10000))) == "00"


def test_voided_sale_counts_as_debit_and_debit_reversal(terminal: MiniTerminal) -> None:
    terminal.void(rrn_of(terminal.sale(10000)))
    assert settle(terminal, totals((DEBIT, 10000), (DEBIT_REVERSAL, 10000))) == "00"


def test_voided_refund_counts_as_credit_and_credit_reversal(terminal: MiniTerminal) -> None:
    refund = rrn_of(terminal.refund(4000, rrn_of(terminal.sale(10000))))
    terminal.void(refund, 4000, "220000")
    assert settle(terminal, totals((DEBIT, 10000), (CREDIT, 4000), (CREDIT_REVERSAL, 4000))) == "00"


def test_reversed_sale_counts_nowhere(terminal: MiniTerminal) -> None:
    request = terminal.financial("000000", 10000)
    terminal.send(request)
    terminal.send(terminal.reversal(request))
    assert settle(terminal, totals()) == "00"


def test_reversed_void_leaves_the_sale_as_a_debit_only(terminal: MiniTerminal) -> None:
    sale = rrn_of(terminal.sale(10000))
    void = terminal.financial("020000", 10000, rrn=sale, card_name=None)
    terminal.send(void)
    terminal.send(terminal.reversal(void))
    assert settle(terminal, totals((DEBIT, 10000))) == "00"


def test_declined_sale_counts_nowhere(terminal: MiniTerminal) -> None:
    terminal.sale(10000, pin="9999")
    assert settle(terminal, totals()) == "00"


def test_other_batches_do_not_count(terminal: MiniTerminal) -> None:
    terminal.sale(10000)  # batch 1
    assert settle(terminal, totals(), batch=2) == "00"


def test_other_terminals_do_not_count(tmp_path: Path) -> None:
    from simulator.host.config import TerminalEntry

    host = make_host(tmp_path, terminals={tid: TerminalEntry(tid, "POSSIM000000001")
                                          for tid in ("POSSIM01", "POSSIM02")})
    try:
        first, second = MiniTerminal(host), MiniTerminal(host, terminal_id="POSSIM02")
        first.sign_on(), second.sign_on()
        first.sale(10000)
        assert settle(second, totals()) == "00"
    finally:
        host.close()


def test_sale_approved_by_a_rule_without_money_is_a_mismatch(tmp_path: Path) -> None:
    host = make_host(tmp_path, '[[rule]]\nmti = "0200"\nrespond = "00"\ntimes = 1\n')
    try:
        mini = MiniTerminal(host)
        mini.sign_on()
        mini.sale(10000)
        assert settle(mini, totals((DEBIT, 10000))) == "95"
    finally:
        host.close()


def test_settlement_is_journaled_with_both_totals(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.sale(10000)
    settle(terminal, totals((DEBIT, 5000)))
    [record] = host.journal.settlements("POSSIM01")
    assert (record.batch, record.response_code, record.basis, record.settled) == (
        1, "95", SettlementBasis.JOURNAL, False)
    assert record.terminal_totals.amount(DEBIT) == 5000 and record.host_totals.amount(DEBIT) == 10000


def test_settlement_without_batch_number_is_30(terminal: MiniTerminal) -> None:
    from protocols.security import sign_request

    request = terminal.settlement(totals())
    del request.fields[60]
    decision = terminal.send(sign_request(request, terminal.dialect, terminal.session))
    assert (decision.response.mti, decision.response_code) == ("0510", "30")


def test_settlement_with_another_processing_code_is_30(terminal: MiniTerminal) -> None:
    assert settle(terminal, totals(), processing_code="000000") == "30"


def test_settlement_with_a_bad_mac_is_63(terminal: MiniTerminal, host: HostLogic) -> None:
    request = terminal.settlement(totals())
    tampered = replace(request, fields={**request.fields, 88: "0000000000000001"})
    assert terminal.send(tampered).response_code == "63"
    assert host.journal.settlements() == []


def test_retransmitted_settlement_gets_the_stored_0510(terminal: MiniTerminal, host: HostLogic) -> None:
    request = terminal.settlement(totals())
    first = terminal.send(request)
    again = terminal.send(request)
    assert again.retransmission and again.response_bytes == first.response_bytes
    assert len(host.journal.settlements()) == 1


def test_dukpt_settlement_is_verified_and_answered(tmp_path: Path) -> None:
    host = make_host(tmp_path / "data")
    try:
        mini = MiniTerminal(host, scheme="dukpt-aes")
        mini.sale(10000)
        assert settle(mini, totals((DEBIT, 10000))) == "00"
    finally:
        host.close()


# -- batch upload -----------------------------------------------------------------------------


def test_upload_is_answered_0330_00(terminal: MiniTerminal) -> None:
    decision = terminal.send(terminal.upload("000000", 10000, "000000000001"))
    assert (decision.response.mti, decision.response_code) == ("0330", "00")


def test_upload_is_recorded_for_its_terminal_and_batch(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.upload("200000", 4000, "000000000002", voided=True))
    [upload] = host.journal.uploads("POSSIM01", 1)
    assert (upload.rrn, upload.processing_code, upload.amount, upload.voided) == ("000000000002", "200000", 4000, True)


def test_upload_of_the_same_transaction_replaces_the_previous_one(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.upload("000000", 10000, "000000000001"))
    terminal.send(terminal.upload("000000", 10000, "000000000001", voided=True))
    assert [u.voided for u in host.journal.uploads("POSSIM01", 1)] == [True]


def test_upload_without_rrn_is_0330_30(terminal: MiniTerminal, host: HostLogic) -> None:
    from protocols.security import sign_request

    request = terminal.upload("000000", 10000, "000000000001")
    del request.fields[37]
    decision = terminal.send(sign_request(request, terminal.dialect, terminal.session))
    assert (decision.response.mti, decision.response_code) == ("0330", "30")
    assert host.journal.uploads("POSSIM01", 1) == []


def test_upload_with_a_bad_voided_flag_is_30(terminal: MiniTerminal) -> None:
    assert terminal.send(terminal.upload("000000", 1, "000000000001", tags={"VO": "Y"})).response_code == "30"


def test_upload_of_a_void_is_30(terminal: MiniTerminal) -> None:
    assert terminal.send(terminal.upload("020000", 1, "000000000001")).response_code == "30"


def test_settlement_after_upload_compares_with_the_uploaded_set(terminal: MiniTerminal) -> None:
    terminal.sale(10000)  # the host's journal: one debit of 100.00
    terminal.send(terminal.upload("000000", 7000, "000000000009"))
    terminal.send(terminal.upload("200000", 1000, "000000000010", voided=True))
    uploaded = totals((DEBIT, 7000), (CREDIT, 1000), (CREDIT_REVERSAL, 1000))
    assert settle(terminal, uploaded, processing_code="960000") == "00"


def test_settlement_after_upload_differing_from_the_uploaded_set_is_95(terminal: MiniTerminal) -> None:
    terminal.send(terminal.upload("000000", 7000, "000000000009"))
    assert settle(terminal, totals((DEBIT, 7001)), processing_code="960000") == "95"


def test_settlement_after_upload_is_journaled_against_the_upload(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.upload("000000", 7000, "000000000009"))
    settle(terminal, totals((DEBIT, 7000)), processing_code="960000")
    assert host.journal.settlements()[-1].basis is SettlementBasis.UPLOAD


def test_new_settlement_discards_an_earlier_upload(terminal: MiniTerminal, host: HostLogic) -> None:
    terminal.send(terminal.upload("000000", 7000, "000000000009"))
    settle(terminal, totals())
    assert host.journal.uploads("POSSIM01", 1) == []


def test_mismatch_then_upload_then_settlement_closes_the_batch(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = rrn_of(terminal.sale(10000))
    refund = rrn_of(terminal.refund(4000, sale))
    assert settle(terminal, totals((DEBIT, 10000))) == "95"  # the terminal forgot its refund
    terminal.send(terminal.upload("000000", 10000, sale))
    terminal.send(terminal.upload("200000", 4000, refund))
    assert settle(terminal, totals((DEBIT, 10000), (CREDIT, 4000)), processing_code="960000") == "00"
    assert [s.settled for s in host.journal.settlements()] == [False, True]
