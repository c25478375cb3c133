"""Digit entry on the keypad: amounts, PINs, passwords, references.

An entry holds only the digits typed so far. Secret entries (PIN, supervisor
password) render as ``*`` and are dropped by :meth:`DigitEntry.wipe` as soon as
their flow ends; their ``repr`` never shows the digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pos_terminal.device.events import Key

__all__ = ["DigitEntry"]


@dataclass
class DigitEntry:
    """Up to ``max_digits`` digits typed with 0-9 and 00, CLEAR removing the last one."""

    max_digits: int
    secret: bool = False
    amount: bool = False
    """An amount: leading zeros change nothing, so they are not kept."""
    _digits: str = field(default="", repr=False)

    def press(self, key: Key) -> bool:
        """Apply a digit or CLEAR; False when the key does not fit (too many digits, nothing to clear)."""
        if key is Key.CLEAR:
            if not self._digits:
                return False
            self._digits = self._digits[:-1]
            return True
        if not key.is_digit or len(self._digits) + len(key.value) > self.max_digits:
            return False
        if self.amount and not self._digits and set(key.value) == {"0"}:
            return True
        self._digits += key.value
        return True

    @property
    def digits(self) -> str:
        return self._digits

    @property
    def shown(self) -> str:
        """What the display shows: the digits, or one ``*`` per digit for a secret."""
        return "*" * len(self._digits) if self.secret else self._digits

    @property
    def value(self) -> int:
        return int(self._digits or "0")

    def __len__(self) -> int:
        return len(self._digits)

    def wipe(self) -> None:
        """Forget the digits."""
        self._digits = ""
