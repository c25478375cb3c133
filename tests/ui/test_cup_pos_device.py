"""The device UI, unchanged, speaking the ``cup-pos`` profile: a sale and a refund against a CUP host."""

from __future__ import annotations

from pathlib import Path

from pos_terminal.state.records import TxnStatus, TxnType
from simulator.host.config import HostConfig
from simulator.host.journal import Direction, HostJournal
from simulator.host.server import HostServer
from textual.widgets import RichLog

from tests.ui.conftest import SIZE, SUPERVISOR, MakeApp, approved_sale, lcd, message_log, on_screen, type_keys


async def test_a_sale_and_a_partial_refund_through_the_device_against_a_cup_host(make_app: MakeApp,
                                                                                tmp_path: Path) -> None:
    data_dir = tmp_path / "cup-host"
    data_dir.mkdir()
    host = HostServer(HostConfig(data_dir=data_dir, dialect="cup-pos", listen="tcp://127.0.0.1:0"))
    url = await host.start()
    try:
        app = make_app(url, dialect="cup-pos")
        async with app.run_test(size=SIZE) as pilot:
            await approved_sale(pilot, "2500")
            await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter")
            assert lcd(app)[2] == "AMOUNT      CNY 25.00"
            await type_keys(pilot, "enter", "1000", "enter", "01", "enter", "i")
            assert lcd(app)[:2] == ["REFUND      CNY 10.00", "APPROVED"]
            journal = app.model.journal
            sale, refund = journal.transactions()
            assert (sale.mti, refund.mti, refund.txn_type, refund.status) == (
                "0200", "0220", TxnType.REFUND, TxnStatus.APPROVED)
            assert ">> SENT 0220" in message_log(app) and "<< RECEIVED 0230" in message_log(app)
    finally:
        await host.stop()
    ledger = HostJournal(data_dir / "host-journal.sqlite3")
    try:
        assert [(e.direction, e.amount) for e in ledger.ledger()] == [(Direction.DEBIT, 2500), (Direction.CREDIT, 1000)]
    finally:
        ledger.close()


async def test_the_message_log_keeps_a_cup_answer_inside_the_pane(make_app: MakeApp, tmp_path: Path) -> None:
    """cup-pos has a long header line and long field names: the MTI and the response code stay in view."""
    data_dir = tmp_path / "cup-host"
    data_dir.mkdir()
    host = HostServer(HostConfig(data_dir=data_dir, dialect="cup-pos", listen="tcp://127.0.0.1:0"))
    url = await host.start()
    try:
        app = make_app(url, dialect="cup-pos", cup_ic_download=False)  # STAN 2: no IC download first
        async with app.run_test(size=SIZE) as pilot:
            await approved_sale(pilot, "2500")
            await pilot.pause()
            lines = app.query_one("#message-lines", RichLog)
            assert lines.virtual_size.width <= lines.scrollable_content_region.width, "nothing runs off to the right"
            shown = on_screen(app, "#message-log")
            assert any("Response code" in line and line.rstrip(" │").endswith(" 00") for line in shown), shown
            rendered = [strip.text for strip in lines.lines]  # every line, each no wider than the pane
            assert any(line.startswith("<< RECEIVED 0210  STAN 000002") for line in rendered), rendered
            assert any(line.startswith("  MTI     0210  0210") for line in rendered), rendered
    finally:
        await host.stop()


async def test_possim_run_dialect_cup_pos_makes_the_device_and_its_embedded_host_speak_cup(tmp_path: Path) -> None:
    """``possim run --dialect cup-pos`` on a fresh data folder: no TOML file edited, a CNY sale approved in cup-pos."""
    from simulator.tui import PossimApp
    from simulator.tui.launch import embedded_host, open_device

    server = embedded_host(tmp_path, "cup-pos")
    url = await server.start()
    model = open_device(tmp_path / "terminal", url, "cup-pos")
    try:
        assert (model.engine.config.dialect, model.engine.config.currency) == ("cup-pos", "156")
        assert server.config.dialect == "cup-pos"
        app = PossimApp(model, host_server=server, poll_interval=0.05)
        async with app.run_test(size=SIZE) as pilot:
            await approved_sale(pilot, "2500")
            assert lcd(app)[0].endswith("CNY 25.00"), lcd(app)
            assert ">> SENT 0800" in message_log(app) and "<< RECEIVED 0210" in message_log(app)
    finally:
        model.engine.close()
        await server.stop()
    assert not (tmp_path / "terminal" / "terminal.toml").exists() and not (tmp_path / "host" / "host.toml").exists()


async def test_sign_off_from_the_more_menu_drops_the_keys_and_the_next_sale_signs_on_again(
    make_app: MakeApp, tmp_path: Path
) -> None:
    data_dir = tmp_path / "cup-host"
    data_dir.mkdir()
    host = HostServer(HostConfig(data_dir=data_dir, dialect="cup-pos", listen="tcp://127.0.0.1:0"))
    url = await host.start()
    try:
        app = make_app(url, dialect="cup-pos", cup_ic_download=False)
        async with app.run_test(size=SIZE) as pilot:
            await approved_sale(pilot, "2500")
            await type_keys(pilot, "enter", "m")
            assert lcd(app)[3].endswith("4 SIGN-OFF")
            await type_keys(pilot, "4")
            assert lcd(app) == ["SIGN-OFF", "OK", "RC 00", ""]
            assert ">> SENT 0820" in message_log(app) and "<< RECEIVED 0830" in message_log(app)
            assert "cup-mak" not in app.model.engine.keyring.store.names()
            await type_keys(pilot, "enter")
            await approved_sale(pilot, "1000")  # signs on first
            assert "cup-mak" in app.model.engine.keyring.store.names()
    finally:
        await host.stop()
