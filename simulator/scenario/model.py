"""What a scenario file says, once validated: steps, their options and their expectations.

The records are plain frozen dataclasses; :mod:`simulator.scenario.parse` builds them from TOML
and :mod:`simulator.scenario.expect` evaluates them. See docs/scenarios.md for the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Side(StrEnum):
    """Which message of an exchange an expectation reads."""

    REQUEST = "request"
    RESPONSE = "response"


class MacExpectation(StrEnum):
    """What the MAC of a message must be (``expect.request.mac`` / ``expect.response.mac``)."""

    VALID = "valid"
    """The message carries a MAC and it verifies with the terminal's keys for that exchange."""
    INVALID = "invalid"
    """The message carries a MAC that does not verify (a host rule ``corrupt_mac``, say)."""
    ABSENT = "absent"
    """The message carries no MAC field (DE 64 / DE 128), as unsigned network messages."""


@dataclass(frozen=True)
class FieldExpectation:
    """One ``expect.<side>.fields."N"`` entry: an exact value or a regular expression."""

    number: int
    value: str | None = None
    pattern: re.Pattern[str] | None = None

    def describe(self) -> Any:
        """The expectation as the report shows it (JSON-friendly)."""
        return self.value if self.pattern is None else {"pattern": self.pattern.pattern}


@dataclass(frozen=True)
class MessageExpectation:
    """``expect.request`` or ``expect.response``: which message of the step, and what it must hold.

    ``mti`` picks the message by its MTI (default: the operation's main request, 0200 / 0800 /
    0500, and its response); ``index`` picks among several (1 the first, -1 the last).
    """

    side: Side
    mti: str | None
    index: int
    fields: tuple[FieldExpectation, ...]
    present: tuple[int, ...]
    absent: tuple[int, ...]
    mac: MacExpectation | None
    reveal: bool


@dataclass(frozen=True)
class Step:
    """One operation of a scenario and what its result and its messages must show."""

    name: str
    operation: str
    options: dict[str, Any]
    expect: dict[str, Any]
    """Result fields (dotted names reach into objects) and the values they must have."""
    messages: tuple[MessageExpectation, ...] = ()
    sent: tuple[str, ...] | None = None
    """The MTIs of the requests the terminal must send during the step, in order."""
    received: tuple[str, ...] | None = None
    """The MTIs of the responses it must receive, in order."""
    host_down: bool = False
    """The host is unreachable during this step (the terminal's connection is refused)."""
    advance_days: int = 0
    """Days the embedded host's business date moves ahead before the step (``possim host advance-date``)."""

    def __repr__(self) -> str:  # options may hold a PIN or a supervisor password
        return f"Step(name={self.name!r}, operation={self.operation!r})"


@dataclass(frozen=True)
class Scenario:
    """A named list of steps, with terminal configuration overrides and host fault rules."""

    name: str
    steps: tuple[Step, ...]
    terminal: dict[str, Any]
    host_rules: list[dict[str, Any]]
    description: str = ""
    path: Path | None = None

    @property
    def label(self) -> str:
        """How reports name the scenario's file: its stem, or its name when it has no file."""
        return self.path.stem if self.path is not None else self.name
