"""The keyboard stands for the keypad: digits, Enter, Backspace = CLEAR, Escape = CANCEL, F1-F4, m = MENU."""

from __future__ import annotations

from pos_terminal.device import IdleStep, MoreStep, SaleStep

from tests.ui.conftest import FIXED_NOW, SIZE, MakeApp, click, lcd, settle, type_keys


async def test_the_idle_screen_is_the_models_display(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        assert lcd(app) == ["POSSIM TEST MERCHANT", f"{FIXED_NOW:%Y-%m-%d %H:%M}", "F1 SALE     F2 REFUND",
                            "F3 VOID       F4 MORE"]
        assert app.query_one("#lcd").text == list(app.model.display)


async def test_digits_and_enter_type_an_amount(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "1234")
        assert lcd(app)[3].strip() == "USD 12.34"


async def test_backspace_is_clear(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1", "1", "2", "3", "4", "backspace")  # the pilot's own key presses
        await settle(pilot)
        assert lcd(app)[3].strip() == "USD 1.23"


async def test_the_00_key_adds_two_zeros(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "5")
        await click(pilot, "#key-00")
        assert lcd(app)[3].strip() == "USD 5.00"


async def test_escape_is_cancel(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "99")
        assert app.model.screen is SaleStep.AMOUNT
        await type_keys(pilot, "escape")
        assert app.model.screen is IdleStep.IDLE


async def test_m_opens_the_menu_of_the_device(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "m")
        assert app.model.screen is MoreStep.MENU
        assert lcd(app)[0] == "F1 SETTLE  F2 SIGN-ON"


async def test_a_refused_key_shows_the_beep_in_the_status_bar(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "5")
        assert "BEEP error" in app.query_one("#status-bar").plain
