"""Settlement from the MORE menu closes the batch and prints the report."""

from __future__ import annotations

from tests.ui.conftest import SIZE, MakeApp, StartHost, approved_sale, lcd, printed, status_bar, type_keys


async def test_settlement_closes_the_batch_and_prints_the_report(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        assert "BATCH 000001" in status_bar(app)
        await type_keys(pilot, "enter", "f4")
        assert lcd(app) == ["F1 SETTLE  F2 SIGN-ON", "F3 ECHO    F4 REPRINT", "1 HISTORY  2 SETTINGS", "3 UNLOCK  4 SIGN-OFF"]
        receipts_before = len(app.model.printer)
        await type_keys(pilot, "f1")
        assert lcd(app)[:2] == ["SETTLEMENT", "SUPERVISOR PASSWORD"]
        await type_keys(pilot, "0000", "enter")
        assert lcd(app)[:2] == ["SETTLEMENT", "BATCH CLOSED"]
        assert app.model.journal.current_batch() == 2
        assert "BATCH 000002" in status_bar(app)
        assert len(app.model.printer) == receipts_before + 1
        assert "\n".join(app.model.printer[-1]) in printed(app)


async def test_settlement_is_refused_at_once_while_the_supervisor_functions_are_locked(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f4", "f1", "1111", "enter", "2222", "enter", "3333", "enter")
        assert lcd(app)[:2] == ["SETTLEMENT", "SUPERVISOR LOCKED"]
        await type_keys(pilot, "enter", "f4", "f1")
        assert lcd(app)[:2] == ["SETTLEMENT", "SUPERVISOR LOCKED"]
        decisions = [event.detail["decision"] for event in app.model.journal.events("audit")]
        assert decisions[-1] == "refused-locked"
