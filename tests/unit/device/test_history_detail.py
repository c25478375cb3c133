"""The journal browser's detail view, the status key that asks the host, and the device's e-receipt."""

from __future__ import annotations

import email
from email import policy

from pos_terminal.device import DeviceModel

from tests.unit.device.conftest import approved_sale, enter_refund_by_invoice, present, press, shown


async def refund_of_first_sale(device: DeviceModel, amount: str = "500", card: str = "visa_credit") -> None:
    await enter_refund_by_invoice(device, "1")
    await press(device, "ENTER", amount, "ENTER", "01", "ENTER")
    await present(device, card)


async def test_a_refunds_detail_shows_its_original_and_its_credit(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await refund_of_first_sale(online_device)
    refund = online_device.journal.last_transaction()
    await press(online_device, "ENTER", "F4", "1", "1")
    assert shown(online_device) == ["REFUND INV 000002", "AMOUNT       USD 5.00", "STATUS       APPROVED",
                                    f"RRN      {refund.rrn}"]
    await press(online_device, "ENTER", "ENTER")
    sale = online_device.journal.get(refund.original_id)
    assert shown(online_device) == ["ORIG INV       000001", f"ORIG RRN {sale.rrn}",
                                    f"ORIG DATE  {sale.transmitted_at:%Y-%m-%d}", "LEFT        USD 15.00"]
    await press(online_device, "ENTER")
    assert shown(online_device)[0] == "FUNDS       REAL-TIME"
    assert shown(online_device)[2:] == ["CREDIT         POSTED", "F1 ASK THE HOST"]


async def test_the_status_key_asks_the_host_and_the_journal_keeps_its_answer(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "3000", card="amex")
    await refund_of_first_sale(online_device, "1000", card="amex")
    await press(online_device, "ENTER", "F4", "1", "1", "ENTER", "ENTER", "ENTER")
    assert shown(online_device)[0] == "FUNDS           BATCH"
    await press(online_device, "F1")
    assert shown(online_device)[2:] == ["CREDIT        PENDING", "HOST: PENDING"]
    refund = online_device.journal.last_transaction()
    assert refund.host_data["credit_status"] == "pending" and "checked_at" in refund.host_data


async def test_a_sales_detail_shows_what_was_refunded_and_what_is_left(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await refund_of_first_sale(online_device)
    await press(online_device, "ENTER", "F4", "1", "2", "ENTER", "ENTER")
    assert shown(online_device)[:2] == ["REFUNDED     USD 5.00", "LEFT        USD 15.00"]
    await press(online_device, "F1")
    assert online_device.last_beep is not None and online_device.last_beep.value == "error"


async def test_a_row_key_beyond_the_page_beeps(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F4", "1", "3")
    assert online_device.last_beep is not None and online_device.last_beep.value == "error"


async def test_an_ereceipt_goes_to_the_phone_number_typed_on_the_result_screen(online_device: DeviceModel) -> None:
    await press(online_device, "F1", "2000", "ENTER")
    await present(online_device)
    await press(online_device, "1234", "ENTER", "F2", "8613800138000", "ENTER")
    assert shown(online_device)[:2] == ["E-RECEIPT", "SENT TO"]
    outbox = list((online_device.engine.data_dir / "outbox").iterdir())
    message = email.message_from_bytes(outbox[0].read_bytes(), policy=policy.default)
    assert message["To"] == "8613800138000@sms.possim.invalid"
    assert "476173******0010" in message.get_body(("plain",)).get_content()


async def test_the_device_says_which_keys_come_next(online_device: DeviceModel) -> None:
    assert online_device.hint.startswith("F1 SALE")
    await approved_sale(online_device)
    await press(online_device, "F4", "1")
    assert "1-3 DETAIL" in online_device.hint
