"""The MORE menu: network functions, reprint, history, settings, settlement; and the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pos_terminal.device import Beep, ConnectionState, DeviceModel, MoreStep
from pos_terminal.state.records import TxnStatus
from pos_terminal.common.results import Outcome, TxnResult

from tests.unit.device.conftest import SUPERVISOR, approved_sale, enter_refund_by_invoice, press, present, shown


async def test_more_menu_lists_its_functions(device: DeviceModel) -> None:
    await press(device, "F4")
    assert shown(device) == ["F1 SETTLE  F2 SIGN-ON", "F3 ECHO    F4 REPRINT", "1 HISTORY  2 SETTINGS",
                             "3 UNLOCK  4 SIGN-OFF"]


async def test_menu_key_opens_the_more_menu(device: DeviceModel) -> None:
    await press(device, "MENU")
    assert device.screen is MoreStep.MENU


async def test_settings_show_identity_and_host(device: DeviceModel) -> None:
    await press(device, "F4", "2")
    assert shown(device) == ["TID POSSIM01", "MID POSSIM000000001", "KEYS MKSK", "DIALECT terminal87"]
    await press(device, "ENTER")
    assert shown(device) == ["HOST URL", "tcp://127.0.0.1:9", "", ""]


async def test_sign_on_against_the_host(online_device: DeviceModel) -> None:
    await press(online_device, "F4", "F2")
    assert shown(online_device) == ["SIGN-ON", "OK", "RC 00", ""]
    assert online_device.status.connection is ConnectionState.ONLINE


async def test_echo_with_no_host(device: DeviceModel) -> None:
    await press(device, "F4", "F3")
    assert shown(device)[:3] == ["ECHO TEST", "FAILED", "NO HOST RESPONSE"]
    assert device.status.connection is ConnectionState.FAILED


async def test_reprint_prints_a_duplicate_customer_copy(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    await press(online_device, "F4", "F4")
    assert shown(online_device)[:3] == ["REPRINT", "INV 000001", "PRINTED"]
    assert len(online_device.printer) == 3
    duplicate = online_device.printer[-1]
    assert "*** DUPLICATE ***" in [line.strip() for line in duplicate] and duplicate[-1].strip() == "CUSTOMER COPY"


async def test_reprint_with_an_empty_journal(device: DeviceModel) -> None:
    await press(device, "F4", "F4")
    assert shown(device)[:2] == ["REPRINT", "NO RECEIPT"] and device.last_beep is Beep.ERROR


async def test_history_lists_newest_first_with_refund_status(online_device: DeviceModel) -> None:
    await approved_sale(online_device, "2000")
    await enter_refund_by_invoice(online_device, "1")
    await press(online_device, "ENTER", "500", "ENTER", "01", "ENTER")
    await present(online_device)
    await press(online_device, "ENTER", "F3", SUPERVISOR, "ENTER", "2", "ENTER", "ENTER", "ENTER")
    await press(online_device, "F4", "1")
    assert shown(online_device) == ["HIST 1-3/3   1-3 VIEW", "V000003     5.00 APPR", "R000002     5.00 VOID",
                                    "S000001    20.00 APPR"]


async def test_history_pages(online_device: DeviceModel) -> None:
    for _ in range(4):
        await approved_sale(online_device, "100")
    await press(online_device, "F4", "1", "ENTER")
    assert shown(online_device) == ["HIST 4-4/4   1-3 VIEW", "S000001     1.00 APPR", "", ""]
    await press(online_device, "ENTER")
    assert online_device.last_beep is Beep.ERROR
    await press(online_device, "CLEAR")
    assert shown(online_device)[1] == "S000004     1.00 APPR"


async def test_settlement(online_device: DeviceModel) -> None:
    await press(online_device, "F4", "F1", "0000", "ENTER")
    assert shown(online_device)[:2] == ["SETTLEMENT", "BATCH CLOSED"]
    assert online_device.status.batch == 2


async def test_status_counts_pending_reversals(online_device: DeviceModel) -> None:
    await approved_sale(online_device)
    assert online_device.status.batch == 1 and online_device.status.pending_reversals == 0
    record = online_device.engine.journal.last_transaction()
    assert record.status is TxnStatus.APPROVED


async def test_settlement_prints_the_engines_report(device: DeviceModel) -> None:
    async def settle(supervisor_password: str | None = None, *, grant: object = None) -> TxnResult:
        return TxnResult("settle", Outcome.COMPLETED, response_code="00", receipt=("SETTLEMENT REPORT", "BATCH 000001"))

    device.engine.settle = settle  # type: ignore[attr-defined]
    await press(device, "F4", "F1", "0000", "ENTER")
    assert shown(device)[:3] == ["SETTLEMENT", "BATCH CLOSED", "RC 00"]
    assert device.printer == [["SETTLEMENT REPORT", "BATCH 000001"]]
    assert device.last_beep is Beep.SUCCESS


async def test_settlement_asks_the_supervisor_password_first(device: DeviceModel) -> None:
    await press(device, "F4", "F1")
    assert shown(device)[:2] == ["SETTLEMENT", "SUPERVISOR PASSWORD"]


async def test_a_wrong_password_does_not_settle_and_is_counted(device: DeviceModel) -> None:
    settled = []

    async def settle(supervisor_password: str | None = None, *, grant: object = None) -> TxnResult:
        settled.append(grant)
        return TxnResult("settle", Outcome.COMPLETED, response_code="00")

    device.engine.settle = settle  # type: ignore[attr-defined]
    await press(device, "F4", "F1", "1111", "ENTER")
    assert shown(device)[3] == "WRONG, 2 TRIES LEFT" and settled == []
    assert device.supervisor.failures == 1


async def test_sign_off_is_not_allowed_by_the_possim_87_protocol(online_device: DeviceModel) -> None:
    await press(online_device, "F4", "4")
    assert shown(online_device)[:2] == ["SIGN-OFF", "NOT ALLOWED"]


async def test_sign_off_against_a_cup_host_drops_the_working_keys(make_device: Callable[..., DeviceModel],
                                                                 tmp_path: Path) -> None:
    from protocols.security import KeyScheme
    from simulator.host.config import HostConfig
    from simulator.host.server import HostServer

    (tmp_path / "cup-host").mkdir()
    server = HostServer(HostConfig(data_dir=tmp_path / "cup-host", dialect="cup-pos", listen="tcp://127.0.0.1:0"))
    url = await server.start()
    try:
        device = make_device(url, dialect="cup-pos")
        await press(device, "F4", "F2")
        assert device.engine.profile.signed_on(device.engine.keyring, KeyScheme.MKSK)
        await press(device, "CANCEL", "F4", "4")
        assert shown(device) == ["SIGN-OFF", "OK", "RC 00", ""]
        assert not device.engine.profile.signed_on(device.engine.keyring, KeyScheme.MKSK)
    finally:
        await server.stop()
