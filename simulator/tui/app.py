"""The possim device UI: a countertop terminal on the left, printer and message log on the right.

:class:`PossimApp` forwards key presses and card-reader actions to a
:class:`~pos_terminal.device.DeviceModel` and renders its outputs: the display, the key hint
under it, the printer, the beeper, the status bar. Events are handled by a worker
(:class:`~simulator.tui.pump.EventPump`) and the screen is refreshed from the model on a short
timer, so the UI keeps answering while the model waits for the host (and shows the reversal
progress while it retries). Two fault switches: the cable (``p``, answers lost) and the host
(``u``, unreachable); PgUp / PgDn scroll the printer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Static

from emv.cards import EntryMode
from pos_terminal.state.cards import CardReadError
from pos_terminal.device import CardRemoved, ConnectionState, DeviceEvent, DeviceModel, Key, KeyPress
from simulator.tui.exchanges import log_entries
from simulator.tui.keymap import CABLE_KEY, HELP_LINES, HOST_KEY, KEYBOARD_KEYS, PRINTER_KEYS, QUIT_HINT, READER_KEYS
from simulator.tui.pump import EventPump
from simulator.tui.switches import HostSwitch
from simulator.tui.widgets import CardReader, KeyHint, Keypad, Lcd, MessageLog, Printer, StatusBar

if TYPE_CHECKING:  # the app only holds a host it is given: importing the host's modules would slow every start
    from simulator.host.server import HostServer

__all__ = ["PossimApp"]

log = logging.getLogger(__name__)

LOG_WINDOW = 200
"""How many of the newest journaled messages the log pane reads on each update."""

FULL_HEIGHT = 39
"""The fewest terminal lines showing the whole device as designed (brand, spacing, the card reader's two
rows of buttons and a note of up to 3 lines); on shorter terminals (80x24) the compact layout keeps the card reader on screen."""

_READ_VERBS = {
    EntryMode.CHIP: "INSERTED",
    EntryMode.CONTACTLESS: "TAPPED",
    EntryMode.SWIPE: "SWIPED",
    EntryMode.MANUAL: "KEYED IN",
}


class PossimApp(App[None]):
    """The device UI around ``model``; with ``host_server``, the app also owns that embedded host.

    The host is started on mount if it is not listening yet, and stopped when the app exits.
    """

    CSS_PATH = "possim.tcss"
    TITLE = "possim"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (FULL_HEIGHT, "-tall")]
    """Below :data:`FULL_HEIGHT` lines the screen is ``-short`` and possim.tcss packs the device tighter."""
    BINDINGS = [
        *[Binding(name, f"device_key('{key.value}')", show=False, priority=True)
          for name, key in KEYBOARD_KEYS.items()],
        *[Binding(name, f"reader('{action}')", show=False, priority=True) for name, action in READER_KEYS.items()],
        Binding(CABLE_KEY, "cable", show=False, priority=True),
        Binding(HOST_KEY, "host_switch", show=False, priority=True),
        *[Binding(name, f"printer({pages})", show=False, priority=True) for name, pages in PRINTER_KEYS.items()],
    ]

    def __init__(
        self,
        model: DeviceModel,
        *,
        host_server: HostServer | None = None,
        poll_interval: float = 0.1,
        console_url: str | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.host_server = host_server
        self.console_url = console_url  # the host's web console (possim run --http), shown under the log
        self.poll_interval = poll_interval
        self.pump = EventPump(model)
        self.host_switch = HostSwitch(model.engine)
        self.input_note = ""
        self._beeps = model.beeps
        self._log_dirty = True

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="device"):
                yield Static("POSSIM  COUNTERTOP", id="brand")
                yield Lcd(id="lcd")
                yield KeyHint(id="key-hint")
                yield Keypad(id="keypad")
                yield CardReader(self.model.cards, id="card-reader")
            with Vertical(id="side"):
                yield Printer(id="printer")
                yield MessageLog(id="message-log")
        yield StatusBar(id="status-bar")
        with Horizontal(id="footer"):
            yield Static("\n".join(HELP_LINES), id="help-lines", markup=False)
            yield Static(QUIT_HINT, id="quit-hint", markup=False)

    async def on_mount(self) -> None:
        self.query_one("#printer", Printer).border_title = "PRINTER"
        self.query_one("#message-log", MessageLog).border_title = "MESSAGE LOG"
        if self.console_url is not None:  # printed before the UI took the screen: keep it in sight
            self.query_one("#message-log", MessageLog).border_subtitle = f"host console {self.console_url}"
        self.query_one("#card-reader", CardReader).border_title = "CARD READER"
        if self.host_server is not None and self.host_server.url is None:
            await self.host_server.start()
        self.run_worker(self.pump.run(self._handled), name="device-events", group="device")
        self.set_interval(self.poll_interval, self.refresh_device, name="device-refresh")
        self.refresh_device()

    async def on_unmount(self) -> None:
        self.host_switch.switch_off()
        await self.stop_host()

    async def stop_host(self) -> None:
        """Stop the embedded host, if the app has one (once)."""
        server, self.host_server = self.host_server, None
        if server is not None:
            await server.stop()
            log.info("embedded host stopped")

    # ------------------------------------------------------------------ inputs

    def forward(self, event: DeviceEvent) -> None:
        """Hand ``event`` to the model without waiting for it: queued, or at once while the host is awaited."""
        if self.model.busy:
            self.input_note = "BUSY: INPUT IGNORED"
            self.run_worker(self.model.handle(event), group="device-ignored")
        else:
            self.input_note = ""
            self.pump.submit(event)
        self.refresh_device()

    def action_device_key(self, key: str) -> None:
        """A keyboard key standing for keypad ``key``."""
        self.forward(KeyPress(Key(key)))

    def on_keypad_pressed(self, message: Keypad.Pressed) -> None:
        self.forward(KeyPress(message.key))

    def action_reader(self, action: str) -> None:
        """A keyboard shortcut of the card reader."""
        reader = self.query_one("#card-reader", CardReader)
        if action == "next_card":
            reader.select_next()
        else:  # handled here and now, so it keeps its place among the keys typed around it
            self.on_card_reader_action(reader.action_for(action))

    def action_cable(self) -> None:
        """Pull (or plug back) the cable to the embedded host: while pulled, every answer is lost."""
        if self.host_server is None:
            self.input_note = "NO EMBEDDED HOST: NO CABLE TO PULL"
        else:
            self.host_server.cable_pulled = not self.host_server.cable_pulled
        self.refresh_device()

    def action_host_switch(self) -> None:
        """Make the host unreachable (no connection at all), or reachable again."""
        self.input_note = self.host_switch.toggle()
        self.refresh_device()

    def action_printer(self, pages: int) -> None:
        """Scroll the printer's paper back or on by a page."""
        printer = self.query_one("#printer", Printer)
        printer.turn(pages)
        printer.note_position()

    @property
    def status_note(self) -> str:
        """The status bar's note: the fault switches that are on, and the last input note."""
        cable = "CABLE PULLED: ANSWERS LOST" if self.host_server and self.host_server.cable_pulled else ""
        host = "HOST UNREACHABLE" if self.host_switch.on else ""
        return " | ".join(note for note in (host, cable, self.input_note) if note)

    def on_card_reader_action(self, message: CardReader.Action) -> None:
        """Present the chosen card to the device (or remove it)."""
        reader = self.query_one("#card-reader", CardReader)
        if message.entry is None:
            reader.note("CARD REMOVED")
            self.forward(CardRemoved())
            return
        try:
            event = self.model.card_event(message.card, message.entry)
        except CardReadError as error:
            reader.note(str(error).upper())
            return
        reader.note(f"{event.card.masked_pan} {_READ_VERBS[message.entry]}")
        self.forward(event)

    def _handled(self, handled: bool) -> None:
        self._log_dirty = True
        self.refresh_device()

    # ------------------------------------------------------------------ outputs

    def refresh_device(self) -> None:
        """Render the model's outputs: LCD, status, beeper, printer, and new journaled messages."""
        try:
            self._render_outputs()
        except NoMatches:  # the app is closing: its widgets are going
            return

    def _render_outputs(self) -> None:
        model = self.model
        self.query_one("#lcd", Lcd).show(model.display)
        self.query_one("#key-hint", KeyHint).show(model.hint)
        if model.beeps != self._beeps:
            self._beeps = model.beeps
            self.bell()
        status = model.status
        if self.host_switch.on:  # unreachable on purpose: the bar must not say HOST ONLINE next to it
            status = replace(status, connection=ConnectionState.FAILED)
        self.query_one("#status-bar", StatusBar).show(status, busy=model.busy, beep=model.last_beep,
                                                      note=self.status_note)
        printer = self.query_one("#printer", Printer)
        printer.show(model.printer)
        printer.note_position()
        if model.busy or self._log_dirty:
            self._log_dirty = False
            self.query_one("#message-log", MessageLog).show(log_entries(model.journal.messages(limit=LOG_WINDOW)))

    async def settled(self) -> None:
        """Wait until every event given so far has been handled, then render (for tests and scripts)."""
        await self.pump.drain()
        self.refresh_device()
