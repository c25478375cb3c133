"""A DEBUG trace of real exchanges shows every message, and never a full PAN or track 2 data."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emv.cards import EntryMode
from pos_terminal.engine.terminal import TerminalEngine
from simulator.logs import MaskingFormatter

from tests.e2e.test_refund_flows import card


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(name)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.mark.matrix("dialect")
async def test_a_debug_trace_of_sales_shows_the_messages_but_no_pan(
    start_host: Callable[..., Any], open_terminal: Callable[..., TerminalEngine], debug_log: io.StringIO
) -> None:
    host = await start_host()
    terminal = open_terminal(host)
    for entry in (EntryMode.MANUAL, EntryMode.SWIPE, EntryMode.CHIP):
        assert (await terminal.sale(card("visa_credit", entry), 500, pin="1234")).approved
    trace = debug_log.getvalue()
    assert ">> 0200" in trace and "<< 0210" in trace
    assert "4761739001010010" not in trace
    assert "3112201" not in trace  # expiry and service code of track 2


@pytest.mark.matrix("dialect")
async def test_the_debug_trace_has_a_masked_hex_of_each_frame_that_possim_decode_reads(
    start_host: Callable[..., Any], open_terminal: Callable[..., TerminalEngine], debug_log: io.StringIO,
    dialect: str, capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.cli_runner import run_possim

    host = await start_host()
    terminal = open_terminal(host)
    assert (await terminal.sale(card("visa_credit", EntryMode.SWIPE), 500, pin="1234")).approved
    marker = "hex (masked, decodes with possim decode): "
    frames = [line.split(marker, 1)[1].strip() for line in debug_log.getvalue().splitlines() if marker in line]
    assert frames and "4761739001010010" not in debug_log.getvalue()
    for frame in frames:
        assert run_possim(capsys, "decode", "--dialect", dialect, frame).returncode == 0
