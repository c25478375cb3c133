"""Positional digit layouts: the shape of the CUP n fields made of fixed-width sub-fields.

DE 48, 53, 60 and 61 of the CUP POS messages are strings of digits cut into sub-fields of fixed
width, in a fixed order; a message may stop after any sub-field the specification allows to be
the last one (DE 60 of a sale stops after 60.2, of a sign-on after 60.3). A :class:`DigitLayout`
describes one such field once and splits or joins values with errors that name the sub-field and
its offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from protocols.cup.errors import CupFieldError


@dataclass(frozen=True)
class Part:
    """One sub-field: its label (``"60.2"``), what it is, and its width in digits."""

    label: str
    name: str
    width: int


@dataclass(frozen=True)
class DigitLayout:
    """A field of ``parts`` in order; ``required`` of them must always be present.

    A value may end after any part from the ``required``-th on; ``tail`` says whether digits
    after the last part are allowed (kept verbatim, for sub-fields later editions added).
    """

    field: int
    parts: Sequence[Part]
    required: int
    tail: bool = False

    def _fail(self, label: str, offset: int, reason: str) -> CupFieldError:
        return CupFieldError(self.field, label, offset, reason)

    def _check_digits(self, label: str, offset: int, value: str) -> None:
        for index, char in enumerate(value):
            if not ("0" <= char <= "9"):
                raise self._fail(label, offset + index, "not a digit")

    def split(self, value: object) -> tuple[list[str], str]:
        """The present sub-fields of ``value`` (a digit string) and the extra digits after them."""
        label = str(self.field)
        if not isinstance(value, str):
            raise self._fail(label, 0, f"expected a digit string, got {type(value).__name__}")
        self._check_digits(label, 0, value)
        parts: list[str] = []
        offset = 0
        for index, part in enumerate(self.parts):
            if offset == len(value) and index >= self.required:
                return parts, ""
            piece = value[offset:offset + part.width]
            if len(piece) != part.width:
                missing = "missing" if not piece else f"{len(piece)} digits, expected {part.width}"
                raise self._fail(part.label, offset, f"{part.name}: {missing}")
            parts.append(piece)
            offset += part.width
        extra = value[offset:]
        if extra and not self.tail:
            raise self._fail(label, offset, f"{len(extra)} digits after the last sub-field {self.parts[-1].label}")
        return parts, extra

    def join(self, values: Sequence[str | None], extra: str = "") -> str:
        """The field value of sub-field ``values`` (None: absent; only trailing parts may be)."""
        digits: list[str] = []
        offset = 0
        absent_from: str | None = None
        for index, (part, piece) in enumerate(zip(self.parts, values, strict=True)):
            if piece is None:
                if index < self.required:
                    raise self._fail(part.label, offset, f"{part.name}: required")
                absent_from = absent_from or part.label
                continue
            if absent_from is not None:
                raise self._fail(part.label, offset, f"{part.name} present but {absent_from} is absent")
            if not isinstance(piece, str) or len(piece) != part.width:
                raise self._fail(part.label, offset, f"{part.name}: expected {part.width} digits")
            self._check_digits(part.label, offset, piece)
            digits.append(piece)
            offset += part.width
        if extra:
            if not self.tail:
                raise self._fail(str(self.field), offset, "no digits allowed after the last sub-field")
            if absent_from is not None:
                raise self._fail(str(self.field), offset, f"extra digits present but {absent_from} is absent")
            self._check_digits(str(self.field), offset, extra)
            digits.append(extra)
        return "".join(digits)


def number_to_digits(field: int, label: str, offset: int, value: int, width: int) -> str:
    """``value`` as ``width`` digits, left-padded with zeros; an error if negative or too large."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CupFieldError(field, label, offset, f"expected an integer, got {type(value).__name__}")
    if value < 0 or value >= 10 ** width:
        raise CupFieldError(field, label, offset, f"must be 0 to {10 ** width - 1}")
    return f"{value:0{width}d}"
