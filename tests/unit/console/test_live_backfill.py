"""The live traffic's memory: a page opened late sees the latest exchanges, a client that reconnects gets
exactly what it missed, and neither sees an exchange twice (simulator/host/console/live.py)."""

from __future__ import annotations

from typing import Any

from iso8583 import Message, encode, resolve_dialect
from simulator.host.console.live import RECENT, Subscription, Traffic
from simulator.host.decision import Delivery, HostDecision

DIALECT = resolve_dialect("terminal87")


def _exchange(traffic: Traffic, stan: int) -> None:
    request = Message("0200", {3: "000000", 4: f"{stan:012d}", 11: f"{stan:06d}", 41: "POSSIM01"})
    answer = Message("0210", {3: "000000", 11: f"{stan:06d}", 39: "00", 41: "POSSIM01"})
    traffic.exchange(encode(request, DIALECT), HostDecision(Delivery.RESPOND, answer), peer="tcp://127.0.0.1:1",
                     latency=0.002)


def _stans(subscription: Subscription) -> list[int]:
    events: list[dict[str, Any]] = []
    while not subscription.queue.empty():
        events.append(subscription.queue.get_nowait())
    return [int(event["stan"]) for event in events]


def _last_id(traffic: Traffic) -> str:
    watcher = traffic.subscribe(recent=1)
    assert watcher is not None
    event = watcher.queue.get_nowait()
    traffic.unsubscribe(watcher)
    return str(event["id"])


def test_a_client_asking_for_recent_exchanges_gets_them_then_the_live_ones_without_a_repeat() -> None:
    traffic = Traffic(DIALECT)
    for stan in range(1, 8):
        _exchange(traffic, stan)
    late = traffic.subscribe(recent=5)
    assert late is not None
    _exchange(traffic, 8)
    assert _stans(late) == [3, 4, 5, 6, 7, 8]


def test_by_default_a_client_sees_only_what_happens_after_it_connects() -> None:
    traffic = Traffic(DIALECT)
    _exchange(traffic, 1)
    harness = traffic.subscribe()
    assert harness is not None
    _exchange(traffic, 2)
    assert _stans(harness) == [2]


def test_events_are_numbered_within_the_host_run() -> None:
    traffic = Traffic(DIALECT)
    _exchange(traffic, 1)
    _exchange(traffic, 2)
    client = traffic.subscribe(recent=2)
    assert client is not None
    ids = [client.queue.get_nowait()["id"] for _ in range(2)]
    assert ids == [f"{traffic.run}-1", f"{traffic.run}-2"]


def test_a_reconnecting_client_gets_exactly_the_exchanges_after_its_last_event() -> None:
    traffic = Traffic(DIALECT)
    for stan in range(1, 4):
        _exchange(traffic, stan)
    last_seen = _last_id(traffic)  # the client saw up to stan 3, then lost its connection
    _exchange(traffic, 4)
    _exchange(traffic, 5)
    back = traffic.subscribe(recent=50, after=last_seen)
    assert back is not None
    assert _stans(back) == [4, 5] and back.dropped == 0


def test_a_client_of_an_earlier_host_run_gets_everything_this_run_kept() -> None:
    traffic = Traffic(DIALECT)
    _exchange(traffic, 1)
    back = traffic.subscribe(after="0badc0de-41")
    assert back is not None
    assert _stans(back) == [1] and back.dropped == 0


def test_a_client_away_longer_than_the_memory_is_told_how_many_it_lost() -> None:
    traffic = Traffic(DIALECT)
    _exchange(traffic, 1)
    last_seen = _last_id(traffic)
    for stan in range(2, RECENT + 12):
        _exchange(traffic, stan)
    back = traffic.subscribe(after=last_seen)
    assert back is not None
    stans = _stans(back)
    assert len(stans) == RECENT and stans[-1] == RECENT + 11
    assert back.dropped == 10  # stans 2..11 are gone for good


def test_the_memory_keeps_no_clear_pan_in_what_it_hands_out() -> None:
    traffic = Traffic(DIALECT)
    request = Message("0200", {2: "4761739001010010", 3: "000000", 4: "000000000100", 11: "000001", 41: "POSSIM01"})
    traffic.exchange(encode(request, DIALECT), HostDecision(Delivery.RESPOND, None), peer="p", latency=0.0)
    client = traffic.subscribe(recent=1)
    assert client is not None
    event = client.queue.get_nowait()
    assert event["masked_pan"] == "476173******0010" and "4761739001010010" not in repr(event)
