"""ServerLimits: documented defaults, validation naming the limit, the largest frame accepted."""

from __future__ import annotations

import pytest

from iso8583.channels import LimitsError, ServerLimits
from iso8583.channels.limits import UNLIMITED


def test_the_defaults_are_the_documented_ones() -> None:
    limits = ServerLimits()
    assert (limits.max_connections, limits.idle_timeout, limits.partial_frame_timeout,
            limits.max_frames_per_second, limits.max_bytes_in_flight, limits.max_frame_size) == (
        256, 120.0, 15.0, 50.0, 65536, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_connections": -1}, "max_connections: expected a whole number >= 0"),
        ({"max_connections": True}, "max_connections: expected a whole number >= 0"),
        ({"idle_timeout": float("inf")}, "idle_timeout: expected a number of seconds >= 0"),
        ({"partial_frame_timeout": "5"}, "partial_frame_timeout: expected a number of seconds >= 0"),
        ({"max_bytes_in_flight": 512}, "max_bytes_in_flight: expected 0 or at least 1024, got 512"),
    ],
)
def test_an_impossible_value_is_refused_naming_the_limit(changes: dict[str, object], message: str) -> None:
    with pytest.raises(LimitsError, match=message):
        ServerLimits(**changes)  # type: ignore[arg-type]


def test_the_largest_frame_is_the_smallest_of_the_framing_the_frame_size_and_the_bytes_in_flight() -> None:
    assert ServerLimits(max_frame_size=0, max_bytes_in_flight=0).frame_limit(65535) == 65535
    assert ServerLimits(max_frame_size=35449).frame_limit(65535) == 35449
    assert ServerLimits(max_frame_size=0, max_bytes_in_flight=4096).frame_limit(65535) == 4088
    assert ServerLimits(max_frame_size=35449).frame_limit(9999) == 9999


def test_unlimited_turns_every_limit_off() -> None:
    assert (UNLIMITED.max_connections, UNLIMITED.idle_timeout, UNLIMITED.partial_frame_timeout,
            UNLIMITED.max_frames_per_second, UNLIMITED.max_bytes_in_flight) == (0, 0, 0, 0, 0)
    assert UNLIMITED.frame_limit(65535) == 65535
