"""The ``cup-pos`` profile over a serial line: host and terminal processes joined by pseudo-terminals.

The same frames as over TCP, in the serial framing (STX, length, data, ETX, LRC with ACK/NAK), as
a real CUP device would be served: ``possim host --dialect cup-pos`` on one pty and
``possim txn ... --dialect cup-pos`` on the other (tests/e2e/test_serial_link.py's virtual
null-modem cable). The host's rules lose the answer to one refund and to one void, and approve one
sale without moving money, which unbalances the settlement and makes the terminal upload its batch.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.host.journal import Direction, HostJournal, Status
from tests.cli_runner import run_possim
from tests.e2e.test_serial_link import POSSIM, PtyRelay, cable  # noqa: F401 - fixture

LOST_ANSWER_TIMEOUT = "0.8"
"""Seconds the terminal waits for the answers the host's rules lose (the real ones take milliseconds)."""

RULES = """
[[rule]]
name = "lose the answer to the 20.00 refund"
mti = "0220"
amount_min = 2000
amount_max = 2000
drop = true
times = 1

[[rule]]
name = "lose the answer to the void of the 41.00 sale"
mti = "0200"
processing_code = "200000"
amount_min = 4100
amount_max = 4100
drop = true
times = 1

[[rule]]
name = "approve the 7.77 sale without moving money"
mti = "0200"
processing_code = "000000"
amount_min = 777
amount_max = 777
respond = "00"
"""


@pytest.fixture
def cup_serial_host(tmp_path: Path, cable: PtyRelay) -> Iterator[str]:  # noqa: F811 - the imported fixture
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    host = subprocess.Popen(
        [*POSSIM, "host", "--listen", f"serial://{cable.host_device}?baud=115200", "--data", str(tmp_path / "host"),
         "--dialect", "cup-pos", "--rules", str(rules)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = host.stdout.readline().strip()
        assert line.startswith("listening on "), line
        yield f"serial://{cable.terminal_device}?baud=115200"
    finally:
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=10)


def txn(capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, *args: str, timeout: str = "10") -> dict:
    """One ``possim txn`` against the serial host, in this process (the host is a real process)."""
    result = run_possim(capsys, "txn", *args, "--host", url, "--data", str(tmp_path / "terminal"),
                        "--dialect", "cup-pos", "--timeout", timeout, "--json")
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_cup_pos_transactions_over_a_serial_line(tmp_path: Path, cup_serial_host: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = cup_serial_host
    assert txn(capsys, tmp_path, url, "signon")["response_code"] == "00"
    sale = txn(capsys, tmp_path, url, "sale", "--card", "unionpay_debit", "--amount", "100.00", "--pin", "111101")
    assert (sale["approved"], sale["currency"]) == (True, "156")
    partial = txn(capsys, tmp_path, url, "refund", "--card", "unionpay_debit", "--entry", "swipe", "--amount", "30.00",
                  "--original-rrn", sale["rrn"], "--supervisor-password", "0000")
    lost = txn(capsys, tmp_path, url, "refund", "--card", "unionpay_debit", "--entry", "swipe", "--amount", "20.00",
               "--original-rrn", sale["rrn"], "--supervisor-password", "0000", timeout=LOST_ANSWER_TIMEOUT)
    assert partial["approved"] and lost["approved"] and lost["reversal"] is None
    to_void = txn(capsys, tmp_path, url, "sale", "--card", "visa_credit", "--amount", "41.00", "--pin", "1234")
    void = txn(capsys, tmp_path, url, "void", "--invoice", str(to_void["invoice"]), "--supervisor-password", "0000",
               timeout=LOST_ANSWER_TIMEOUT)
    assert void["approved"] is False and void["reversal"]["status"] == "acked"
    assert txn(capsys, tmp_path, url, "sale", "--card", "unionpay_debit", "--amount", "7.77", "--pin", "111101")["approved"]
    settle = txn(capsys, tmp_path, url, "settle", "--supervisor-password", "0000")
    assert (settle["response_code"], settle["settlement"]["result"], settle["settlement"]["batch_uploaded"]) == (
        "00", "CLOSED", True)

    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        credits = [e.amount for e in journal.ledger() if e.direction is Direction.CREDIT and e.counter_of is None]
        assert credits == [3000, 2000]  # the refund whose answer was lost is credited once
        assert journal.find_by_rrn("POSSIM01", to_void["rrn"]).status is Status.APPROVED  # the void was reversed
        assert journal.net_debit("POSSIM01") == 10000 - 3000 - 2000 + 4100
        assert [(s.basis.value, s.response_code) for s in journal.settlements("POSSIM01")] == [
            ("journal", "95"), ("upload", "00")]
    finally:
        journal.close()
