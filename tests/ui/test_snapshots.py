"""Screenshots of the device UI, compared with the accepted SVGs in __snapshots__/.

Deterministic by construction: a fixed clock for the device and the terminal engine, a
fresh data folder (so STAN, invoice and RRN are the same each run), the host's two
sources of variation pinned for the test (its clock, and the random authorisation code),
a fixed terminal size, and no blinking cursor on screen. Update with
``pytest tests/ui --snapshot-update`` after a deliberate change to the look.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from pos_terminal.device import DeviceModel
from simulator.host.protocols.possim87 import financial as host_financial
from simulator.host import server as host_server_module
from simulator.tui import PossimApp

from tests.ui.conftest import FIXED_NOW, PIN, SIZE, SUPERVISOR, free_port, host_server, open_engine, type_keys

SnapCompare = Callable[..., bool]


class _FixedDatetime(datetime):
    """``datetime`` whose ``now()`` is always FIXED_NOW (the host's clock, for this test)."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return FIXED_NOW if tz is None else FIXED_NOW.astimezone(tz)


@pytest.fixture
def snapshot_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PossimApp]:
    """The app with its own embedded host (started by the app, in its loop), everything pinned."""
    monkeypatch.setattr(host_financial, "auth_code", lambda: "123456")
    monkeypatch.setattr(host_server_module, "datetime", _FixedDatetime)
    server = host_server(tmp_path, listen=f"tcp://127.0.0.1:{free_port()}")
    engine = open_engine(tmp_path, server.listen, clock=lambda: FIXED_NOW)
    app = PossimApp(DeviceModel(engine, clock=lambda: FIXED_NOW), host_server=server, poll_interval=0.05)
    yield app
    engine.close()


def flow(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before step: a sale of 25.00, then ``keys``."""
    async def run(pilot: Pilot[None]) -> None:
        await type_keys(pilot, "f1", "2500", "enter", "i", PIN, "enter", "enter", *keys)
        await settled(pilot)
    return run


async def settled(pilot: Pilot[None]) -> None:
    """Let the printer's scroll (scheduled after the next refresh) happen before the screen is taken."""
    for _ in range(3):
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


REFUND_TO_AMOUNT = ("f2", SUPERVISOR, "enter", "f2", "1", "enter", "enter", "1000")
REFUND_DONE = (*REFUND_TO_AMOUNT, "enter", "01", "enter", "i")


def test_idle_screen(snap_compare: SnapCompare, snapshot_app: PossimApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE)


def test_refund_amount_entry(snap_compare: SnapCompare, snapshot_app: PossimApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=flow(*REFUND_TO_AMOUNT))


def test_refund_reason_codes_under_the_display(snap_compare: SnapCompare, snapshot_app: PossimApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=flow(*REFUND_TO_AMOUNT, "enter"))


def test_printed_refund_receipt(snap_compare: SnapCompare, snapshot_app: PossimApp) -> None:
    """Scrolled on by a page (PgDn): the refund's original, reason, what is left to refund, the funds."""
    async def refund_then_page_down(pilot: Pilot[None]) -> None:
        await flow(*REFUND_DONE)(pilot)
        await type_keys(pilot, "pagedown")  # once the receipt is out: the printer scrolls at once, not in turn
        await settled(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=refund_then_page_down)


def test_message_log_of_an_echo_test(snap_compare: SnapCompare, snapshot_app: PossimApp) -> None:
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=flow(*REFUND_DONE, "enter", "f4", "f3"))


@pytest.fixture
def dcc_snapshot_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PossimApp]:
    """As :func:`snapshot_app`, with ``dcc = true`` in the terminal's configuration."""
    monkeypatch.setattr(host_financial, "auth_code", lambda: "123456")
    monkeypatch.setattr(host_server_module, "datetime", _FixedDatetime)
    server = host_server(tmp_path, listen=f"tcp://127.0.0.1:{free_port()}")
    engine = open_engine(tmp_path, server.listen, clock=lambda: FIXED_NOW, dcc=True)
    app = PossimApp(DeviceModel(engine, clock=lambda: FIXED_NOW), host_server=server, poll_interval=0.05)
    yield app
    engine.close()


def test_dcc_offer_screen(snap_compare: SnapCompare, dcc_snapshot_app: PossimApp) -> None:
    """A UK card at a USD terminal: the cardholder's choice of currency, the rate under it, the markup and
    the provider in the hint."""
    async def offer(pilot: Pilot[None]) -> None:
        pilot.app.query_one("#card-select", Select).value = "visa_gbp"
        await pilot.pause()
        await type_keys(pilot, "f1", "2000", "enter", "i")
        await settled(pilot)

    assert snap_compare(dcc_snapshot_app, terminal_size=SIZE, run_before=offer)
