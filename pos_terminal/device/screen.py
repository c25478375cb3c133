"""The LCD: a fixed grid of lines, and helpers to lay text out on it."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["HINT_WIDTH", "LINES", "WIDTH", "Lines", "center", "layout", "pages", "pair", "right", "wrap"]

LINES = 4
WIDTH = 21
HINT_WIDTH = 37
"""The widest line of a key hint (:attr:`DeviceModel.hint`), shown under the display."""

Lines = tuple[str, ...]
"""Exactly :data:`LINES` strings of exactly :data:`WIDTH` characters."""


def layout(rows: Iterable[str]) -> Lines:
    """``rows`` padded or cut to the LCD: :data:`LINES` lines of :data:`WIDTH` characters."""
    fitted = [row[:WIDTH].ljust(WIDTH) for row in list(rows)[:LINES]]
    fitted += [" " * WIDTH] * (LINES - len(fitted))
    return tuple(fitted)


def right(text: str) -> str:
    """``text`` right-aligned on a line."""
    return text[-WIDTH:].rjust(WIDTH)


def center(text: str) -> str:
    """``text`` centred on a line."""
    return text[:WIDTH].center(WIDTH)


def pair(label: str, value: str) -> str:
    """``label`` on the left and ``value`` on the right of one line."""
    gap = max(WIDTH - len(label) - len(value), 1)
    return (label + " " * gap + value)[:WIDTH]


def wrap(text: str, limit: int | None = LINES) -> list[str]:
    """``text`` broken into at most ``limit`` lines (None: as many as it takes) at spaces (long words are cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > WIDTH:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:WIDTH])
            word = word[WIDTH:]
        if current and len(current) + 1 + len(word) > WIDTH:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines[:limit]


def pages(rows: Iterable[str]) -> list[list[str]]:
    """``rows`` on as many screens as they need, nothing cut: a row wider than the display is wrapped,
    and past :data:`LINES` rows the first row (the title) heads each further screen."""
    fitted = [line for row in rows for line in (wrap(row, None) or [""] if len(row) > WIDTH else [row])]
    while len(fitted) > LINES and not fitted[-1].strip():  # blank rows at the end need no screen of their own
        fitted.pop()
    if len(fitted) <= LINES:
        return [fitted]
    title, body = fitted[0], fitted[1:]
    size = LINES - 1
    return [[title, *body[start:start + size]] for start in range(0, len(body), size)]
