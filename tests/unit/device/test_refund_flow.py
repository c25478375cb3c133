"""The refund function on the keypad: every check made before the refund goes online."""

from __future__ import annotations

from collections.abc import Callable

from pos_terminal.device import Beep, DeviceModel, IdleStep, RefundStep

from tests.unit.device.conftest import SUPERVISOR, approved_sale, enter_refund_by_invoice, press, present, shown


async def test_supervisor_password_is_masked(device: DeviceModel) -> None:
    await press(device, "F2", "123")
    assert shown(device) == ["REFUND", "SUPERVISOR PASSWORD", "                  ***", ""]


async def test_a_wrong_password_says_how_many_tries_are_left(device: DeviceModel) -> None:
    await press(device, "F2", "1111", "ENTER")
    assert shown(device) == ["REFUND", "SUPERVISOR PASSWORD", "", "WRONG, 2 TRIES LEFT"]
    assert device.last_beep is Beep.ERROR


async def test_three_wrong_passwords_lock_and_journal_it(device: DeviceModel) -> None:
    await press(device, "F2", "1111", "ENTER", "2222", "ENTER", "3333", "ENTER")
    assert shown(device)[:2] == ["REFUND", "SUPERVISOR LOCKED"]
    journal = device.engine.journal
    decisions = [(event.detail["operation"], event.detail["decision"]) for event in journal.events("audit")]
    assert decisions == [("refund", "refused"), ("refund", "refused"), ("refund", "locked")]
    await press(device, "ENTER")
    assert device.screen is IdleStep.IDLE


async def test_wrong_passwords_count_across_functions(device: DeviceModel) -> None:
    await press(device, "F2", "1111", "ENTER", "1111", "ENTER", "CANCEL", "F3", "1111", "ENTER")
    assert shown(device)[:2] == ["VOID", "SUPERVISOR LOCKED"]


async def test_the_password_is_never_journaled(device: DeviceModel) -> None:
    await press(device, "F2", "987654", "ENTER")
    assert all("987654" not in str(event.detail) for event in device.engine.journal.events())


async def test_choose_rrn_or_invoice(device: DeviceModel) -> None:
    await press(device, "F2", SUPERVISOR, "ENTER")
    assert shown(device) == ["REFUND", "ORIGINAL BY:", "F1 RRN", "F2 INVOICE"]


async def test_rrn_needs_twelve_digits(device: DeviceModel) -> None:
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", "12345", "ENTER")
    assert device.screen is RefundStep.RRN and device.last_beep is Beep.ERROR


async def test_unknown_rrn_is_refused(device: DeviceModel) -> None:
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", "123456789012", "ENTER", "0506", "ENTER")
    assert shown(device) == ["REFUND", "ORIGINAL RRN", "", "ORIGINAL NOT FOUND"]


async def test_an_impossible_date_is_refused(device: DeviceModel) -> None:
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", "123456789012", "ENTER", "1340", "ENTER")
    assert device.screen is RefundStep.DATE and device.last_beep is Beep.ERROR


async def test_unknown_rrn_goes_on_when_unmatched_refunds_are_allowed(make_device: Callable[..., DeviceModel]) -> None:
    device = make_device(allow_unmatched_refunds=True, max_refund_amount=5000)
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", "123456789012", "ENTER", "0506", "ENTER")
    assert shown(device) == ["REFUND AMOUNT", "MAX         USD 50.00", "", "             USD 0.00"]


async def test_the_original_is_shown_with_its_remainder(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await enter_refund_by_invoice(online_device, "1")
    assert shown(online_device) == ["SALE INV 000001", "476173******0010", "AMOUNT      USD 20.00",
                                    "LEFT        USD 20.00"]


async def test_an_amount_over_the_remainder_is_refused_before_going_online(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await enter_refund_by_invoice(online_device, "1")
    sent = len(online_device.engine.journal.messages())
    await press(online_device, "ENTER", "2001", "ENTER")
    assert shown(online_device) == ["REFUND AMOUNT", "MAX         USD 20.00", "OVER REMAINDER", "             USD 0.00"]
    assert online_device.last_beep is Beep.ERROR
    assert len(online_device.engine.journal.messages()) == sent


async def test_reason_code_is_named(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await enter_refund_by_invoice(online_device, "1")
    await press(online_device, "ENTER", "500", "ENTER", "01")
    assert shown(online_device) == ["REFUND", "REASON CODE", "                   01", "GOODS RETURNED"]


async def test_another_card_is_refused(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await enter_refund_by_invoice(online_device, "1")
    await press(online_device, "ENTER", "500", "ENTER", "01", "ENTER")
    await present(online_device, "mastercard_credit")
    assert shown(online_device)[3] == "NOT THE ORIGINAL CARD"
    assert online_device.screen is RefundStep.CARD


async def test_pin_is_asked_only_when_configured(make_device: Callable[..., DeviceModel], host_url: str) -> None:
    device = make_device(host_url, pin_on_refund=True)
    await approved_sale(device)
    await enter_refund_by_invoice(device, "1")
    await press(device, "ENTER", "500", "ENTER", "01", "ENTER")
    await present(device)
    assert device.screen is RefundStep.PIN
    await press(device, "1234", "ENTER")
    assert shown(device)[1] == "APPROVED"


async def test_without_pin_on_refund_the_card_goes_straight_online(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await enter_refund_by_invoice(online_device, "1")
    await press(online_device, "ENTER", "500", "ENTER", "01", "ENTER")
    await present(online_device)
    assert shown(online_device)[:2] == ["REFUND       USD 5.00", "APPROVED"]


async def test_a_fully_refunded_sale_cannot_be_refunded_again(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "500")
    await enter_refund_by_invoice(online_device, "1")
    await press(online_device, "ENTER", "500", "ENTER", "01", "ENTER")
    await present(online_device)
    await press(online_device, "ENTER")
    await enter_refund_by_invoice(online_device, "1")
    assert shown(online_device) == ["REFUND", "INV 000001", "FULLY REFUNDED", ""]
