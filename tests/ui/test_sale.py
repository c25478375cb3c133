"""A sale through the UI, by keyboard and by mouse, against the real host."""

from __future__ import annotations

from emv.cards import load_test_cards
from pos_terminal.state.records import MessageDirection, TxnStatus, TxnType

from tests.ui.conftest import SIZE, MakeApp, StartHost, approved_sale, click, lcd, message_log, printed, status_bar


async def test_a_sale_typed_on_the_keyboard_is_approved_and_journaled(make_app: MakeApp,
                                                                       start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot, "2500")
        sale = app.model.journal.last_transaction()
        assert lcd(app) == ["SALE        USD 25.00", "APPROVED", f"RC 00     AUTH {sale.auth_code}", "INV 000001"]
        assert (sale.txn_type, sale.status, sale.amount) == (TxnType.SALE, TxnStatus.APPROVED, 2500)


async def test_a_sale_clicked_on_the_keypad_and_card_reader_is_approved(make_app: MakeApp,
                                                                         start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#key-F1", "#key-1", "#key-2", "#key-00", "#key-ENTER")
        assert lcd(app) == ["SALE", "            USD 12.00", "INSERT, TAP, SWIPE", "OR KEY IN CARD"]
        await click(pilot, "#reader-insert", "#key-1", "#key-2", "#key-3", "#key-4", "#key-ENTER")
        assert lcd(app)[:2] == ["SALE        USD 12.00", "APPROVED"]
        assert app.model.journal.last_transaction().amount == 1200


async def test_the_pin_is_shown_as_stars_only(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#key-F1", "#key-5", "#key-ENTER", "#reader-insert", "#key-9", "#key-8", "#key-7")
        assert lcd(app)[2:] == ["ENTER PIN", "                  ***"]


async def test_the_printer_shows_merchant_and_customer_copies(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        paper = printed(app)
        assert paper.index("MERCHANT COPY") < paper.index("CUSTOMER COPY")
        assert "476173******0010" in paper


async def test_the_message_log_shows_each_request_and_response_with_its_time(make_app: MakeApp,
                                                                               start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        log = message_log(app)
        journal = app.model.journal.messages()
        assert [(m.direction, m.mti) for m in journal] == [
            (MessageDirection.OUT, "0800"), (MessageDirection.IN, "0810"),
            (MessageDirection.OUT, "0200"), (MessageDirection.IN, "0210")]
        assert ">> SENT 0200  STAN 000002" in log
        assert "<< RECEIVED 0210  STAN 000002" in log and " ms)" in log
        assert all(m.dump in log for m in journal)


async def test_no_full_pan_appears_anywhere_on_screen(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await approved_sale(pilot)
        pans = [card.pan for card in load_test_cards().values()]
        screen = "\n".join([*lcd(app), printed(app), message_log(app), status_bar(app), str(app.export_screenshot())])
        assert not [pan for pan in pans if pan in screen]
