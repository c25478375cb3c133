"""The refund flow over a serial line: a host process and a terminal process joined by pseudo-terminals.

Like `socat pty pty`: two pty pairs whose master sides this test relays byte for byte, the host
process on one slave device and the terminal process on the other, both speaking the serial
framing (STX, length, data, ETX, LRC with ACK/NAK) through pyserial.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

POSSIM = [sys.executable, "-m", "simulator.cli"]


class PtyRelay:
    """Two pseudo-terminal pairs with their masters joined: a virtual null-modem cable."""

    def __init__(self) -> None:
        self._a_master, a_slave = os.openpty()
        self._b_master, b_slave = os.openpty()
        self.host_device, self.terminal_device = os.ttyname(a_slave), os.ttyname(b_slave)
        self._slaves = (a_slave, b_slave)  # kept open so the devices stay usable between connections
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        route = {self._a_master: self._b_master, self._b_master: self._a_master}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(route), [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                os.write(route[fd], data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self._a_master, self._b_master, *self._slaves):
            os.close(fd)


@pytest.fixture
def cable() -> Iterator[PtyRelay]:
    relay = PtyRelay()
    yield relay
    relay.close()


@pytest.fixture
def serial_host(tmp_path: Path, cable: PtyRelay) -> Iterator[str]:
    host = subprocess.Popen(
        [*POSSIM, "host", "--listen", f"serial://{cable.host_device}?baud=115200", "--data", str(tmp_path / "host")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = host.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield f"serial://{cable.terminal_device}?baud=115200"
    finally:
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=10)


def txn(tmp_path: Path, url: str, *args: str) -> dict:
    result = subprocess.run(
        [*POSSIM, "txn", *args, "--host", url, "--data", str(tmp_path / "terminal"), "--timeout", "10", "--json"],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_sale_partial_refunds_and_void_over_a_serial_line(tmp_path: Path, serial_host: str) -> None:
    sale = txn(tmp_path, serial_host, "sale", "--card", "visa_credit", "--amount", "30.00", "--pin", "1234")
    assert sale["approved"], sale
    first = txn(tmp_path, serial_host, "refund", "--card", "visa_credit", "--amount", "10.00",
                "--original-rrn", sale["rrn"], "--supervisor-password", "0000")
    second = txn(tmp_path, serial_host, "refund", "--card", "visa_credit", "--amount", "20.00",
                 "--original-rrn", sale["rrn"], "--supervisor-password", "0000")
    third = txn(tmp_path, serial_host, "refund", "--card", "visa_credit", "--amount", "0.01",
                "--original-rrn", sale["rrn"], "--supervisor-password", "0000")
    void = txn(tmp_path, serial_host, "void", "--invoice", str(second["invoice"]), "--supervisor-password", "0000")
    assert first["approved"] and second["approved"] and void["approved"]
    assert third["approved"] is False and "remainder" in third["error"]
