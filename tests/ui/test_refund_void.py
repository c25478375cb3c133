"""Refunds and voids through the UI against the real host: supervisor password, original, partial amounts."""

from __future__ import annotations

from pos_terminal.state.records import TxnStatus, TxnType

from tests.ui.conftest import (
    SIZE, SUPERVISOR, MakeApp, StartHost, approved_sale, lcd, printed, status_bar, type_keys,
)


async def test_a_partial_refund_by_invoice_leaves_the_rest_refundable(make_app: MakeApp,
                                                                      start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "2500")
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter")
        assert lcd(app) == ["SALE INV 000001", "476173******0010", "AMOUNT      USD 25.00", "LEFT        USD 25.00"]
        await type_keys(pilot, "enter", "1000", "enter", "01", "enter", "i")
        assert lcd(app)[:2] == ["REFUND      USD 10.00", "APPROVED"]
        journal = app.model.journal
        sale, refund = journal.transactions()
        assert (refund.txn_type, refund.status, refund.amount) == (TxnType.REFUND, TxnStatus.APPROVED, 1000)
        assert journal.refundable_remaining(sale.id) == 1500
        assert f"REFUND REF          {refund.rrn}" in printed(app)


async def test_a_partial_refund_by_rrn_and_date_finds_the_original(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "4000")
        sale = app.model.journal.last_transaction()
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f1", sale.rrn, "enter",
                        f"{sale.transmitted_at:%m%d}", "enter")
        assert lcd(app)[0] == "SALE INV 000001"
        await type_keys(pilot, "enter", "500", "enter", "02", "enter", "i")
        assert lcd(app)[:2] == ["REFUND       USD 5.00", "APPROVED"]
        assert app.model.journal.refundable_remaining(sale.id) == 3500


async def test_a_refund_over_the_remainder_is_refused_at_the_amount(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "2500")
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "3000", "enter")
        assert lcd(app)[:3] == ["REFUND AMOUNT", "MAX         USD 25.00", "OVER REMAINDER"]


async def test_a_void_cancels_the_sale(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "2500")
        await type_keys(pilot, "enter", "f3", SUPERVISOR, "enter", "1", "enter")
        assert lcd(app) == ["VOID SALE 000001", "476173******0010", "            USD 25.00", "ENTER=VOID CANCEL=NO"]
        await type_keys(pilot, "enter")
        assert lcd(app)[:2] == ["VOID        USD 25.00", "APPROVED"]
        journal = app.model.journal
        assert journal.transactions()[0].is_voided
        assert journal.last_transaction().txn_type is TxnType.VOID


async def test_a_wrong_supervisor_password_is_refused_and_counted(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f2", "1111")
        assert lcd(app) == ["REFUND", "SUPERVISOR PASSWORD", "                 ****", ""]
        await type_keys(pilot, "enter")
        assert lcd(app) == ["REFUND", "SUPERVISOR PASSWORD", "", "WRONG, 2 TRIES LEFT"]
        assert "BEEP error" in status_bar(app)
        events = app.model.journal.events("audit")
        assert [(event.detail["operation"], event.detail["decision"], event.detail["failures"])
                for event in events] == [("refund", "refused", 1)]


