"""The message log's content: journaled messages with a heading each, and response times.

Pure functions over :class:`pos_terminal.state.records.MessageRecord`; the dumps are the
journal's own (already masked) texts, shown as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pos_terminal.state.records import MessageDirection, MessageRecord

__all__ = ["LogEntry", "fit_dump", "log_entries", "response_mti_of"]

NAME_WIDTH = 24
"""The widest field name column of a dump in the log pane (longer names end in an ellipsis)."""


@dataclass(frozen=True)
class LogEntry:
    """One message for the log pane: its heading line and its dissected (masked) dump."""

    id: int
    heading: str
    dump: str
    response_ms: int | None
    """For a response: milliseconds since its request was sent (from the journal times)."""


def response_mti_of(mti: str) -> str:
    """The MTI answering ``mti`` (0200 -> 0210, 0400 -> 0410, 0401 -> 0410)."""
    if len(mti) != 4 or not mti.isdigit():
        return ""
    return f"{mti[:2]}{int(mti[2]) + 1}0"


def log_entries(records: Iterable[MessageRecord]) -> list[LogEntry]:
    """Each record with a heading; a response's heading carries its response time."""
    entries: list[LogEntry] = []
    awaiting: dict[tuple[str, int | None], MessageRecord] = {}
    for record in records:
        stan = f"STAN {record.stan:06d}" if record.stan is not None else "STAN ------"
        stamp = f"{record.at:%H:%M:%S}.{record.at.microsecond // 1000:03d}"
        if record.direction is MessageDirection.OUT:
            awaiting[(response_mti_of(record.mti), record.stan)] = record
            entries.append(LogEntry(record.id, f">> SENT {record.mti}  {stan}  {stamp}", record.dump, None))
            continue
        request = awaiting.pop((record.mti, record.stan), None)
        elapsed = None
        timing = "no matching request"
        if request is not None:
            elapsed = max(round((record.at - request.at).total_seconds() * 1000), 0)
            timing = f"{elapsed} ms"
        entries.append(LogEntry(record.id, f"<< RECEIVED {record.mti}  {stan}  {stamp}  ({timing})",
                                record.dump, elapsed))
    return entries


def fit_dump(dump: str, name_width: int = NAME_WIDTH) -> str:
    """``dump`` with its field-name column at most ``name_width`` wide, so the values stay in view.

    A journal dump (:func:`iso8583.dump.render_text`) pads every field name to the longest one;
    dialects with long names (cup-pos: "Reserved private: transaction type, batch, ...") push the
    format and value columns past the pane. Field lines read ``"  NNN  name  format  value"`` and
    their raw lines ``"       <blank name>  raw  hex"``; other lines are kept as they are.
    """
    lines = dump.split("\n")
    raw_at = next((line.index("raw") for line in lines if line.strip().startswith("raw ")), None)
    if raw_at is None or raw_at - 9 <= name_width:
        return dump
    width = raw_at - 9  # the name column sits between the 7-character number and "  " before the format
    fitted: list[str] = []
    for line in lines:
        number, name, rest = line[:7], line[7:7 + width], line[7 + width:]
        if len(line) <= 7 + width or not rest.startswith("  ") or not (number.strip().isdigit() or not number.strip()):
            fitted.append(line)
            continue
        name = name.rstrip()
        if len(name) > name_width:
            name = name[:name_width - 1] + "\u2026"
        fitted.append(f"{number}{name:<{name_width}}{rest}")
    return "\n".join(fitted)
