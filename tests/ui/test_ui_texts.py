"""What the device says after the fact: singular tries, the beep of the last result, the host's answer in its place."""

from __future__ import annotations

from tests.ui.conftest import SIZE, SUPERVISOR, MakeApp, StartHost, approved_sale, lcd, status_bar, type_keys


async def test_one_try_left_is_singular(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f2", "1111", "enter", "2222", "enter")
        assert lcd(app) == ["REFUND", "SUPERVISOR PASSWORD", "", "WRONG, 1 TRY LEFT"]


async def test_a_good_echo_replaces_the_beep_of_a_failed_one(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "u", "f4", "f3")
        assert "BEEP failure" in status_bar(app)
        await type_keys(pilot, "escape", "u", "f4", "f3")
        assert lcd(app)[:2] == ["ECHO TEST", "OK"]
        assert "BEEP success" in status_bar(app)


async def test_the_hosts_answer_stays_on_the_funds_page(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "2500")
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "1000", "enter",
                        "01", "enter", "i")
        refund = app.model.journal.last_transaction()
        await type_keys(pilot, "escape", "f4", "1", "1", "enter", "enter", "enter")
        assert lcd(app)[3] == "F1 ASK THE HOST"
        await type_keys(pilot, "f1")
        assert lcd(app)[3] == "HOST: POSTED"
        await type_keys(pilot, "backspace", "backspace", "backspace")
        assert lcd(app)[0] == "REFUND INV 000002" and lcd(app)[3].endswith(refund.rrn)
