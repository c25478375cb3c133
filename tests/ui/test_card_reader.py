"""The card reader panel: the shipped test cards with masked PANs, and the ways to read them."""

from __future__ import annotations

from textual.widgets import Button, Select

from emv.cards import load_test_cards

from tests.ui.conftest import SIZE, MakeApp, click, lcd, type_keys


async def test_the_card_list_offers_every_test_card_with_its_pan_masked(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        select = app.query_one("#card-select", Select)
        labels = [str(label) for label, _value in select._options]
        cards = load_test_cards()
        assert [value for _label, value in select._options] == list(cards)
        assert all(card.masked_pan in label and card.pan not in label
                   for label, card in zip(labels, cards.values(), strict=True))


async def test_ways_the_chosen_card_cannot_be_read_are_greyed_out(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#card-select", Select).value = "visa_magstripe"
        await pilot.pause()
        disabled = {button.id for button in app.query(".reader-button").results(Button) if button.disabled}
        assert disabled == {"reader-insert", "reader-tap"}


async def test_a_shortcut_for_an_impossible_read_says_why_and_sends_nothing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#card-select", Select).value = "amex"
        await pilot.pause()
        await type_keys(pilot, "f1", "500", "enter", "t")
        assert "CANNOT BE READ BY CONTACTLESS" in str(app.query_one("#reader-note").render())
        assert lcd(app)[2] == "INSERT, TAP, SWIPE"


async def test_a_swiped_card_goes_online_without_a_pin(make_app: MakeApp) -> None:
    app = make_app(response_timeout=0.5)  # no host: the attempt is enough
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "500", "enter")
        await click(pilot, "#reader-swipe")
        assert lcd(app)[1] == "NO HOST RESPONSE"


async def test_removing_the_chip_card_during_the_pin_cancels_the_sale(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "500", "enter", "i", "12")
        await click(pilot, "#reader-remove")
        assert lcd(app)[1:3] == ["CARD REMOVED", "CANCELLED"]
