"""The screen keeps answering while the device waits for a slow host."""

from __future__ import annotations

import time

from textual.widgets import Select

from tests.ui.conftest import SIZE, MakeApp, StartHost, lcd, settle, status_bar, type_keys


async def test_the_ui_answers_keys_while_the_host_delays_its_response(make_app: MakeApp,
                                                                      start_host: StartHost) -> None:
    host = await start_host([{"mti": "0200", "delay": 2}])
    app = make_app(host.url, response_timeout=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "2500", "enter", "i", "1234")
        await pilot.press("enter")
        started = time.monotonic()
        while not app.model.busy or "PROCESSING" not in lcd(app)[1]:
            assert time.monotonic() - started < 2, "the device never went online"
            await pilot.pause(0.02)
        assert lcd(app) == ["SALE", "PROCESSING", "PLEASE WAIT", ""]
        assert "BUSY" in status_bar(app)

        pressed = time.monotonic()
        await pilot.press("c", "5")  # a UI action (next card) and a keypad key
        assert app.query_one("#card-select", Select).value == "visa_cvn10"
        assert "BUSY: INPUT IGNORED" in status_bar(app)
        assert time.monotonic() - pressed < 1.0
        assert app.model.busy, "the host answered before the test could check the UI"

        await settle(pilot)
        assert lcd(app)[:2] == ["SALE        USD 25.00", "APPROVED"]
        assert time.monotonic() - pressed > 1.0
