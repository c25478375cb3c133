"""The whole countertop flow against the real host emulator over 127.0.0.1: sale, refund, void, by key presses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from emv.cards import EntryMode
from pos_terminal.device import Beep, DeviceModel, IdleStep
from pos_terminal.state.records import TxnStatus, TxnType
from protocols.security import KeyScheme

from tests.unit.device.conftest import SUPERVISOR, press, present, shown


@pytest.mark.parametrize("scheme", [KeyScheme.MKSK, KeyScheme.DUKPT_AES], ids=lambda s: s.value)
async def test_sale_then_refund_by_rrn_then_void_of_the_refund(
    make_device: Callable[..., DeviceModel], host_url: str, scheme: KeyScheme
) -> None:
    device = make_device(host_url, key_scheme=scheme)
    journal = device.engine.journal

    # sale: 25.00, chip, PIN
    await press(device, "F1", "2500", "ENTER")
    await present(device, "visa_credit")
    await press(device, "1234", "ENTER")
    sale = journal.last_transaction()
    assert shown(device) == ["SALE        USD 25.00", "APPROVED", f"RC 00     AUTH {sale.auth_code}", "INV 000001"]
    assert device.last_beep is Beep.SUCCESS
    assert [copy[-1].strip() for copy in device.printer] == ["MERCHANT COPY", "CUSTOMER COPY"]
    await press(device, "ENTER")

    # refund 10.00 of it, found by RRN and date
    await press(device, "F2", SUPERVISOR, "ENTER", "F1", sale.rrn, "ENTER", f"{sale.transmitted_at:%m%d}", "ENTER")
    assert shown(device)[3] == "LEFT        USD 25.00"
    await press(device, "ENTER", "1000", "ENTER", "01", "ENTER")
    await present(device, "visa_credit")
    refund = journal.last_transaction()
    assert refund.txn_type is TxnType.REFUND and refund.status is TxnStatus.APPROVED
    assert shown(device)[:2] == ["REFUND      USD 10.00", "APPROVED"]
    merchant, customer = device.printer[2:4]
    assert "REFUND" in [line.strip() for line in merchant]
    assert f"REFUND REF          {refund.rrn}" in merchant and "REASON         01 GOODS RETURNED" in merchant
    assert f"ORIGINAL RRN        {sale.rrn}" in customer and "ORIGINAL INVOICE          000001" in customer
    assert f"ORIGINAL DATE         {sale.transmitted_at:%Y-%m-%d}" in customer
    assert "LEFT TO REFUND         USD 15.00" in customer
    assert any(line.startswith(("FUNDS EXPECTED BY", "FUNDS: REAL-TIME")) for line in customer)
    assert merchant[-4] == "X_______________________________"
    assert not any(line.startswith("X___") for line in customer)
    assert journal.refundable_remaining(sale.id) == 1500
    await press(device, "ENTER")

    # void the refund: the whole sale is refundable again
    await press(device, "F3", SUPERVISOR, "ENTER", f"{refund.invoice}", "ENTER")
    assert shown(device)[0] == "VOID REFUND 000002"
    await press(device, "ENTER")
    assert shown(device)[:2] == ["VOID        USD 10.00", "APPROVED"]
    assert journal.get(refund.id).is_voided
    assert journal.refundable_remaining(sale.id) == 2500
    assert len(device.printer) == 6
    await press(device, "ENTER")
    assert device.screen is IdleStep.IDLE
    assert device.status.pending_reversals == 0


async def test_no_receipt_or_display_shows_a_full_pan(online_device: DeviceModel) -> None:
    await press(online_device, "F1", "2500", "ENTER")
    event = online_device.card_event("visa_credit", EntryMode.CHIP)
    pan = event.card.pan
    await online_device.handle(event)
    await press(online_device, "1234", "ENTER")
    assert all(pan not in line for receipt in online_device.printer for line in receipt)
    assert all(pan not in line for line in online_device.display)
