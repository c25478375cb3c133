"""What stays on screen: how to quit at common terminal widths, and every line the printer printed."""

from __future__ import annotations

import pytest

from simulator.tui.widgets import Printer

from tests.ui.conftest import SIZE, SUPERVISOR, MakeApp, StartHost, approved_sale, on_screen, type_keys


@pytest.mark.parametrize("width", [100, 120])
async def test_the_footer_shows_how_to_quit(make_app: MakeApp, width: int) -> None:
    app = make_app()
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause()
        quit_hint = app.query_one("#quit-hint")
        assert quit_hint.region.right <= width and quit_hint.region.width >= len("^q quit")
        assert "^q quit" in on_screen(app, "#quit-hint")[0]
        footer = "\n".join(on_screen(app, "#help-lines"))
        assert "Esc=CANCEL" in footer and "u=host unreachable" in footer


async def test_the_whole_refund_receipt_can_be_read_in_the_printer(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        await type_keys(pilot, "enter", "f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "1000", "enter",
                        "01", "enter", "i")
        printer = app.query_one("#printer", Printer)
        receipt = app.model.printer[-2]  # the refund's merchant copy
        assert len(receipt) > printer.content_region.height, "the receipt is longer than the panel"
        assert "more below: PgDn" in str(printer.border_subtitle)
        seen: list[str] = []
        for _ in range(10):
            await pilot.pause()
            seen.extend(on_screen(app, "#printer"))
            if not printer.lines_below:
                break
            await type_keys(pilot, "pagedown")
        assert printer.lines_below == 0 and "more below" not in str(printer.border_subtitle)
        for line in receipt:
            assert any(line.strip() in shown for shown in seen), line
        await type_keys(pilot, "pageup")
        assert "above: PgUp" in str(printer.border_subtitle)


async def test_ctrl_q_quits_as_the_footer_says(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_the_card_reader_is_on_screen_at_80x24(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        reader = app.query_one("#card-reader").region
        assert app.screen.region.contains_region(reader), reader
        assert all(app.screen.region.contains_region(app.query_one(f"#reader-{action}").region)
                   for action in ("insert", "tap", "swipe", "key_in", "remove"))
        assert "CARD READER" in on_screen(app, "#card-reader")[0]


async def test_the_device_keeps_its_full_layout_where_it_fits(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one("#brand").display
        assert app.query_one("#keypad").region.height == 9
