"""Errors of the simulator's own input handling, shared by the command line, scenarios and the pytest plugin."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that no library raised (a missing option combination, an unknown operation, a bad amount).

    The command line prints its message on one line and exits 2; a scenario reports it against its step.
    """
