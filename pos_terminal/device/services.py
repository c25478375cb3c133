"""What a flow may ask of the device that runs it: a narrow interface instead of the device model.

The flows (sale, refund, void, more, history, notices) are created by
:class:`~pos_terminal.device.model.DeviceModel` and call back into it to beep,
print, go online or end. They depend on this protocol, not on the model
module, so the model can import the flows without an import circle (and a
test can drive a flow with a small fake device).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from pos_terminal.device.status import Beep
from pos_terminal.common.results import TxnResult
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.journal import Journal
from pos_terminal.rules.supervisor import SupervisorGate
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord


class DeviceServices(Protocol):
    """The device as its flows see it: the engine, outputs and the ways a flow ends."""

    engine: TerminalEngine
    receipt_width: int

    @property
    def config(self) -> TerminalConfig:
        """The terminal's configuration (currency, limits, PIN rules)."""
        ...

    @property
    def supervisor(self) -> SupervisorGate:
        """The supervisor password gate shared with the command line."""
        ...

    @property
    def journal(self) -> Journal:
        """The terminal's transaction journal."""
        ...

    def beep(self, kind: Beep) -> None:
        """Sound the beeper."""
        ...

    def go_idle(self) -> None:
        """End the flow in progress and show the idle screen."""
        ...

    def finish(self, rows: list[str], beep: Beep | None = None) -> None:
        """End the flow in progress and show ``rows`` until a key is pressed."""
        ...

    async def online(self, title: str, call: Callable[[], Awaitable[TxnResult]], *,
                     connecting: bool = False) -> TxnResult:
        """Await a host exchange with the device busy."""
        ...

    def conclude(self, title: str, result: TxnResult) -> None:
        """Print the receipts of a financial transaction, beep, and show its result."""
        ...

    def print_record(self, record: TransactionRecord, copy: str, *, duplicate: bool = False) -> None:
        """Print one copy of a transaction's receipt."""
        ...

    def print_lines(self, lines: list[str]) -> None:
        """Print free text (reports)."""
        ...
