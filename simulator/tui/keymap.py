"""Which keyboard key stands for which keypad key, and the help line that says so."""

from __future__ import annotations

from pos_terminal.device import Key

__all__ = ["CABLE_KEY", "HELP_LINE", "KEYBOARD_KEYS", "READER_KEYS"]

KEYBOARD_KEYS: dict[str, Key] = {
    **{str(digit): Key(str(digit)) for digit in range(10)},
    "enter": Key.ENTER,
    "backspace": Key.CLEAR,
    "escape": Key.CANCEL,
    "f1": Key.F1,
    "f2": Key.F2,
    "f3": Key.F3,
    "f4": Key.F4,
    "m": Key.MENU,
}
"""Textual key names -> keypad keys (``00`` is two zeros, or the on-screen key)."""

READER_KEYS: dict[str, str] = {
    "i": "insert",
    "t": "tap",
    "s": "swipe",
    "k": "key_in",
    "r": "remove",
    "c": "next_card",
}
"""Textual key names -> card reader actions."""

CABLE_KEY = "p"
"""Pull or plug the cable between terminal and embedded host (fault injection)."""

HELP_LINE = (
    "keys: 0-9 Enter Backspace=CLEAR Esc=CANCEL F1-F4 m=MENU | card: c=next i=insert t=tap s=swipe "
    "k=key in r=remove | p=pull/plug cable | ^q quit"
)
