"""Store-and-forward and settlement: the real terminal against the real host over 127.0.0.1.

Host down -> offline refunds queued as advices -> host up -> the advices go first, in order, once;
settlement totals then match; a reconciliation mismatch triggers a batch upload, then the batch closes.
"""

from __future__ import annotations

import pytest

from collections.abc import Callable
from typing import Any

from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.common.results import Outcome
from simulator.host.journal import Cause

from tests.e2e.conftest import Host
from tests.e2e.test_refund_flows import approved_sale, card, refund

HostStarter = Callable[..., Any]
TerminalOpener = Callable[..., TerminalEngine]


def mtis(host: Host) -> list[str]:
    return [row["mti"] for row in host.journal().messages() if row["direction"] == "in"]


async def offline_terminal(start_host: HostStarter, open_terminal: TerminalOpener) -> tuple[Host, TerminalEngine, Any]:
    host = await start_host()
    terminal = open_terminal(host, offline_refunds=True, offline_amount_limit=5000, offline_queue_limit=3)
    sale = await approved_sale(terminal, 9000)
    await host.server.stop()
    return host, terminal, sale


async def test_refunds_complete_offline_while_the_host_is_down(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    _, terminal, sale = await offline_terminal(start_host, open_terminal)
    result = await terminal.refund(refund(1000, sale.rrn))
    assert result.outcome is Outcome.COMPLETED and result.offline and result.approved
    assert [advice.transaction_id for advice in terminal.journal.pending_advices()] == [
        terminal.journal.find_by_invoice(result.invoice).id
    ]


async def test_an_offline_refunds_answer_names_what_is_left_to_refund_of_its_sale(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    _, terminal, sale = await offline_terminal(start_host, open_terminal)
    result = await terminal.refund(refund(1000, sale.rrn))
    assert result.offline and result.to_json()["original"]["refundable_remaining"] == 8000


async def test_an_offline_refund_over_the_limit_is_declined_offline(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    _, terminal, sale = await offline_terminal(start_host, open_terminal)
    result = await terminal.refund(refund(5001, sale.rrn))
    assert result.outcome is Outcome.REFUSED and "offline limit" in result.error


async def test_the_advice_queue_is_limited(start_host: HostStarter, open_terminal: TerminalOpener) -> None:
    _, terminal, sale = await offline_terminal(start_host, open_terminal)
    for _ in range(3):
        assert (await terminal.refund(refund(100, sale.rrn))).offline
    fourth = await terminal.refund(refund(100, sale.rrn))
    assert fourth.outcome is Outcome.REFUSED and "3 advices already queued" in fourth.error


@pytest.mark.matrix("dialect", "scheme")
async def test_advices_go_first_in_order_and_once_then_settlement_matches(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    _, terminal, sale = await offline_terminal(start_host, open_terminal)
    offline = [await terminal.refund(refund(amount, sale.rrn)) for amount in (100, 200, 300)]
    assert all(result.offline for result in offline)
    host = await start_host()
    terminal.config = terminal.config.with_overrides(host_url=host.url)
    before = len(mtis(host))

    next_sale = await terminal.sale(card(), 1500, pin="1234")
    settled = await terminal.settle("0000")

    assert next_sale.approved
    assert mtis(host)[before:before + 4] == ["0220", "0220", "0220", "0200"]
    credits = [entry.amount for entry in host.journal().ledger() if entry.cause is Cause.REFUND]
    assert credits == [100, 200, 300]
    assert settled.response_code == "00" and settled.settlement["batch_uploaded"] is False
    assert terminal.journal.current_batch() == 2


@pytest.mark.matrix("dialect", "scheme")
async def test_a_reconciliation_mismatch_uploads_the_batch_and_then_closes(
    start_host: HostStarter, open_terminal: TerminalOpener
) -> None:
    host = await start_host([{"mti": "0500", "respond": "95", "times": 1}])
    terminal = open_terminal(host)
    sale = await approved_sale(terminal, 4000)
    await terminal.refund(refund(1000, sale.rrn))

    settled = await terminal.settle("0000")

    assert settled.response_code == "00" and settled.settlement["batch_uploaded"] is True
    assert mtis(host)[-4:] == ["0500", "0320", "0320", "0500"]
    assert terminal.journal.current_batch() == 2
    totals = settled.settlement["totals"]
    assert totals["debit"] == {"count": 1, "amount": 4000}
    assert totals["credit"] == {"count": 1, "amount": 1000}
