"""How a terminal operation fails: refused by the terminal itself, or no usable answer from the host.

These live apart from :mod:`pos_terminal.engine.core` so that the protocol profiles
(:mod:`pos_terminal.profiles`), which the core loads, can raise them too; the core re-exports them.
A :class:`CommunicationFailure` carries a :class:`FailureKind`, so that what follows from it (a CUP
reversal's reason code, whether the request may have reached the host) is decided on the kind, never
on the wording of the message, which is for people.
"""

from __future__ import annotations

from enum import StrEnum


class TerminalRefusal(Exception):
    """The terminal itself refuses the operation (exit 1).

    The message names the rule for the log and the command line; ``screen`` (at most two lines of
    21 characters) says it to the cashier on the device, in words that fit the display.
    """

    def __init__(self, message: str, screen: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.screen = screen


class FailureKind(StrEnum):
    """Why no usable answer came from the host."""

    HOST_UNREACHABLE = "host_unreachable"
    """No connection could be made: nothing was sent."""
    OWED_FIRST = "owed_first"
    """Something owed earlier (a reversal, a repeat) is still undelivered: the new request was not sent."""
    SIGN_ON_FAILED = "sign_on_failed"
    """The sign-on that had to come first (no working keys) failed: the request was not sent."""
    NO_RESPONSE = "no_response"
    """The request was sent (it may have reached the host) and no answer came: timeout or dropped line."""
    GARBLED = "garbled"
    """An answer came that cannot be decoded (or whose content cannot be read)."""
    WRONG_ANSWER = "wrong_answer"
    """An answer came that does not answer the request (MTI, STAN, terminal ID, TPDU, no response code)."""
    MAC_FAILED = "mac_failed"
    """An answer came whose MAC does not verify."""
    NOT_APPLIED = "not_applied"
    """The host answered, but with a code saying it did not apply the request (an advice, a batch upload)."""


class CommunicationFailure(Exception):
    """No usable answer from the host: unreachable, timed out, garbled, or failed its MAC (``kind`` says which)."""

    def __init__(self, message: str, kind: FailureKind) -> None:
        super().__init__(message)
        self.kind = FailureKind(kind)

    @property
    def sent(self) -> bool:
        """Whether the request may have reached the host (False: it certainly never left the terminal)."""
        return self.kind not in (FailureKind.HOST_UNREACHABLE, FailureKind.OWED_FIRST, FailureKind.SIGN_ON_FAILED)


class HostUnreachable(CommunicationFailure):
    """No connection to the host could be made, or something owed earlier could not be: nothing was sent."""

    def __init__(self, message: str, kind: FailureKind = FailureKind.HOST_UNREACHABLE) -> None:
        super().__init__(message, kind)
