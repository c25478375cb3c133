"""The message log: each request and response dissected and masked (the journal's dumps), newest last."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog

from simulator.tui.exchanges import LogEntry, fit_dump

__all__ = ["MessageLog"]


class MessageLog(Vertical):
    """A scrolling log of :class:`LogEntry` items: a heading with the timing, then the dump.

    The dumps' field-name column is narrowed (:func:`fit_dump`) and longer lines wrap, so the
    MTI, STAN and response code stay inside the pane whatever the dialect's names and header.
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.entries: list[LogEntry] = []

    def compose(self) -> ComposeResult:
        yield RichLog(id="message-lines", wrap=True, markup=False, highlight=False, auto_scroll=True)

    def show(self, entries: Sequence[LogEntry]) -> None:
        """Append the entries not shown yet (entries are journal messages in order)."""
        last = self.entries[-1].id if self.entries else 0
        fresh = [entry for entry in entries if entry.id > last]
        if not fresh:
            return
        log = self.query_one("#message-lines", RichLog)
        for entry in fresh:
            style = "bold green" if entry.heading.startswith("<<") else "bold cyan"
            log.write(Text(entry.heading, style=style, no_wrap=True))
            log.write(Text(fit_dump(entry.dump)))  # a line still too long (a header) wraps, not the pane
        self.entries.extend(fresh)

    @property
    def text(self) -> str:
        """Every heading and dump shown, as plain text."""
        return "\n".join(f"{entry.heading}\n{entry.dump}" for entry in self.entries)
