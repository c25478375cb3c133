"""InboundGuard: the per-connection clocks and token bucket behind a server's limits (fake clock)."""

from __future__ import annotations

import logging

import pytest

from iso8583.channels import EventLog, LimitEvent, ServerLimits
from iso8583.channels.guard import InboundGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def guard(clock: Clock, closes: bool = True, **limits: float) -> InboundGuard:
    return InboundGuard(ServerLimits(**limits), EventLog(logging.getLogger("test.guard")), closes=closes, clock=clock)


def test_a_burst_of_one_seconds_worth_of_frames_passes_then_one_per_interval(clock: Clock) -> None:
    frames = guard(clock, max_frames_per_second=10)
    assert [frames.take_token() for _ in range(11)] == [True] * 10 + [False]
    assert frames.rate_delay() == pytest.approx(0.1)
    clock.now += 0.1
    assert frames.take_token() and not frames.take_token()


def test_a_rate_below_one_frame_a_second_still_lets_a_frame_through(clock: Clock) -> None:
    slow = guard(clock, max_frames_per_second=0.5)
    assert slow.take_token() and not slow.take_token()
    clock.now += 2
    assert slow.take_token()


def test_without_a_rate_every_frame_passes(clock: Clock) -> None:
    free = guard(clock, max_frames_per_second=0)
    assert all(free.take_token() for _ in range(10_000))
    assert free.rate_delay() == 0


def test_more_than_ten_seconds_worth_of_held_frames_is_a_flood_on_tcp_only(clock: Clock) -> None:
    assert guard(clock, max_frames_per_second=50).flood(500, "p") is None
    flood = guard(clock, max_frames_per_second=50).flood(501, "p")
    assert flood is not None and flood.kind == LimitEvent.FRAME_RATE
    assert guard(clock, closes=False, max_frames_per_second=50).flood(10_000, "p") is None


def test_a_partial_frame_expires_from_its_first_byte_even_if_bytes_keep_coming(clock: Clock) -> None:
    watch = guard(clock, partial_frame_timeout=2)
    watch.after_chunk(pending_before=0, frames_before=0, pending_after=1)
    for _ in range(3):
        clock.now += 0.9
        watch.after_chunk(pending_before=1, frames_before=0, pending_after=2)
    expired = watch.expired(pending=2, inbox_empty=True, peer="p")
    assert expired is not None and expired.kind == LimitEvent.PARTIAL_FRAME
    assert "still incomplete (2 bytes; partial_frame_timeout = 2 s): closed" in str(expired)


def test_a_new_frame_after_a_complete_one_restarts_the_partial_frame_clock(clock: Clock) -> None:
    watch = guard(clock, partial_frame_timeout=2)
    watch.after_chunk(pending_before=0, frames_before=0, pending_after=5)
    clock.now += 1.5
    watch.frames_decoded(1)
    watch.after_chunk(pending_before=5, frames_before=0, pending_after=3)  # one frame done, the next begun
    clock.now += 1.0
    assert watch.expired(pending=3, inbox_empty=True, peer="p") is None


def test_idle_counts_only_while_a_handler_waits_with_nothing_to_answer(clock: Clock) -> None:
    idle = guard(clock, idle_timeout=5)
    clock.now += 10
    assert idle.idle_for(inbox_empty=True) is None  # busy answering: no receiver waiting
    idle.receivers = 1
    assert idle.idle_for(inbox_empty=False) is None
    assert idle.idle_for(inbox_empty=True) == 10
    expired = idle.expired(pending=0, inbox_empty=True, peer="p")
    assert expired is not None and expired.kind == LimitEvent.IDLE


def test_activity_restarts_the_idle_clock(clock: Clock) -> None:
    idle = guard(clock, idle_timeout=5)
    idle.receivers = 1
    clock.now += 4
    idle.note_activity()
    clock.now += 4
    assert idle.expired(pending=0, inbox_empty=True, peer="p") is None


def test_a_serial_line_is_never_idle_closed(clock: Clock) -> None:
    line = guard(clock, closes=False, idle_timeout=5)
    line.receivers = 1
    clock.now += 3600
    assert line.expired(pending=0, inbox_empty=True, peer="p") is None
    assert line.next_deadline(pending=0) is None


def test_the_next_deadline_is_the_nearest_one(clock: Clock) -> None:
    watch = guard(clock, idle_timeout=30, partial_frame_timeout=2)
    watch.after_chunk(pending_before=0, frames_before=0, pending_after=1)
    assert watch.next_deadline(pending=1) == pytest.approx(2)
    assert watch.next_deadline(pending=0) == pytest.approx(30)


def test_the_read_budget_is_what_is_left_of_the_bytes_in_flight(clock: Clock) -> None:
    assert guard(clock, max_bytes_in_flight=4096).read_budget(1000) == 3096
    assert guard(clock, max_bytes_in_flight=4096).read_budget(5000) == 0
    assert guard(clock, max_bytes_in_flight=0).read_budget(10**9) is None


def test_time_the_server_itself_stopped_reading_does_not_count_against_a_partial_frame(clock: Clock) -> None:
    watch = guard(clock, partial_frame_timeout=2, idle_timeout=0)
    watch.after_chunk(pending_before=0, frames_before=0, pending_after=1)
    clock.now += 5
    watch.reading_paused(4.5)  # held back by the frame rate or the bytes in flight
    assert watch.expired(pending=1, inbox_empty=True, peer="p") is None
    assert watch.next_deadline(pending=1, reading=False) is None  # not watched while paused
