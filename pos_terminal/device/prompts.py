"""Entry steps that several functions share: the supervisor password and the cardholder PIN.

Both are secrets: shown as ``*``, kept in a :class:`DigitEntry` only while typed,
and handed to the flow (which wipes it when it ends) on ENTER.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.events import Key
from pos_terminal.device.screen import right
from pos_terminal.device.status import Beep
from pos_terminal.rules.supervisor import Grant, SupervisorGate

if TYPE_CHECKING:
    from pos_terminal.device.flow import Flow

__all__ = ["PasswordPrompt", "PinPrompt", "PIN_MAX", "PIN_MIN", "locked_rows"]

PIN_MIN = 4
PIN_MAX = 12
PASSWORD_MAX = 12


def locked_rows(title: str, supervisor: SupervisorGate) -> list[str]:
    """The screen of a locked supervisor function: how long the lock lasts and who can lift it."""
    left = supervisor.time_left()
    minutes, seconds = divmod(max(math.ceil(left.total_seconds()), 0), 60) if left is not None else (0, 0)
    return [title, "SUPERVISOR LOCKED", f"TRY AGAIN IN {minutes:02d}:{seconds:02d}", "ADMIN: MENU 3 UNLOCK"]


class PasswordPrompt:
    """SUPERVISOR PASSWORD, masked; tells wrong passwords apart from the lockout."""

    def __init__(self, flow: Flow, title: str, function: str) -> None:
        self.flow = flow
        self.title = title
        self.function = function
        self.entry = DigitEntry(PASSWORD_MAX, secret=True)
        self.message = ""

    def render(self) -> list[str]:
        return [self.title, "SUPERVISOR PASSWORD", right(self.entry.shown), self.message]

    hint = "SUPERVISOR: PASSWORD, THEN ENTER\nCLEAR DELETE  CANCEL STOP"
    """The keys of the password step (its flow's hint)."""

    async def on_key(self, key: Key) -> Grant | None:
        """The supervisor's grant on a correct ENTER, else None (the lockout ends the flow)."""
        device = self.flow.device
        if key is not Key.ENTER:
            self.flow.type_into(self.entry, key)
            return None
        if not self.entry.digits:
            device.beep(Beep.ERROR)
            return None
        password = self.entry.digits
        self.entry.wipe()
        verdict = await device.supervisor.check(password, self.function)
        if verdict.grant is not None:
            return verdict.grant
        if not verdict.locked:
            device.beep(Beep.ERROR)
            self.message = "WRONG, 1 TRY LEFT" if verdict.tries_left == 1 else f"WRONG, {verdict.tries_left} TRIES LEFT"
            return None
        device.finish(locked_rows(self.title, device.supervisor), Beep.FAILURE)
        return None

    def wipe(self) -> None:
        self.entry.wipe()


class PinPrompt:
    """ENTER PIN, masked, 4 to 12 digits."""

    def __init__(self, flow: Flow, title: str, amount_text: str) -> None:
        self.flow = flow
        self.title = title
        self.amount_text = amount_text
        self.entry = DigitEntry(PIN_MAX, secret=True)

    def render(self) -> list[str]:
        return [self.title, right(self.amount_text), "ENTER PIN", right(self.entry.shown)]

    hint = "CARDHOLDER: PIN (4-12), THEN ENTER\nCLEAR DELETE  CANCEL STOP"
    """The keys of the PIN step (its flow's hint)."""

    def on_key(self, key: Key) -> str | None:
        """The PIN on ENTER with enough digits, else None."""
        if key is not Key.ENTER:
            self.flow.type_into(self.entry, key)
            return None
        if len(self.entry) < PIN_MIN:
            self.flow.device.beep(Beep.ERROR)
            return None
        pin = self.entry.digits
        self.entry.wipe()
        return pin

    def wipe(self) -> None:
        self.entry.wipe()
