"""EventLog: one log line per class of event per interval, with the count of the others."""

from __future__ import annotations

import logging

import pytest

from iso8583.channels import EventLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def events(clock: Clock) -> EventLog:
    return EventLog(logging.getLogger("test.events"), interval=10.0, clock=clock)


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "test.events"]


def test_the_first_event_of_a_class_is_logged(events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    assert events.report("idle timeout", "closed %s", "peer1") is True
    assert lines(caplog) == ["closed peer1"]


def test_events_within_the_interval_are_counted_not_logged(events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    for peer in range(1000):
        events.report("idle timeout", "closed %s", peer)
    assert lines(caplog) == ["closed 0"]
    assert events.counts["idle timeout"] == 1000


def test_the_next_line_after_the_interval_says_how_many_were_not_logged(
    events: EventLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    for peer in range(5):
        events.report("idle timeout", "closed %s", peer)
    clock.now += 10
    events.report("idle timeout", "closed %s", "late")
    assert lines(caplog)[-1] == "closed late (and 4 more idle timeout event(s) not logged in between)"


def test_each_class_has_its_own_interval(events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    events.report("idle timeout", "idle")
    events.report("frame size", "too big")
    events.report("idle timeout", "idle again")
    assert lines(caplog) == ["idle", "too big"]


def test_flush_logs_the_counts_still_unreported(events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(3):
        events.report("empty frame", "dropped")
    events.flush()
    events.flush()
    assert lines(caplog) == ["dropped", "2 more empty frame event(s) not logged"]


def test_admit_lets_one_event_per_interval_through_with_the_count_skipped(events: EventLog, clock: Clock) -> None:
    assert events.admit("link error") == 0
    assert events.admit("link error") is None
    assert events.admit("link error") is None
    clock.now += 10
    assert events.admit("link error") == 2


def test_the_level_can_be_chosen(events: EventLog, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    events.report("idle timeout", "closed", level=logging.INFO)
    assert [record.levelno for record in caplog.records] == [logging.INFO]
