"""The receipt printer: every receipt the device printed, newest last, as it came out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

__all__ = ["Printer", "TEAR_OFF"]

TEAR_OFF = "-" * 14 + " >8 " + "-" * 14
"""The line printed after each receipt copy, where the paper is torn off."""


class Printer(VerticalScroll):
    """A paper roll: one block per receipt copy, separated by a tear-off line."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.receipts: list[list[str]] = []

    def show(self, receipts: Sequence[Sequence[str]]) -> None:
        """Append the receipts not shown yet and scroll to the top of the first of them."""
        fresh = [list(receipt) for receipt in receipts[len(self.receipts):]]
        if not fresh:
            return
        self.receipts.extend(fresh)
        new = [Static(Text("\n".join([*receipt, "", TEAR_OFF]), no_wrap=True), classes="receipt", markup=False)
               for receipt in fresh]
        self.mount_all(new)
        self.call_after_refresh(self.scroll_to_widget, new[0], animate=False, top=True)

    def turn(self, pages: int) -> None:
        """Scroll the paper by ``pages`` pages: back (negative) or on (positive)."""
        for _ in range(abs(pages)):
            if pages > 0:
                self.scroll_page_down(animate=False)
            else:
                self.scroll_page_up(animate=False)

    @property
    def lines_above(self) -> int:
        """Printed lines scrolled out of view at the top."""
        return max(round(self.scroll_y), 0)

    @property
    def lines_below(self) -> int:
        """Printed lines not in view yet, under the panel's bottom edge."""
        return max(round(self.max_scroll_y - self.scroll_y), 0)

    def note_position(self) -> None:
        """Say on the panel's bottom edge how much paper is out of view, and which key shows it."""
        parts = []
        if self.lines_above:
            parts.append(f"{self.lines_above} lines above: PgUp")
        if self.lines_below:
            parts.append(f"{self.lines_below} more below: PgDn")
        subtitle = "  ".join(parts)
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    @property
    def text(self) -> str:
        """Everything printed so far, as plain text."""
        return "\n".join(line for receipt in self.receipts for line in receipt)
