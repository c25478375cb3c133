"""Under the display, every screen says which key comes next; refusals say why, and no text is cut."""

from __future__ import annotations

from pos_terminal.device import WIDTH
from protocols.possim87.additional_data import REFUND_REASONS

from tests.ui.conftest import SIZE, SUPERVISOR, MakeApp, StartHost, approved_sale, key_hint, lcd, type_keys


async def test_the_idle_screen_names_the_function_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert key_hint(app) == ["F1 SALE  F2 REFUND  F3 VOID", "F4 OR MENU: MORE"]


async def test_the_amount_step_says_how_amounts_are_typed(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1")
        assert key_hint(app)[0] == "TYPE 2500 FOR USD 25.00, ENTER"


async def test_a_result_screen_says_which_key_comes_next(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        assert key_hint(app) == ["F2 E-RECEIPT TO A PHONE", "ANY OTHER KEY: DONE"]


async def test_the_original_found_screen_says_enter_is_ok(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter")
        assert lcd(app)[0] == "SALE INV 000001"
        assert key_hint(app) == ["ENTER OK: REFUND THIS SALE", "CANCEL STOP"]


async def test_the_reason_step_lists_the_reason_codes(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "1000", "enter")
        assert lcd(app)[1] == "REASON CODE"
        listed = " ".join(key_hint(app))
        assert all(code in listed.split() for code in REFUND_REASONS)
        assert "ENTER OK" in listed


async def test_a_short_rrn_says_why_it_is_refused(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f2", SUPERVISOR, "enter", "f1", "12345", "enter")
        assert lcd(app) == ["REFUND", "ORIGINAL RRN", "12345".rjust(WIDTH), "12 DIGITS, NOT 5"]
        assert app.model.last_beep is not None and app.model.last_beep.value == "error"
        assert key_hint(app)[0] == "THE SALE'S 12-DIGIT RRN, ENTER"


async def test_every_hint_line_fits_under_the_display(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    widest = 0
    async with app.run_test(size=SIZE) as pilot:
        for keys in (["f1"], ["2500", "enter"], ["i"], ["1234"], ["enter"], ["enter", "f2"], [SUPERVISOR],
                     ["enter"], ["f2"], ["1", "enter"], ["enter"], ["1000", "enter"], ["01", "enter"],
                     ["escape", "f3"], [SUPERVISOR, "enter"], ["1", "enter"], ["escape", "f4"], ["1"]):
            await type_keys(pilot, *keys)
            widest = max(widest, *(len(line) for line in key_hint(app)))
            assert 1 <= len(key_hint(app)) <= 3, key_hint(app)
        assert widest <= app.query_one("#key-hint").content_region.width


async def test_a_long_refusal_is_shown_whole_on_further_screens(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url, offline_refunds=True, offline_amount_limit=500)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        await type_keys(pilot, "enter", "u", "f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "1000", "enter",
                        "01", "enter", "i")
        shown = [lcd(app)]
        assert key_hint(app)[0] == "ENTER MORE (1/2)"
        await type_keys(pilot, "enter")
        shown.append(lcd(app))
        assert key_hint(app) == ["ANY KEY: DONE"]
        text = " ".join(" ".join(screen[1:]) for screen in shown)
        assert "DECLINED OFFLINE: OFFLINE LIMIT: USD 10.00 EXCEEDS THE OFFLINE REFUND LIMIT USD 5.00" in text
        assert all(len(line) <= WIDTH for screen in shown for line in screen)
        await type_keys(pilot, "enter")
        assert app.model.screen == "idle"
