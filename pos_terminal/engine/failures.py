"""How a terminal operation fails: refused by the terminal itself, or no usable answer from the host.

These live apart from :mod:`pos_terminal.engine.core` so that the protocol profiles
(:mod:`pos_terminal.profiles`), which the core loads, can raise them too; the core re-exports them.
"""

from __future__ import annotations


class TerminalRefusal(Exception):
    """The terminal itself refuses the operation (exit 1).

    The message names the rule for the log and the command line; ``screen`` (at most two lines of
    21 characters) says it to the cashier on the device, in words that fit the display.
    """

    def __init__(self, message: str, screen: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.screen = screen


class CommunicationFailure(Exception):
    """No usable answer from the host: unreachable, timed out, garbled, or failed its MAC."""


class HostUnreachable(CommunicationFailure):
    """No connection to the host could be made: nothing was sent."""
