"""Hypothesis strategies: valid messages for any dialect, and mutations of their encodings."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from iso8583.dialect import ContentClass, Dialect, FieldSpec
from iso8583.message import FieldValue, Message

_ALPHABETS = {
    ContentClass.N: string.digits,
    ContentClass.AN: string.ascii_letters + string.digits,
    ContentClass.ANS: "".join(chr(c) for c in range(0x20, 0x7F)),
    ContentClass.Z: string.digits + "=",
}
MAX_VARIABLE = 120
"""Variable fields up to this many units keep examples fast; the codec's limits have their own tests."""


def field_values(spec: FieldSpec) -> st.SearchStrategy[FieldValue]:
    """Valid values of ``spec``: the right class, a length the spec allows."""
    if spec.is_fixed:
        lengths = st.just(spec.max_length)
    else:
        lengths = st.one_of(st.integers(0, min(spec.max_length, MAX_VARIABLE)), st.just(spec.max_length))
    if spec.content is ContentClass.B:
        return lengths.flatmap(lambda n: _sized(st.binary, n, b"\x00"))
    if spec.content is ContentClass.XN:
        return st.tuples(st.sampled_from("CD"), st.text(string.digits, min_size=spec.max_length,
                                                         max_size=spec.max_length)).map("".join)
    alphabet = _ALPHABETS[spec.content]
    return lengths.flatmap(lambda n: _sized(lambda **k: st.text(alphabet, **k), n, alphabet[0]))


def _sized(make: Any, n: int, filler: Any) -> st.SearchStrategy[Any]:
    """Exactly ``n`` random items; a long value repeats a short random pattern (keeps examples small)."""
    if n <= MAX_VARIABLE:
        return make(min_size=n, max_size=n)
    return make(min_size=1, max_size=8).map(lambda head: (head * n)[:n])


@st.composite
def messages(draw: st.DrawFn, dialect: Dialect, max_fields: int = 24) -> Message:
    """A valid message of ``dialect``: random MTI, a random set of its fields, header if it has one."""
    numbers = draw(st.sets(st.sampled_from(sorted(dialect.fields)), max_size=max_fields))
    fields = {number: draw(field_values(dialect.fields[number])) for number in sorted(numbers)}
    mti = draw(st.text(string.digits, min_size=4, max_size=4))
    header = draw(st.binary(min_size=dialect.header_length, max_size=dialect.header_length))
    return Message(mti, fields, header)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few random edits: byte changes, insertions, deletions, truncation."""
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(("set", "insert", "delete", "truncate", "flip")))
        position = draw(st.integers(0, max(len(buffer) - 1, 0)))
        if action == "set" and buffer:
            buffer[position] = draw(st.integers(0, 255))
        elif action == "flip" and buffer:
            buffer[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            buffer[position:position] = draw(st.binary(min_size=1, max_size=3))
        elif action == "delete" and buffer:
            del buffer[position]
        elif action == "truncate":
            del buffer[position:]
    return bytes(buffer)
