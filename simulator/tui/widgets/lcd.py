"""The LCD: exactly the model's display lines, fixed width, no markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

__all__ = ["Lcd"]


class Lcd(Static):
    """A 4 x 21 character LCD showing the device model's ``display`` verbatim."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's parameter name
        super().__init__("", id=id, markup=False)
        self.lines: tuple[str, ...] = ()

    def show(self, lines: Sequence[str]) -> None:
        """Render ``lines`` as they are (no-op when unchanged)."""
        lines = tuple(lines)
        if lines != self.lines:
            self.lines = lines
            self.update(Text("\n".join(lines), no_wrap=True, overflow="crop"))

    @property
    def text(self) -> list[str]:
        """The lines shown, as the model gave them (padding included)."""
        return list(self.lines)
