"""The supervisor lockout on the device: the time left, a refusal without a password prompt, the admin unlock."""

from __future__ import annotations

from tests.ui.conftest import FIXED_NOW, SIZE, SUPERVISOR, MakeApp, lcd, type_keys


async def test_three_wrong_passwords_show_the_lock_with_the_time_left(make_app: MakeApp) -> None:
    app = make_app(engine_clock=lambda: FIXED_NOW, supervisor_lockout_seconds=600)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f2", "1111", "enter", "2222", "enter", "3333", "enter")
        assert lcd(app) == ["REFUND", "SUPERVISOR LOCKED", "TRY AGAIN IN 10:00", "ADMIN: MENU 3 UNLOCK"]


async def test_a_locked_function_is_refused_before_any_password_is_asked(make_app: MakeApp) -> None:
    app = make_app(engine_clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f3", "1", "enter", "2", "enter", "3", "enter", "enter")
        await type_keys(pilot, "f2")
        assert lcd(app)[:3] == ["REFUND", "SUPERVISOR LOCKED", "TRY AGAIN IN 15:00"]
        await type_keys(pilot, "enter", "f3")
        assert lcd(app)[:2] == ["VOID", "SUPERVISOR LOCKED"]


async def test_the_merchant_admin_unlocks_from_the_more_menu(make_app: MakeApp) -> None:
    app = make_app(engine_clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f2", "1", "enter", "2", "enter", "3", "enter", "enter")
        await type_keys(pilot, "f4", "3", "0000", "enter")
        assert lcd(app)[:3] == ["ADMIN UNLOCK", "WRONG ADMIN PASSWORD", "STILL LOCKED"]
        await type_keys(pilot, "enter", "f4", "3", "9999", "enter")
        assert lcd(app)[:3] == ["ADMIN UNLOCK", "SUPERVISOR FUNCTIONS", "UNLOCKED"]
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter")
        assert lcd(app)[:2] == ["REFUND", "ORIGINAL BY:"]


async def test_the_admin_unlock_locks_after_admin_max_tries_wrong_admin_passwords(make_app: MakeApp) -> None:
    app = make_app(engine_clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f4", "3", "1111", "enter")
        assert lcd(app)[1:] == ["WRONG ADMIN PASSWORD", "", "4 TRIES LEFT"]
        for wrong in ("2222", "3333", "4444", "5555"):
            await type_keys(pilot, "enter", "f4", "3", wrong, "enter")
        assert lcd(app) == ["ADMIN UNLOCK", "TOO MANY WRONG", "ADMIN PASSWORDS", "UNLOCK LOCKED"]
        await type_keys(pilot, "enter", "f4", "3", "9999", "enter")  # the right one, refused while locked
        assert lcd(app)[3] == "UNLOCK LOCKED"
        decisions = [event.detail["decision"] for event in app.model.journal.events("audit")]
        assert decisions[-2:] == ["unlock-locked", "unlock-refused-locked"]
