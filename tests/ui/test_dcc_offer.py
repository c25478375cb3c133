"""The DCC offer screen: a UK card at a USD terminal with dcc = true, against the real host (docs/protocol.md,
"Dynamic currency conversion"): the offer shows both amounts and the rate, the hint the markup and the provider;
1 pays in pounds, 2 in dollars."""

from __future__ import annotations

from textual.widgets import Select

from tests.ui.conftest import SIZE, MakeApp, StartHost, key_hint, lcd, printed, type_keys


async def _offer(pilot, app) -> None:  # noqa: ANN001 - the Pilot and the PossimApp of the test
    app.query_one("#card-select", Select).value = "visa_gbp"
    await pilot.pause()
    await type_keys(pilot, "f1", "2000", "enter", "i")


async def test_the_offer_shows_both_amounts_the_rate_markup_and_provider(make_app: MakeApp,
                                                                          start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url, dcc=True)
    async with app.run_test(size=SIZE) as pilot:
        await _offer(pilot, app)
        assert lcd(app) == ["PAY IN WHICH CURRENCY", "1           GBP 16.25", "2           USD 20.00",
                            "1 USD=0.8124750 GBP"]
        assert key_hint(app) == ["1 PAY IN GBP  2 PAY IN USD", "MARKUP 3.50% OVER REF RATE", "BY POSSIMFX  CANCEL STOP"]


async def test_choosing_1_pays_in_the_cards_currency(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url, dcc=True)
    async with app.run_test(size=SIZE) as pilot:
        await _offer(pilot, app)
        await type_keys(pilot, "1")
        assert lcd(app)[1] == "            GBP 16.25"  # the PIN is asked for the amount the cardholder pays
        await type_keys(pilot, "1234", "enter")
        assert lcd(app)[:2] == ["SALE        USD 20.00", "APPROVED"] and lcd(app)[3] == "CARD        GBP 16.25"
        sale = app.model.journal.last_transaction()
        assert sale.dcc is not None and (sale.dcc.currency, sale.dcc.amount) == ("826", 1625)
        assert "CARDHOLDER PAYS        GBP 16.25" in printed(app)


async def test_choosing_2_pays_in_the_merchants_currency(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url, dcc=True)
    async with app.run_test(size=SIZE) as pilot:
        await _offer(pilot, app)
        await type_keys(pilot, "2", "1234", "enter")
        assert lcd(app)[1] == "APPROVED"
        assert app.model.journal.last_transaction().dcc is None


async def test_without_dcc_in_terminal_toml_there_is_no_offer(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await _offer(pilot, app)
        assert lcd(app)[2] == "ENTER PIN"
