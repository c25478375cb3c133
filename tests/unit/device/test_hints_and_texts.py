"""The device's words: a key hint on every step, fitting under the display, and no text ever cut."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pos_terminal.device import DeviceModel, IdleStep
from pos_terminal.device.screen import HINT_WIDTH, LINES, WIDTH, pages
from pos_terminal.device.outcome import result_rows
from protocols.iso87 import RESPONSE_TEXT
from protocols.possim87.additional_data import REFUND_REASONS
from pos_terminal.common.results import Outcome, TxnResult

from tests.unit.device.conftest import SUPERVISOR, approved_sale, press, present, shown

WALK = (
    ("F1",), ("2500", "ENTER"), ("card",), ("1234", "ENTER"), ("F2",), ("12345", "ENTER"),
    ("CANCEL", "F2", SUPERVISOR, "ENTER"), ("F1",), ("123", "ENTER"),
    ("CANCEL", "F2", SUPERVISOR, "ENTER", "F1", "000000000001", "ENTER"), ("0101", "ENTER"),
    ("CANCEL", "F2", SUPERVISOR, "ENTER", "F2"), ("1", "ENTER"), ("ENTER",), ("1000", "ENTER"), ("0", "ENTER"),
    ("1", "ENTER"),
    ("CANCEL", "F3", SUPERVISOR, "ENTER"), ("1", "ENTER"),
    ("CANCEL", "F4"), ("1",), ("1",), ("MENU", "MENU", "2"), ("MENU", "3"), ("CANCEL",),
)
"""Through every function: sale, its result and e-receipt, refund (RRN, date, invoice, original, amount,
reason, card), void (invoice, confirm), the MORE menu, history and its detail, settings, unlock."""


async def test_every_step_has_a_hint_that_fits_under_the_display(online_device: DeviceModel) -> None:
    seen = set()
    for keys in WALK:
        if keys == ("card",):
            await present(online_device)
        else:
            await press(online_device, *keys)
        hint = online_device.hint
        seen.add(str(online_device.screen))
        lines = hint.splitlines()
        assert 1 <= len(lines) <= 3, (online_device.screen, hint)
        assert all(len(line) <= HINT_WIDTH for line in lines), (online_device.screen, hint)
    assert {"sale.amount", "sale.pin", "result.phone", "refund.rrn", "refund.date", "refund.original",
            "refund.amount", "refund.reason", "void.confirm", "more.history", "more.settings", "more.unlock",
            "idle"} <= seen


async def test_the_reason_step_names_every_reason_code(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F2", SUPERVISOR, "ENTER", "F2", "1", "ENTER", "ENTER", "500", "ENTER")
    assert str(online_device.screen) == "refund.reason"
    listed = online_device.hint.split()
    assert all(code in listed for code in REFUND_REASONS)


async def test_a_short_reason_code_says_it_needs_two_digits(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F2", SUPERVISOR, "ENTER", "F2", "1", "ENTER", "ENTER", "500", "ENTER", "1", "ENTER")
    assert shown(online_device)[3] == "2 DIGITS, SEE BELOW"


async def test_a_bad_date_says_it_is_mmdd(device: DeviceModel) -> None:
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", "000000000001", "ENTER", "1399", "ENTER")
    assert shown(device)[3] == "DATE IS MMDD"


async def test_a_zero_amount_asks_for_the_amount(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F2", SUPERVISOR, "ENTER", "F2", "1", "ENTER", "ENTER", "ENTER")
    assert shown(online_device)[2] == "TYPE THE AMOUNT"


def test_a_long_notice_goes_on_further_screens_with_its_title() -> None:
    rows = ["REFUND", "NOT ALLOWED", "DECLINED OFFLINE: OFFLINE LIMIT: USD 600.00 EXCEEDS THE OFFLINE REFUND LIMIT "
            "USD 500.00"]
    screens = pages(rows)
    assert len(screens) == 2 and all(screen[0] == "REFUND" for screen in screens)
    assert all(len(screen) <= LINES and all(len(row) <= WIDTH for row in screen) for screen in screens)
    words = " ".join(" ".join(screen[1:]) for screen in screens).split()
    assert words == " ".join(rows[1:]).split()


async def test_a_notice_pages_on_enter_and_any_other_key_ends_it(device: DeviceModel) -> None:
    device.finish(["SETTLEMENT", "NOT ALLOWED", "A VERY LONG REASON THAT DOES NOT FIT ON ONE SCREEN"])
    assert device.hint.splitlines() == ["ENTER MORE (1/2)", "ANY OTHER KEY: DONE"]
    first = shown(device)
    await press(device, "ENTER")
    assert shown(device) != first and shown(device)[0] == "SETTLEMENT"
    assert device.hint == "ANY KEY: DONE"
    await press(device, "ENTER")
    assert device.screen is IdleStep.IDLE


async def test_a_key_other_than_enter_ends_a_long_notice_at_once(device: DeviceModel) -> None:
    device.finish(["SETTLEMENT", "NOT ALLOWED", "A VERY LONG REASON THAT DOES NOT FIT ON ONE SCREEN"])
    await press(device, "1")
    assert device.screen is IdleStep.IDLE


async def test_reversal_retries_show_the_attempt_and_the_time_left(make_device: Callable[..., DeviceModel]) -> None:
    device = make_device(reversal_attempts_per_run=3)  # response and connect timeouts of 1 s each
    started = asyncio.Event()

    async def slow_call() -> TxnResult:  # the engine's reversal loop, as the device sees it while busy
        assert device.engine.on_reversal_attempt is not None
        device.engine.on_reversal_attempt(1, 2, 3)
        started.set()
        await asyncio.sleep(0.2)
        return TxnResult("sale", Outcome.COMMUNICATION_FAILED)

    task = asyncio.create_task(device.online("SALE", slow_call))
    await started.wait()
    rows = shown(device)
    assert rows[:3] == ["SALE", "REVERSAL 2 OF 3", "PLEASE WAIT"]
    assert rows[3] in ("AT MOST 4 S LEFT", "AT MOST 3 S LEFT")  # attempts 2 and 3 of 1 s + 1 s at most
    assert device.hint.startswith("NO ANSWER: REVERSING")
    await task
    assert not device.busy and "REVERSAL" not in " ".join(shown(device))


def test_a_decline_shows_its_whole_meaning_on_the_result_screen() -> None:
    for code, meaning in RESPONSE_TEXT.items():
        if code == "00":
            continue
        result = TxnResult("sale", Outcome.COMPLETED, response_code=code, amount=2500, currency="840", invoice=7)
        rows = result_rows("SALE", result)
        assert len(rows) <= LINES and all(len(row) <= WIDTH for row in rows), rows
        words = [word for word in " ".join(rows).split() if word != "DECLINED"]
        assert f"RC {code} {meaning}" in " ".join(words), rows
