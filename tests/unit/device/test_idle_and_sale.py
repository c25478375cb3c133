"""The idle screen and the sale function, up to the point it goes online."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from emv.cards import EntryMode
from pos_terminal.device import WIDTH, Beep, CardRemoved, DeviceModel, IdleStep, Key, KeyPress, SaleStep
from pos_terminal.common.results import Outcome, TxnResult

from tests.unit.device.conftest import press, present, shown


def test_idle_screen_shows_merchant_time_and_menu(device: DeviceModel) -> None:
    assert shown(device) == ["POSSIM TEST MERCHANT", "2024-05-06 09:30", "F1 SALE     F2 REFUND",
                             "F3 VOID       F4 MORE"]


def test_display_is_four_lines_of_fixed_width(device: DeviceModel) -> None:
    assert len(device.display) == 4
    assert all(len(line) == WIDTH for line in device.display)


async def test_amount_is_shown_as_money_while_typed(device: DeviceModel) -> None:
    await press(device, "F1")
    seen = [shown(device)[3].strip()]
    for digit in "123":
        await press(device, digit)
        seen.append(shown(device)[3].strip())
    assert seen == ["USD 0.00", "USD 0.01", "USD 0.12", "USD 1.23"]


async def test_double_zero_and_clear_edit_the_amount(device: DeviceModel) -> None:
    await press(device, "F1", "5", "00", "7", "CLEAR")
    assert shown(device)[3].strip() == "USD 5.00"


async def test_enter_with_no_amount_beeps_and_stays(device: DeviceModel) -> None:
    await press(device, "F1", "ENTER")
    assert device.screen is SaleStep.AMOUNT
    assert device.last_beep is Beep.ERROR and device.beeps == 1


async def test_cancel_returns_to_idle(device: DeviceModel) -> None:
    await press(device, "F1", "12", "CANCEL")
    assert device.screen is IdleStep.IDLE
    assert shown(device)[0] == "POSSIM TEST MERCHANT"


async def test_after_the_amount_the_device_asks_for_a_card(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    assert shown(device) == ["SALE", "            USD 12.50", "INSERT, TAP, SWIPE", "OR KEY IN CARD"]


async def test_chip_card_asks_for_the_pin_shown_masked(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    await present(device, "visa_credit", EntryMode.CHIP)
    await press(device, "12")
    assert device.screen is SaleStep.PIN
    assert shown(device) == ["SALE", "            USD 12.50", "ENTER PIN", "                   **"]


async def test_a_short_pin_is_refused(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    await present(device, "visa_credit", EntryMode.CONTACTLESS)
    await press(device, "123", "ENTER")
    assert device.screen is SaleStep.PIN and device.last_beep is Beep.ERROR


async def test_removing_the_chip_card_during_pin_entry_cancels(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    await present(device)
    await device.handle(CardRemoved())
    assert shown(device)[:2] == ["SALE", "CARD REMOVED"]
    assert device.engine.journal.transactions() == []


async def test_a_swiped_card_goes_online_without_pin(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    await present(device, "visa_magstripe", EntryMode.SWIPE)
    assert shown(device)[1] == "NO HOST RESPONSE"
    assert device.status.connection == "failed"


async def test_a_card_at_idle_beeps(device: DeviceModel) -> None:
    await present(device)
    assert device.screen is IdleStep.IDLE and device.last_beep is Beep.ERROR


async def test_busy_while_the_host_is_awaited_and_keys_are_ignored(device: DeviceModel) -> None:
    release = asyncio.Event()

    async def slow() -> TxnResult:
        await release.wait()
        return TxnResult("echo", Outcome.COMPLETED, response_code="00")

    exchange = asyncio.create_task(device.online("ECHO TEST", slow, connecting=True))
    await asyncio.sleep(0)
    assert device.busy
    assert shown(device) == ["ECHO TEST", "CONNECTING...", "PLEASE WAIT", ""]
    release.set()
    await exchange
    assert not device.busy


async def test_events_during_an_exchange_are_ignored(make_device: Callable[..., DeviceModel]) -> None:
    device = make_device()
    release = asyncio.Event()

    async def slow_sign_on() -> TxnResult:
        await release.wait()
        return TxnResult("signon", Outcome.COMPLETED, response_code="00")

    device.engine.sign_on = slow_sign_on  # type: ignore[method-assign]
    await press(device, "F4")
    pending = asyncio.create_task(device.handle(KeyPress(Key.F2)))
    await asyncio.sleep(0)
    assert shown(device)[1] == "CONNECTING..."
    assert await device.handle(KeyPress(Key.CANCEL)) is False
    release.set()
    assert await pending
    assert shown(device)[:2] == ["SIGN-ON", "OK"]


async def test_lifting_a_contactless_card_does_not_cancel(device: DeviceModel) -> None:
    await press(device, "F1", "1250", "ENTER")
    await present(device, "visa_credit", EntryMode.CONTACTLESS)
    await device.handle(CardRemoved())
    assert device.screen is SaleStep.PIN
