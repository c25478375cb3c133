"""The message log's headings: direction, MTI, STAN, time, and a response's time since its request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pos_terminal.state.records import MessageDirection, MessageRecord
from simulator.tui.exchanges import log_entries, response_mti_of

T0 = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def record(id_: int, direction: MessageDirection, mti: str, stan: int | None, ms: int) -> MessageRecord:
    return MessageRecord(id_, None, direction, mti, stan, T0 + timedelta(milliseconds=ms), f"dump {id_}")


def test_a_response_mti_is_its_requests_plus_ten() -> None:
    assert [response_mti_of(mti) for mti in ("0200", "0400", "0401", "0800", "0220")] == [
        "0210", "0410", "0410", "0810", "0230"]


def test_a_response_shows_the_milliseconds_since_its_request() -> None:
    out, back = log_entries([record(1, MessageDirection.OUT, "0200", 7, 0),
                             record(2, MessageDirection.IN, "0210", 7, 42)])
    assert out.heading == ">> SENT 0200  STAN 000007  09:30:00.000"
    assert back.heading == "<< RECEIVED 0210  STAN 000007  09:30:00.042  (42 ms)"
    assert (back.response_ms, back.dump) == (42, "dump 2")


def test_a_repeat_reversal_is_timed_from_the_latest_attempt() -> None:
    entries = log_entries([record(1, MessageDirection.OUT, "0400", 3, 0),
                           record(2, MessageDirection.OUT, "0401", 3, 1000),
                           record(3, MessageDirection.IN, "0410", 3, 1015)])
    assert entries[-1].response_ms == 15


def test_a_response_without_its_request_says_so() -> None:
    (entry,) = log_entries([record(5, MessageDirection.IN, "0810", 1, 0)])
    assert entry.heading.endswith("(no matching request)") and entry.response_ms is None
