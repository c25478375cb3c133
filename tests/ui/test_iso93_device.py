"""The device UI, unchanged, speaking ISO 8583:1993 (``iso93ebcdic``): a sale and a refund against an iso93 host."""

from __future__ import annotations

from pathlib import Path

from pos_terminal.state.records import TxnStatus, TxnType
from simulator.host.config import HostConfig
from simulator.host.journal import Direction, HostJournal
from simulator.host.server import HostServer
from tests.ui.conftest import SIZE, SUPERVISOR, MakeApp, approved_sale, lcd, message_log, type_keys


async def test_a_sale_and_a_partial_refund_through_the_device_against_an_iso93_host(make_app: MakeApp,
                                                                                   tmp_path: Path) -> None:
    data_dir = tmp_path / "iso93-host"
    data_dir.mkdir()
    host = HostServer(HostConfig(data_dir=data_dir, dialect="iso93ebcdic", listen="tcp://127.0.0.1:0"))
    url = await host.start()
    try:
        app = make_app(url, dialect="iso93ebcdic")
        async with app.run_test(size=SIZE) as pilot:
            await approved_sale(pilot, "2500")
            await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter")
            await type_keys(pilot, "enter", "1000", "enter", "01", "enter", "i")
            assert lcd(app)[:2] == ["REFUND      USD 10.00", "APPROVED"]
            sale, refund = app.model.journal.transactions()
            assert (sale.mti, refund.mti, refund.txn_type, refund.status) == (
                "1200", "1200", TxnType.REFUND, TxnStatus.APPROVED)
            assert refund.response_code == "00" and refund.host_data["action_code"] == "000"
            log = message_log(app)
            assert ">> SENT 1804" in log and ">> SENT 1200" in log and "<< RECEIVED 1210" in log
            assert "Function code" in log and "Original data elements" in log and "Action code" in log
    finally:
        await host.stop()
    ledger = HostJournal(data_dir / "host-journal.sqlite3")
    try:
        assert [(e.direction, e.amount) for e in ledger.ledger()] == [(Direction.DEBIT, 2500), (Direction.CREDIT, 1000)]
    finally:
        ledger.close()
