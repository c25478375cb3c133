"""Which keyboard key stands for which keypad key, and the help line that says so."""

from __future__ import annotations

from pos_terminal.device import Key

__all__ = ["CABLE_KEY", "HELP_LINES", "HOST_KEY", "KEYBOARD_KEYS", "PRINTER_KEYS", "QUIT_HINT", "READER_KEYS"]

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
"""Pull or plug the cable between terminal and embedded host: the host still gets requests, answers are lost."""

HOST_KEY = "u"
"""Make the host unreachable (or reachable again): no connection at all, so offline refunds can be tried."""

PRINTER_KEYS: dict[str, int] = {"pageup": -1, "pagedown": 1}
"""Scroll the printer's paper back (-1) or on (+1) by a page."""

HELP_LINES = (
    "keypad: 0-9 Enter Backspace=CLEAR Esc=CANCEL F1-F4 m=MENU | printer: PgUp PgDn",
    "card: c=next i=insert t=tap s=swipe k=key in r=remove | faults: p=cable u=host unreachable",
)
"""The footer: which keyboard keys stand for what (each line fits 100 columns with the quit hint)."""

QUIT_HINT = "^q quit"
"""Shown at the right of the footer at any width."""
