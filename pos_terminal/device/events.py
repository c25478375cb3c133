"""The inputs of the countertop device: key presses and the card reader.

The UI turns a button or a keyboard key into a :class:`KeyPress` and a card
picked from the test-card list into a :class:`CardPresented`; the device model
reacts to one event at a time (:meth:`DeviceModel.handle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pos_terminal.state.cards import PresentedCard

__all__ = ["CardPresented", "CardRemoved", "DeviceEvent", "Key", "KeyPress"]


class Key(StrEnum):
    """The keys of the keypad."""

    D0 = "0"
    D1 = "1"
    D2 = "2"
    D3 = "3"
    D4 = "4"
    D5 = "5"
    D6 = "6"
    D7 = "7"
    D8 = "8"
    D9 = "9"
    D00 = "00"
    ENTER = "ENTER"
    CLEAR = "CLEAR"
    """Backspace: removes the last digit typed."""
    CANCEL = "CANCEL"
    """Abandons the function in progress: back to the idle screen."""
    F1 = "F1"
    F2 = "F2"
    F3 = "F3"
    F4 = "F4"
    MENU = "MENU"

    @property
    def is_digit(self) -> bool:
        """True for 0-9 and 00."""
        return self.value.isdigit()


@dataclass(frozen=True)
class KeyPress:
    """One key pressed; ``key`` accepts a :class:`Key` or its text (``"7"``, ``"ENTER"``)."""

    key: Key

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", Key(self.key))


@dataclass(frozen=True)
class CardPresented:
    """A card inserted, tapped, swiped or keyed in (``card.entry`` says which)."""

    card: PresentedCard


@dataclass(frozen=True)
class CardRemoved:
    """The card left the reader (a chip card pulled out)."""


DeviceEvent = KeyPress | CardPresented | CardRemoved
