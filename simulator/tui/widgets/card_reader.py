"""The card reader: pick a shipped test card (PAN masked), then insert, tap, swipe, key in or remove it."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Button, Select, Static

from emv.cards import EntryMode, TestCard

__all__ = ["CardReader", "READER_BUTTONS"]

READER_BUTTONS: tuple[tuple[str, str, EntryMode | None], ...] = (
    ("insert", "Insert", EntryMode.CHIP),
    ("tap", "Tap", EntryMode.CONTACTLESS),
    ("swipe", "Swipe", EntryMode.SWIPE),
    ("key_in", "Key in", EntryMode.MANUAL),
    ("remove", "Remove", None),
)
"""(action, label, entry mode); ``remove`` takes the card out of the reader."""


def card_label(name: str, card: TestCard) -> str:
    """One line of the card list: masked PAN and name (never the full PAN)."""
    return f"{card.masked_pan} {name}"


class CardReader(Vertical):
    """The test cards in a list and one button per way of reading a card."""

    class Action(Message):
        """Present ``card`` by ``entry``, or (``entry`` None) remove the card."""

        def __init__(self, card: str, entry: EntryMode | None) -> None:
            super().__init__()
            self.card = card
            self.entry = entry

    def __init__(self, cards: Mapping[str, TestCard], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.cards = dict(cards)

    def compose(self) -> ComposeResult:
        yield Select([(card_label(name, card), name) for name, card in self.cards.items()],
                     allow_blank=False, id="card-select", compact=True)
        with Grid(id="reader-buttons"):
            for action, label, _entry in READER_BUTTONS:
                button = Button(label, id=f"reader-{action}", classes="reader-button", compact=True)
                button.can_focus = False
                yield button
        yield Static("", id="reader-note", markup=False)

    def on_mount(self) -> None:
        self._sync_buttons()

    @property
    def selected(self) -> str:
        """The name of the card chosen in the list."""
        value = self.query_one("#card-select", Select).value
        return value if isinstance(value, str) else next(iter(self.cards))

    def select_next(self) -> None:
        """Choose the next card in the list (wrapping round)."""
        names = list(self.cards)
        select = self.query_one("#card-select", Select)
        select.value = names[(names.index(self.selected) + 1) % len(names)]

    def note(self, text: str) -> None:
        """A one-line remark under the buttons (what the reader did, or why it could not)."""
        self.query_one("#reader-note", Static).update(text)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        """Grey out the ways the chosen card cannot be read (a magstripe card has no chip...)."""
        card = self.cards[self.selected]
        for action, _label, entry in READER_BUTTONS:
            self.query_one(f"#reader-{action}", Button).disabled = entry is not None and entry not in card.entry_modes
        self.note(card.description)

    def action_for(self, action: str) -> Action:
        """What ``action`` (insert, tap, swipe, key_in, remove) does with the chosen card, as its button would."""
        entry = {name: mode for name, _label, mode in READER_BUTTONS}[action]
        return self.Action(self.selected, entry)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(self.action_for(event.button.id.removeprefix("reader-")))
