"""The status bar: connection, open batch, what is owed to the host, busy, and the last beep."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pos_terminal.device import Beep, ConnectionState, DeviceStatus

__all__ = ["StatusBar", "status_text"]

_CONNECTION_STYLE = {
    ConnectionState.UNKNOWN: "bold yellow",
    ConnectionState.ONLINE: "bold green",
    ConnectionState.FAILED: "bold red",
}


def status_text(status: DeviceStatus, *, busy: bool, beep: Beep | None, note: str = "") -> Text:
    """The bar's content; plain text reads e.g. ``HOST ONLINE | BATCH 000001 | REVERSALS 0 | ...``."""
    advices = "-" if status.pending_advices is None else str(status.pending_advices)
    text = Text(no_wrap=True, overflow="crop")
    text.append(f" HOST {status.connection.value.upper()} ", style=_CONNECTION_STYLE[status.connection])
    text.append(f"| BATCH {status.batch:06d} ")
    text.append(f"| REVERSALS {status.pending_reversals} ", style="bold red" if status.pending_reversals else "")
    text.append(f"| ADVICES {advices} ", style="bold yellow" if status.pending_advices else "")
    text.append("| BUSY " if busy else "| READY ", style="bold reverse" if busy else "")
    text.append(f"| BEEP {beep.value if beep else '-'} ")
    if note:
        text.append(f"| {note}", style="italic")
    return text


class StatusBar(Static):
    """One line at the bottom of the screen."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self.plain = ""

    def show(self, status: DeviceStatus, *, busy: bool, beep: Beep | None, note: str = "") -> None:
        """Render the bar (no-op when nothing changed)."""
        text = status_text(status, busy=busy, beep=beep, note=note)
        if text.plain != self.plain:
            self.plain = text.plain
            self.update(text)
