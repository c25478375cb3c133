"""Recovery edge cases: lost answers to repeats, reversals overtaking originals, refusals that must stay typed.

Each test states a scenario (first found in a money-safety review) and the behaviour that keeps
money from moving twice or being lost.
"""

from __future__ import annotations

import pytest

from pos_terminal.state.records import TxnStatus
from pos_terminal.common.results import Outcome
from protocols.security import KeyScheme
from simulator.host import HostLogic
from simulator.host.journal import Cause

from tests.e2e.conftest import LOST_ANSWER_TIMEOUT, SUPERVISOR
from tests.e2e.test_refund_flows import approved_sale, card, refund
from tests.unit.host.conftest import MiniTerminal

DUKPT = [KeyScheme.DUKPT_TDES, KeyScheme.DUKPT_AES]


# --- D1: a DUKPT repeat (0401 / 0221) gets the stored response, MACed under the first attempt's KSN ----------

@pytest.mark.parametrize("scheme", DUKPT, ids=lambda s: s.value)
async def test_dukpt_0401_repeat_is_acknowledged_after_a_lost_0410(start_host, open_terminal) -> None:
    host = await start_host([
        {"mti": "0200", "processing_code": "000000", "drop": True, "times": 1},  # sale processed, answer lost
        {"mti": "0400", "drop": True, "times": 1},                               # reversal processed, answer lost
    ])
    terminal = open_terminal(host, response_timeout=LOST_ANSWER_TIMEOUT)
    result = await terminal.sale(card(), 2500, pin="1234")
    assert result.outcome is Outcome.COMMUNICATION_FAILED
    # The 0400 was applied by the host (money undone); the 0401 repeats must now be acknowledged.
    assert host.journal().net_debit() == 0
    assert result.reversal is not None and result.reversal.status == "acked", (
        f"reversal still {result.reversal}; pending={terminal.journal.pending_reversals()}")


@pytest.mark.parametrize("scheme", DUKPT, ids=lambda s: s.value)
async def test_dukpt_0221_repeat_is_acknowledged_and_the_batch_settles(start_host, open_terminal) -> None:
    host = await start_host()
    terminal = open_terminal(host, offline_refunds=True, offline_amount_limit=5000,
                             response_timeout=LOST_ANSWER_TIMEOUT)
    sale = await approved_sale(terminal, 9000)
    await host.server.stop()
    offline = await terminal.refund(refund(1000, sale.rrn))
    assert offline.offline and offline.approved
    host = await start_host([{"mti": "0220", "drop": True, "times": 1}])  # advice applied, 0230 lost
    terminal.config = terminal.config.with_overrides(host_url=host.url)
    await terminal.echo()                      # 0220 -> applied, answer dropped
    settled = await terminal.settle("0000")          # 0221 -> stored response under the old KSN
    credits = [e.amount for e in host.journal().ledger() if e.cause is Cause.REFUND]
    assert credits == [1000]
    assert terminal.journal.pending_advices() == [], "advice never acknowledged: terminal can never settle"
    assert settled.response_code == "00", settled


# --- D2: void of a sale that has an approved refund: JournalError escapes, channel left open ---------------

@pytest.mark.parametrize("scheme", [KeyScheme.MKSK], ids=lambda s: s.value)
async def test_void_of_a_refunded_sale_is_a_typed_refusal_and_closes_its_channel(start_host, open_terminal) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal, 2000)
    assert (await terminal.refund(refund(500, sale.rrn))).approved
    opened = []
    original_open = terminal._open

    async def tracking_open():
        channel = await original_open()
        opened.append(channel)
        return channel

    terminal._open = tracking_open  # type: ignore[method-assign]
    try:
        result = await terminal.void(sale.invoice, SUPERVISOR)
    finally:
        leaked = [c for c in opened if not c.closed]
        for c in leaked:
            await c.close()
    assert not leaked, "the connection opened for the void was never closed"
    assert result.outcome is Outcome.REFUSED


# --- D3: offline refund while an earlier refund of the same sale is pending: JournalError escapes ---------

@pytest.mark.parametrize("scheme", [KeyScheme.MKSK], ids=lambda s: s.value)
async def test_offline_refund_with_a_pending_refund_is_a_typed_refusal(start_host, open_terminal) -> None:
    host = await start_host([
        {"mti": "0200", "processing_code": "200000", "drop": True},
        {"mti": ["0400", "0401"], "drop": True},
    ])
    terminal = open_terminal(host, offline_refunds=True, offline_amount_limit=50_000, reversal_attempts_per_run=1,
                             response_timeout=LOST_ANSWER_TIMEOUT)
    sale = await approved_sale(terminal, 1000)
    first = await terminal.refund(refund(600, sale.rrn))
    assert first.outcome is Outcome.COMMUNICATION_FAILED and first.reversal.status == "pending"
    await host.server.stop()
    second = await terminal.refund(refund(600, sale.rrn))   # engine: remainder 1000; journal: 400 -> JournalError
    assert second.outcome is Outcome.REFUSED


# --- D4: a reversal that overtakes its original: the late original still moves money -------------------

def test_host_refuses_an_original_that_arrives_after_its_reversal(terminal: MiniTerminal, host: HostLogic) -> None:
    sale = terminal.financial("000000", 10000)
    assert terminal.send(terminal.reversal(sale)).response_code == "00"   # "reversal of unknown" acknowledged
    late = terminal.send(sale)                                              # the original arrives late
    assert host.journal.net_debit() == 0, (
        f"late original answered {late.response_code} and debited the cardholder after its reversal was acked")


# --- D5: a non-approval answer to a reversal is taken as its acknowledgement ------------------------------

@pytest.mark.parametrize("scheme", [KeyScheme.MKSK], ids=lambda s: s.value)
async def test_a_0410_with_96_does_not_clear_the_reversal(start_host, open_terminal) -> None:
    host = await start_host([
        {"mti": "0200", "drop": True, "times": 1},                # sale processed, answer lost
        {"mti": ["0400", "0401"], "respond": "96", "times": 1},   # host malfunction: nothing reversed
    ])
    terminal = open_terminal(host, response_timeout=LOST_ANSWER_TIMEOUT)
    result = await terminal.sale(card(), 2500, pin="1234")
    txn = terminal.journal.get(result.transaction_id)
    debit = host.journal().net_debit()
    assert not (txn.status is TxnStatus.REVERSED and debit == 2500), (
        "terminal marked the sale REVERSED on a 0410/96 while the host still holds the 25.00 debit")


# --- D6: a malformed original date typed by the cashier escapes as ValueError --------------------------

@pytest.mark.parametrize("scheme", [KeyScheme.MKSK], ids=lambda s: s.value)
async def test_a_malformed_original_date_is_a_typed_refusal(start_host, open_terminal) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    sale = await approved_sale(terminal, 2000)
    result = await terminal.refund(refund(500, sale.rrn, original_date="3/14"))
    assert result.outcome is Outcome.REFUSED
