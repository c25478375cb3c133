"""The key hint under the display: which keys do what on the current screen (the model's ``hint``)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

__all__ = ["KeyHint"]


class KeyHint(Static):
    """Up to three short lines, centred under the LCD, e.g. ``ENTER OK: REFUND THIS SALE``."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's parameter name
        super().__init__("", id=id, markup=False)
        self.hint = ""

    def show(self, hint: str) -> None:
        """Render ``hint`` (lines separated by newlines); no-op when unchanged."""
        if hint != self.hint:
            self.hint = hint
            self.update(Text(hint))

    @property
    def lines(self) -> list[str]:
        """The hint's lines, as the model gave them."""
        return self.hint.splitlines()
