"""``possim load``: simulated terminals against the embedded host over 127.0.0.1, and the report they give.

No timing is asserted here (speed belongs in benchmarks/); only counts, outcomes, the host's money
movements and the command's contract. Mixes, timed runs, workers and the light terminal's
connection and reversals: tests/e2e/test_load_light.py.
"""

from __future__ import annotations

import argparse
import json
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.errors import InputError

from protocols.security import KeyScheme
from simulator.commands import load_cmd
from simulator.host.config import HostConfig, TerminalEntry
from simulator.host.journal import Cause, Direction, HostJournal
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer
from simulator.load import LoadPlan, LoadPlanError, Result, TerminalModel, Workload, run_load

PARSER_EXIT_BAD_INPUT = 2


def possim(argv: list[str]) -> int:
    """``possim load ...`` through a parser built from ``load_cmd.register`` (as simulator.cli does)."""
    parser = argparse.ArgumentParser(prog="possim")
    subparsers = parser.add_subparsers(dest="command", required=True)
    load_cmd.register(subparsers)
    args = parser.parse_args(["load", *argv])
    return int(args.handler(args))


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize(("scheme", "dialect", "model"), [
    (KeyScheme.MKSK, "terminal87", TerminalModel.LIGHT), (KeyScheme.DUKPT_TDES, "iso87ascii", TerminalModel.LIGHT),
    (KeyScheme.DUKPT_AES, "terminal87", TerminalModel.LIGHT), (KeyScheme.MKSK, "terminal87", TerminalModel.ENGINE),
], ids=["mksk", "dukpt-tdes", "dukpt-aes", "engine-mksk"])
async def test_every_sale_and_refund_is_approved_and_moves_money_once(
    tmp_path: Path, scheme: KeyScheme, dialect: str, model: TerminalModel
) -> None:
    plan = LoadPlan(terminals=3, transactions=4, refund_ratio=0.5, key_scheme=scheme, dialect=dialect,
                    response_timeout=5.0, duration_limit=60.0, model=model)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)

    assert report.embedded_host and report.host_url.startswith("tcp://127.0.0.1:")
    assert not report.stopped_early and report.stop_reason is None
    assert report.counts["signon"] == {"approved": 3, "declined": 0, "refused": 0, "failed": 0}
    assert report.counts["sale"] == {"approved": 12, "declined": 0, "refused": 0, "failed": 0}
    assert report.counts["refund"] == {"approved": 6, "declined": 0, "refused": 0, "failed": 0}
    assert report.operations == plan.planned_operations() == 21
    assert report.errors == [] and report.latency.count == 21

    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        for terminal_id in ("LOAD0001", "LOAD0002", "LOAD0003"):
            ledger = journal.ledger(terminal_id)
            movements = Counter((entry.cause, entry.direction) for entry in ledger)
            assert movements == {(Cause.SALE, Direction.DEBIT): 4, (Cause.REFUND, Direction.CREDIT): 2}
            assert sorted(e.amount for e in ledger if e.cause is Cause.SALE) == [1000, 1001, 1002, 1003]
            # refunds follow the 2nd and 4th sales, each of half the sale
            assert sorted(e.amount for e in ledger if e.cause is Cause.REFUND) == [500, 501]
            transaction_ids = [entry.transaction_id for entry in ledger]
            assert len(transaction_ids) == len(set(transaction_ids)), "a transaction moved money twice"
            records = journal.transactions(terminal_id)
            requests = [(r.stan, r.transmission_time, r.mti) for r in records]
            assert len(requests) == len(set(requests)) == 6
            assert len({r.rrn for r in records}) == 6
        assert journal.net_debit() == 3 * (1000 + 1001 + 1002 + 1003 - 500 - 501)
    finally:
        journal.close()


def test_json_report_has_the_documented_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = possim(["--terminals", "2", "--transactions", "3", "--refund-ratio", "1", "--timeout", "5",
                   "--data", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert set(report) >= {"plan", "host", "embedded_host", "elapsed_s", "operations", "planned_operations",
                           "throughput_ops_per_s", "latency_ms", "outcomes", "by_operation", "errors",
                           "stopped_early", "stop_reason"}
    assert report["plan"]["terminals"] == 2 and report["plan"]["key_scheme"] == "mksk"
    assert set(report["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert report["operations"] == report["planned_operations"] == 2 * (1 + 3 + 3)
    assert report["outcomes"] == {"approved": 14, "declined": 0, "refused": 0, "failed": 0}
    assert report["by_operation"]["refund"]["count"] == 6
    assert report["by_operation"]["sale"]["latency_ms"]["p50"] > 0
    assert report["stopped_early"] is False and report["errors"] == []
    assert report["plan"]["model"] == "light" and report["plan"]["workers"] == 1
    assert report["by_operation"]["sale"]["ops_per_s"] > 0
    assert report["reversals"] == {"sent": 0, "acked": 0, "pending": 0} and report["unknown_terminals"] == []
    assert not (tmp_path / "terminals").exists(), "light terminals keep their state in memory"


def test_the_engine_model_keeps_a_journal_per_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = possim(["--model", "engine", "--terminals", "2", "--transactions", "1", "--data", str(tmp_path), "--json"])

    assert code == 0 and json.loads(capsys.readouterr().out)["outcomes"]["approved"] == 2 * (1 + 1)
    assert (tmp_path / "terminals" / "LOAD0002" / "journal.sqlite3").exists()


async def test_an_engine_terminal_refunds_the_load_card_past_the_merchants_daily_limit(tmp_path: Path) -> None:
    """Every load terminal refunds the one load card: more than the terminal's default 5 refunds a day to
    a card, and each is approved (the velocity rule is lifted for load terminals, as on the host)."""
    plan = LoadPlan(terminals=1, transactions=14, refund_ratio=0.5, response_timeout=5.0, duration_limit=60.0,
                    model=TerminalModel.ENGINE)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)
    assert report.counts["refund"] == {"approved": 7, "declined": 0, "refused": 0, "failed": 0}


def test_text_report_names_operations_and_latencies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert possim(["--terminals", "1", "--transactions", "2", "--data", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "ops/s" in text and "p95" in text and "sale" in text and "refund" in text


@pytest.mark.parametrize("argv", [
    ["--terminals", "0"], ["--terminals", "10000"], ["--transactions", "0"], ["--refund-ratio", "1.5"],
    ["--duration-limit", "0"], ["--timeout", "nan"], ["--key-scheme", "des"],
    ["--workers", "0"], ["--duration", "-1"], ["--model", "heavy"], ["--mix", "sale=60,refnd=30"],
    ["--mix", "sale=60", "--refund-ratio", "0.5"], ["--duration", "5", "--transactions", "3"],
])
def test_bad_input_is_exit_2(argv: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        possim([*argv, "--data", str(tmp_path)])
    assert stopped.value.code == PARSER_EXIT_BAD_INPUT
    assert not (tmp_path / "host").exists()


def test_an_unknown_dialect_is_bad_input_naming_the_option(tmp_path: Path) -> None:
    """A dialect is a built-in name or a TOML file: checked when the plan is made, exit 2 through the CLI."""
    with pytest.raises(InputError, match=r"^--dialect: unknown dialect 'nope'"):
        possim(["--dialect", "nope", "--data", str(tmp_path)])
    assert not (tmp_path / "host").exists()


@pytest.mark.parametrize("changes", [
    {"terminals": 0}, {"transactions": -1}, {"refund_ratio": 2.0}, {"duration_limit": 0}, {"dialect": "nope"},
    {"key_scheme": "des"}, {"terminals": True}, {"workers": 5}, {"duration": 0}, {"duration": 90.0},
    {"model": "heavy"},
])
def test_a_plan_that_cannot_run_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(LoadPlanError):
        LoadPlan(**changes)  # type: ignore[arg-type]


def test_refunds_are_spread_evenly_and_exactly() -> None:
    plan = LoadPlan(transactions=10, refund_ratio=0.3)
    assert sum(plan.refund_after(index) for index in range(10)) == 3
    assert LoadPlan(transactions=5, refund_ratio=0).planned_operations() == 4 * (1 + 5)
    assert LoadPlan(terminals=2, transactions=5, workload=Workload.ECHO).planned_operations() == 10


async def test_the_duration_limit_stops_the_run_early_and_says_so(tmp_path: Path) -> None:
    plan = LoadPlan(terminals=2, transactions=100_000, response_timeout=5.0, duration_limit=0.3)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)

    assert report.stopped_early and "duration limit" in (report.stop_reason or "")
    assert 0 < report.operations < plan.planned_operations()
    assert report.total(Result.FAILED) == 0 and load_cmd.exit_code(report) == 0
    assert "STOPPED EARLY" in report.to_text()


async def test_echo_workload_only_echoes(tmp_path: Path) -> None:
    plan = LoadPlan(terminals=2, transactions=5, workload=Workload.ECHO, response_timeout=5.0)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)
    assert report.counts == {"echo": {"approved": 10, "declined": 0, "refused": 0, "failed": 0}}


def test_an_unreachable_host_is_exit_3(refused_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = possim(["--host", f"tcp://127.0.0.1:{refused_port}", "--terminals", "2", "--transactions", "2",
                   "--timeout", "1", "--data", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 3
    assert report["embedded_host"] is False and report["outcomes"]["failed"] == report["operations"] == 2
    assert set(report["by_operation"]) == {"signon"}  # no sale after a failed sign-on
    assert report["errors"] and all("unreachable" in text for text in report["errors"])
    assert not (tmp_path / "host").exists()


async def test_an_operation_still_in_flight_after_the_grace_period_is_cancelled(tmp_path: Path) -> None:
    """Sales and reversals are never answered: the first sale outlives the limit and its grace."""
    config = HostConfig(data_dir=tmp_path / "silent-host", listen="tcp://127.0.0.1:0",
                        terminals={"LOAD0001": TerminalEntry("LOAD0001", "POSSIM000000001")})
    config.data_dir.mkdir()
    rules = parse_rules({"rule": [{"mti": mti, "drop": True} for mti in ("0200", "0400", "0401")]})
    async with HostServer(config, rules=rules) as host:
        # The limit leaves the sign-on time to finish on a busy machine (the sale must have started), and the
        # sale plus its reversal attempts (0.5 s each) outlast the limit and its 1 s grace by far.
        plan = LoadPlan(terminals=1, transactions=3, key_scheme=KeyScheme.DUKPT_AES, response_timeout=0.5,
                        duration_limit=0.3)
        report = await run_load(plan, host_url=host.url, data_dir=tmp_path)

    assert report.counts["signon"]["approved"] == 1
    assert report.counts["sale"] == {"approved": 0, "declined": 0, "refused": 0, "failed": 1}
    assert report.errors == ["sale: interrupted: the duration limit passed while it was in flight"]
    assert report.stopped_early and "cancelled mid-operation" in (report.stop_reason or "")
    assert load_cmd.exit_code(report) == 3


def test_a_host_url_that_is_not_tcp_or_serial_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:  # bad input, found while parsing the options: exit 2
        possim(["--host", "http://127.0.0.1:8583", "--terminals", "1", "--data", str(tmp_path)])
    assert exited.value.code == 2
    assert "argument --host: scheme must be tcp or serial" in capsys.readouterr().err


def test_a_load_run_ends_without_a_traceback(tmp_path: Path) -> None:
    # The embedded host stops while the last connections are closing: nothing may be cancelled mid-close.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "load", "--terminals", "3", "--transactions", "3",
         "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "CancelledError" not in result.stderr
