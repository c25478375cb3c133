"""The keypad: F1-F4 above, digits, 00, MENU and the coloured CANCEL / CLEAR / ENTER keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button

from pos_terminal.device import Key

__all__ = ["Keypad"]

LAYOUT: tuple[tuple[Key, str, str], ...] = (
    (Key.F1, "F1", "fkey"), (Key.F2, "F2", "fkey"), (Key.F3, "F3", "fkey"), (Key.F4, "F4", "fkey"),
    (Key.D1, "1", "digit"), (Key.D2, "2", "digit"), (Key.D3, "3", "digit"), (Key.CANCEL, "CANCEL", "cancel"),
    (Key.D4, "4", "digit"), (Key.D5, "5", "digit"), (Key.D6, "6", "digit"), (Key.CLEAR, "CLEAR", "clear"),
    (Key.D7, "7", "digit"), (Key.D8, "8", "digit"), (Key.D9, "9", "digit"), (Key.ENTER, "ENTER", "enter"),
    (Key.MENU, "MENU", "menu"), (Key.D0, "0", "digit"), (Key.D00, "00", "digit"),
)
"""Keys in grid order (4 columns x 5 rows; ENTER spans the last two rows, as on many terminals)."""


def button_id(key: Key) -> str:
    """The id of ``key``'s button, e.g. ``key-ENTER``, ``key-00``."""
    return f"key-{key.value}"


class Keypad(Grid):
    """Buttons that post :class:`Keypad.Pressed`; none of them takes focus (the keyboard drives the app)."""

    class Pressed(Message):
        """A keypad key was clicked."""

        def __init__(self, key: Key) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        for key, label, kind in LAYOUT:
            button = Button(label, id=button_id(key), classes=f"keypad-key {kind}", compact=True)
            button.can_focus = False
            yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(self.Pressed(Key(event.button.id.removeprefix("key-"))))
