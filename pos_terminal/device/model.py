"""The countertop device: keypad and card reader in, LCD, printer, beeper and status bar out.

:class:`DeviceModel` is the state machine a UI renders. It takes one event at a
time (:meth:`DeviceModel.handle`) and exposes plain data: :attr:`display` (the
LCD, 4 x 21 characters), :attr:`printer` (every receipt printed, one list of
lines per copy), :attr:`beeps` / :attr:`last_beep`, :attr:`status` and
:attr:`busy`. Host exchanges are awaited coroutines; while one is in flight
:attr:`busy` is True, the display says PROCESSING or CONNECTING..., and events
are ignored, as on a real terminal.

Secrets: the supervisor password and the PIN exist only inside the flow in
progress (shown as ``*``), and are dropped when it goes online or ends.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from emv.cards import EntryMode, TestCard, load_test_cards
from pos_terminal.state.cards import CardReadError, present
from pos_terminal.state.config import TerminalConfig
from pos_terminal.device.events import CardPresented, CardRemoved, DeviceEvent, Key, KeyPress
from pos_terminal.device.flow import Flow, NoticeFlow, ResultFlow
from pos_terminal.device.more import MoreFlow
from pos_terminal.device.outcome import result_rows
from pos_terminal.device.prompts import locked_rows
from pos_terminal.device.refund import RefundFlow
from pos_terminal.device.sale import SaleFlow
from pos_terminal.device.screen import Lines, layout, pair
from pos_terminal.device.status import Beep, ConnectionState, DeviceStatus
from pos_terminal.device.void import VoidFlow
from pos_terminal.engine.terminal import TerminalEngine
from pos_terminal.journal import Journal, JournalError
from pos_terminal.output.receipt import CUSTOMER_COPY, MERCHANT_COPY, render_receipt
from pos_terminal.state.records import TransactionRecord, TxnStatus
from pos_terminal.common.results import Outcome, TxnResult
from pos_terminal.rules.supervisor import SupervisorGate
from pos_terminal.output.views import transaction_view

__all__ = ["DeviceModel", "IdleStep"]

log = logging.getLogger(__name__)

PRINTED_STATUSES = (TxnStatus.APPROVED, TxnStatus.DECLINED, TxnStatus.OFFLINE)


class IdleStep(StrEnum):
    IDLE = "idle"


@dataclass(frozen=True)
class ReversalProgress:
    """Which reversal attempt is under way, and when (monotonic clock) the last one times out at the latest."""

    attempt: int
    attempts: int
    deadline: float


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeviceModel:
    """One countertop terminal around a :class:`TerminalEngine`.

    ``cards`` are the cards the cardholder can present (default: the shipped
    test cards); :meth:`card_event` reads one of them into a :class:`CardPresented`.
    """

    def __init__(
        self,
        engine: TerminalEngine,
        cards: Mapping[str, TestCard] | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        receipt_width: int = 32,
    ) -> None:
        self.engine = engine
        self.cards: Mapping[str, TestCard] = cards if cards is not None else load_test_cards()
        self.receipt_width = receipt_width
        self._clock = clock
        self.printer: list[list[str]] = []
        self.beeps = 0
        self.last_beep: Beep | None = None
        self.busy = False
        self._busy_rows: Lines = layout([])
        self._busy_title = ""
        self._reversal: ReversalProgress | None = None
        engine.on_reversal_attempt = self._reversal_attempt
        self._flow: Flow | None = None
        self._handling = False
        self._connection = ConnectionState.UNKNOWN
        self.status = self._read_status()

    # ------------------------------------------------------------------ outputs

    @property
    def config(self) -> TerminalConfig:
        return self.engine.config

    @property
    def supervisor(self) -> SupervisorGate:
        """The engine's supervisor gate: the device and the command line count wrong passwords together."""
        return self.engine.supervisor

    @property
    def journal(self) -> Journal:
        return self.engine.journal

    @property
    def screen(self) -> StrEnum:
        """The current step: ``idle``, ``sale.amount``, ``refund.password``, ``notice``..."""
        return self._flow.step if self._flow is not None else IdleStep.IDLE

    @property
    def display(self) -> Lines:
        """Exactly what the LCD shows: 4 lines of 21 characters."""
        if self.busy:
            return self._reversal_rows() if self._reversal is not None else self._busy_rows
        if self._flow is not None:
            return layout(self._flow.render())
        return layout(self._idle_rows())

    @property
    def hint(self) -> str:
        """Which keys do what now (the UI shows it under the display)."""
        if self.busy and self._reversal is not None:
            return "NO ANSWER: REVERSING THE REQUEST\nPLEASE WAIT, KEYS ARE IGNORED"
        if self.busy:
            return "WAITING FOR THE HOST\nPLEASE WAIT, KEYS ARE IGNORED"
        if self._flow is not None:
            return self._flow.hint
        return "F1 SALE  F2 REFUND  F3 VOID\nF4 OR MENU: MORE"

    def _reversal_attempt(self, stan: int, attempt: int, attempts: int) -> None:
        """The engine is about to send a reversal: note how far it is and the longest it may take."""
        del stan
        config = self.config
        left = (attempts - attempt + 1) * (config.connect_timeout + config.response_timeout)
        self._reversal = ReversalProgress(attempt, attempts, time.monotonic() + left)

    def _reversal_rows(self) -> Lines:
        """The busy screen while reversals are retried: which attempt, and at most how long it may still take."""
        progress = self._reversal
        assert progress is not None
        seconds = max(math.ceil(progress.deadline - time.monotonic()), 0)
        return layout([self._busy_title, f"REVERSAL {progress.attempt} OF {progress.attempts}", "PLEASE WAIT",
                       f"AT MOST {seconds} S LEFT"])

    def _idle_rows(self) -> list[str]:
        return [
            self.config.merchant_name,
            f"{self._clock():%Y-%m-%d %H:%M}",
            pair("F1 SALE", "F2 REFUND"),
            pair("F3 VOID", "F4 MORE"),
        ]

    def _read_status(self) -> DeviceStatus:
        journal = self.journal
        advices = getattr(journal, "pending_advices", None)
        return DeviceStatus(
            connection=self._connection,
            batch=journal.current_batch(),
            pending_reversals=len(journal.pending_reversals()),
            pending_advices=len(advices()) if advices is not None else None,
        )

    # ------------------------------------------------------------------ inputs

    def card_event(self, name: str, entry: EntryMode) -> CardPresented:
        """The event of card ``name`` (one of :attr:`cards`) read by ``entry``; CardReadError if it cannot be."""
        card = self.cards[name]
        if entry not in card.entry_modes:
            raise CardReadError(f"card {name!r} cannot be read by {entry.value}")
        return CardPresented(present(card, entry))

    async def handle(self, event: DeviceEvent) -> bool:
        """Process one event; False when it was ignored (the device is busy with an earlier one)."""
        if self._handling:
            return False
        self._handling = True
        try:
            if isinstance(event, KeyPress):
                await self._key(event.key)
            elif isinstance(event, CardPresented):
                await self._card(event)
            elif isinstance(event, CardRemoved):
                if self._flow is not None:
                    await self._flow.on_card_removed()
            else:
                raise TypeError(f"not a device event: {type(event).__name__}")
        finally:
            self._handling = False
            self.status = self._read_status()
        return True

    async def _key(self, key: Key) -> None:
        if self._flow is None:
            self._idle_key(key)
        elif key is Key.CANCEL:
            self.go_idle()
        else:
            await self._flow.on_key(key)

    def _idle_key(self, key: Key) -> None:
        flows = {Key.F1: SaleFlow, Key.F2: RefundFlow, Key.F3: VoidFlow, Key.F4: MoreFlow, Key.MENU: MoreFlow}
        supervised = {Key.F2: "REFUND", Key.F3: "VOID"}
        if key in supervised and self.supervisor.locked_until() is not None:
            self.finish(locked_rows(supervised[key], self.supervisor), Beep.ERROR)
        elif key in flows:
            self._flow = flows[key](self)
        elif key is not Key.CANCEL:
            self.beep(Beep.ERROR)

    async def _card(self, event: CardPresented) -> None:
        if self._flow is None:
            self.beep(Beep.ERROR)
        else:
            await self._flow.on_card(event.card)

    # ------------------------------------------------------------------ services for the flows

    def beep(self, kind: Beep) -> None:
        self.beeps += 1
        self.last_beep = kind

    def go_idle(self) -> None:
        """End the flow in progress (its secrets dropped) and show the idle screen."""
        if self._flow is not None:
            self._flow.wipe()
        self._flow = None

    def finish(self, rows: list[str], beep: Beep | None = None) -> None:
        """End the flow in progress and show ``rows`` until a key is pressed."""
        self.go_idle()
        if beep is not None:
            self.beep(beep)
        self._flow = NoticeFlow(self, rows)

    async def online(self, title: str, call: Callable[[], Awaitable[TxnResult]], *,
                     connecting: bool = False) -> TxnResult:
        """Await ``call`` (a host exchange) with the device busy; note how the exchange went."""
        self._busy_rows = layout([title, "CONNECTING..." if connecting else "PROCESSING", "PLEASE WAIT"])
        self._busy_title, self._reversal = title, None
        self.busy = True
        try:
            result = await call()
        except Exception as error:  # the device must survive an engine fault and say so
            log.exception("%s failed inside the terminal", title.lower())
            result = TxnResult(title.lower(), Outcome.REFUSED, error=f"terminal error: {type(error).__name__}")
        finally:
            self.busy = False
            self._reversal = None
        if result.outcome is Outcome.COMMUNICATION_FAILED or getattr(result, "offline", False):
            # a refund completed offline was approved by the terminal because the host could not be reached
            self._connection = ConnectionState.FAILED
        elif result.outcome is Outcome.COMPLETED:
            self._connection = ConnectionState.ONLINE
        return result

    def conclude(self, title: str, result: TxnResult) -> None:
        """Print the receipts of a financial transaction, beep, and show its result."""
        record = self._record_for(result)
        offline = bool(getattr(result, "offline", False)) or (record is not None and record.status is TxnStatus.OFFLINE)
        if record is not None and record.status in PRINTED_STATUSES:
            self.print_record(record, MERCHANT_COPY)
            self.print_record(record, CUSTOMER_COPY)
        rows = result_rows(title, result, offline=offline)
        beep = Beep.SUCCESS if result.approved else Beep.FAILURE
        if record is not None and record.status in PRINTED_STATUSES:
            self.go_idle()
            self.beep(beep)
            self._flow = ResultFlow(self, rows, record.id)
        else:
            self.finish(rows, beep)

    def _record_for(self, result: TxnResult) -> TransactionRecord | None:
        """The journaled transaction ``result`` reports on (None when nothing was journaled)."""
        if result.invoice is None or result.outcome is Outcome.REFUSED:
            return None
        last = self.journal.last_transaction()
        if last is not None and last.invoice == result.invoice and last.stan == result.stan:
            return last
        try:
            return self.journal.find_by_invoice(result.invoice, batch=self.journal.current_batch())
        except JournalError:
            return None

    def print_record(self, record: TransactionRecord, copy: str, *, duplicate: bool = False) -> None:
        view = transaction_view(self.journal, record)
        self.print_lines(render_receipt(record, self.config, copy, width=self.receipt_width, duplicate=duplicate,
                                        view=view))

    def print_lines(self, lines: list[str]) -> None:
        self.printer.append(lines)
