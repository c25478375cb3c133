"""The void function on the keypad."""

from __future__ import annotations

from pos_terminal.device import Beep, DeviceModel, VoidStep
from pos_terminal.state.records import TxnStatus

from tests.unit.device.conftest import SUPERVISOR, approved_sale, press, shown


async def test_an_invoice_not_in_the_open_batch_is_refused(device: DeviceModel) -> None:
    await press(device, "F3", SUPERVISOR, "ENTER", "42", "ENTER")
    assert shown(device) == ["VOID", "INVOICE NUMBER", "", "NOT IN OPEN BATCH"]
    assert device.last_beep is Beep.ERROR


async def test_the_original_is_shown_for_confirmation(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await press(online_device, "F3", SUPERVISOR, "ENTER", "1", "ENTER")
    assert online_device.screen is VoidStep.CONFIRM
    assert shown(online_device) == ["VOID SALE 000001", "476173******0010", "            USD 20.00",
                                    "ENTER=VOID CANCEL=NO"]


async def test_cancel_at_confirmation_voids_nothing(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F3", SUPERVISOR, "ENTER", "1", "ENTER", "CANCEL")
    assert not online_device.engine.journal.find_by_invoice(1).is_voided


async def test_enter_voids_and_prints_both_copies(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    printed = len(online_device.printer)
    await press(online_device, "F3", SUPERVISOR, "ENTER", "1", "ENTER", "ENTER")
    assert shown(online_device)[1] == "APPROVED"
    void = online_device.engine.journal.last_transaction()
    assert void.status is TxnStatus.APPROVED and online_device.engine.journal.find_by_invoice(1).is_voided
    assert [receipt[-1].strip() for receipt in online_device.printer[printed:]] == ["MERCHANT COPY", "CUSTOMER COPY"]


async def test_a_voided_sale_cannot_be_voided_again(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F3", SUPERVISOR, "ENTER", "1", "ENTER", "ENTER", "ENTER")
    await press(online_device, "F3", SUPERVISOR, "ENTER", "1", "ENTER")
    assert shown(online_device)[3] == "ALREADY VOIDED"
