"""The iso93 network over a serial line: ``possim host`` and ``possim txn`` joined by pseudo-terminals.

Both 1993 dialects, as a device on a serial port would be served (STX, length, data, ETX, LRC with
ACK/NAK; tests/e2e/test_serial_link.py's virtual null-modem cable): sign-on, a sale, two partial
refunds, the void of a refund, a sale whose answer and first reversal answer are lost (reversed with
1420, repeated with 1421), a refund approved offline while the host is unreachable and advised (1220)
once it answers, settlement out of balance with its batch upload, and the status of a
batch-channel refund after the host's business date moved on. Every frame the host journaled (sealed,
opened with its key ring) is then read by pyiso8583 with a 1993 spec as possim reads it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.host import HostConfig, HostLogic
from simulator.host.journal import Cause, HostJournal
from tests.e2e.test_iso93 import assert_pyiso8583_reads_every_frame
from tests.cli_runner import run_possim
from tests.e2e.test_serial_link import POSSIM, PtyRelay, cable  # noqa: F401 - fixture

LOST_ANSWER_TIMEOUT = "0.8"

RULES = """
[[rule]]
name = "lose the answer to the 7.77 sale"
mti = "1200"
amount_min = 777
amount_max = 777
drop = true

[[rule]]
name = "lose the answer to its first reversal"
mti = "1420"
amount_min = 777
amount_max = 777
drop = true
times = 1

[[rule]]
name = "out of balance once"
mti = "1520"
respond = "95"
times = 1
"""


@pytest.fixture(params=["iso93binary", "iso93ebcdic"])
def serial_host(request: pytest.FixtureRequest, tmp_path: Path, cable: PtyRelay) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:  # noqa: F811
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    host = subprocess.Popen(
        [*POSSIM, "host", "--listen", f"serial://{cable.host_device}?baud=115200", "--data", str(tmp_path / "host"),
         "--dialect", request.param, "--rules", str(rules)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = host.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield f"serial://{cable.terminal_device}?baud=115200", request.param, host
    finally:
        if host.poll() is None:
            host.send_signal(signal.SIGTERM)
            host.wait(timeout=10)


def closed_port() -> int:
    """A loopback port nothing listens on: the host is unreachable there (an offline refund)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_iso93_transactions_over_a_serial_line(tmp_path: Path, serial_host: tuple[str, str, subprocess.Popen[str]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url, dialect, host_process = serial_host

    (tmp_path / "terminal").mkdir()
    (tmp_path / "terminal" / "terminal.toml").write_text("offline_refunds = true\n", encoding="utf-8")

    def txn(*args: str, timeout: str = "10", host: str = url) -> dict:
        result = run_possim(capsys, "txn", *args, "--host", host, "--data", str(tmp_path / "terminal"),
                            "--dialect", dialect, "--timeout", timeout, "--json")
        assert result.stdout, result.stderr
        return json.loads(result.stdout)

    assert txn("signon")["response_code"] == "00"
    sale = txn("sale", "--card", "visa_credit", "--amount", "100.00", "--pin", "1234")
    first = txn("refund", "--card", "visa_credit", "--amount", "30.00", "--invoice", str(sale["invoice"]),
                "--supervisor-password", "0000")
    second = txn("refund", "--card", "visa_credit", "--amount", "20.00", "--invoice", str(sale["invoice"]),
                 "--supervisor-password", "0000")
    void = txn("void", "--invoice", str(second["invoice"]), "--supervisor-password", "0000")
    assert (sale["approved"], first["approved"], second["approved"], void["approved"]) == (True, True, True, True)
    lost = txn("sale", "--card", "visa_credit", "--amount", "7.77", "--pin", "1234", timeout=LOST_ANSWER_TIMEOUT)
    assert lost["approved"] is False and lost["reversal"]["status"] in ("acked", "pending")
    assert txn("echo")["response_code"] == "00"  # sends the reversal if it is still owed
    offline = txn("refund", "--card", "visa_credit", "--amount", "5.00", "--invoice", str(sale["invoice"]),
                  "--supervisor-password", "0000", host=f"tcp://127.0.0.1:{closed_port()}")
    assert (offline["approved"], offline["offline"]) == (True, True)
    assert txn("echo")["response_code"] == "00"  # the advice goes first
    amex = txn("sale", "--card", "amex", "--entry", "swipe", "--amount", "30.00")
    amex_refund = txn("refund", "--card", "amex", "--entry", "swipe", "--amount", "10.00", "--invoice",
                      str(amex["invoice"]), "--supervisor-password", "0000")
    settle = txn("settle", "--supervisor-password", "0000")
    assert (settle["response_code"], settle["settlement"]["batch_uploaded"]) == ("00", True)
    assert main(["host", "advance-date", "--data", str(tmp_path / "host"), "--days", "7"]) == 0
    status = txn("status", "--rrn", amex_refund["rrn"])
    assert status["credit"]["status"] == "posted" and status["host"]["response_code"] == "00"

    host_process.send_signal(signal.SIGTERM)
    host_process.wait(timeout=10)
    logic = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect=dialect))  # its key ring opens the frames
    try:
        frames = [logic.journal.sealer.open(row["frame"]) for row in logic.journal.messages() if row["frame"]]
    finally:
        logic.close()
    assert len(frames) > 30
    assert_pyiso8583_reads_every_frame(dialect, frames)

    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        in_mtis = [row["mti"] for row in journal.messages() if row["direction"] == "in"]
        assert in_mtis[:5] == ["1804", "1200", "1200", "1200", "1420"]
        assert "1421" in in_mtis and in_mtis[-1] == "1600"
        assert in_mtis.count("1520") == 2 and "1320" in in_mtis
        assert "1220" in in_mtis and in_mtis.index("1220") < in_mtis.index("1520")
        assert sorted(e.amount for e in journal.ledger() if e.cause is Cause.REFUND) == [500, 1000, 2000, 3000]
        assert journal.net_debit("POSSIM01") == 10000 - 3000 - 500 + 3000 - 1000
    finally:
        journal.close()
