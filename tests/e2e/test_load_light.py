"""``possim load`` with light terminals: mixes, timed runs, workers, persistent connections, reversals,
a host that does not know the load terminals, and the live progress line.

Real host emulator on 127.0.0.1 (embedded, or a HostServer started here); counts and money are
checked against the host's journal. No timing is asserted (speed: benchmarks/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pty
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from protocols.defaults import MERCHANT_ID
from simulator.commands import load_cmd
from simulator.host.config import HostConfig, TerminalEntry, load_host_config, parse_host_config
from simulator.host.journal import Cause, Direction, HostJournal
from simulator.host.rules import parse_rules
from simulator.host.server import HostServer
from simulator.load import LoadPlan, Mix, Result, run_load
from simulator.load.models import LightModel
from simulator.load.synclink import SyncLink
from simulator.load.synclink import perform as perform_blocking
from simulator.load.terminal import LightTerminal

ROOT = Path(__file__).resolve().parents[2]


def possim(argv: list[str]) -> int:
    """``possim load ...`` through a parser built from ``load_cmd.register`` (as simulator.cli does)."""
    parser = argparse.ArgumentParser(prog="possim")
    load_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["load", *argv])
    return int(args.handler(args))


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start a host emulator on 127.0.0.1 knowing ``terminals`` (None: its default table), with ``rules``."""
    servers: list[HostServer] = []

    async def start(terminals: list[str] | None = None, rules: list[dict[str, Any]] | None = None) -> HostServer:
        data_dir = tmp_path / f"host{len(servers)}"
        data_dir.mkdir()
        known = {tid: TerminalEntry(tid, MERCHANT_ID) for tid in terminals} if terminals is not None else None
        config = HostConfig(data_dir=data_dir, listen="tcp://127.0.0.1:0", **({"terminals": known} if known else {}))
        server = HostServer(config, rules=parse_rules({"rule": rules or []}))
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


def movements(journal_path: Path) -> Counter[tuple[Cause, Direction]]:
    journal = HostJournal(journal_path)
    try:
        return Counter((entry.cause, entry.direction) for entry in journal.ledger())
    finally:
        journal.close()


async def test_a_mix_runs_sales_refunds_and_voids_in_its_proportions(tmp_path: Path) -> None:
    plan = LoadPlan(terminals=2, transactions=12, mix=Mix.parse("sale=2,refund=1,void=1"), response_timeout=5.0)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)

    assert report.errors == [] and not report.stopped_early
    assert {op: counts["approved"] for op, counts in report.counts.items()} == \
        {"signon": 2, "sale": 12, "refund": 6, "void": 6}
    assert report.total(Result.APPROVED) == report.operations == plan.planned_operations() == 26
    assert movements(tmp_path / "host" / "host-journal.sqlite3") == {
        (Cause.SALE, Direction.DEBIT): 12, (Cause.REFUND, Direction.CREDIT): 6, (Cause.VOID, Direction.CREDIT): 6}


async def test_a_timed_run_ends_at_its_duration_without_being_cut_short(tmp_path: Path) -> None:
    plan = LoadPlan(terminals=2, duration=0.6, mix=Mix.parse("sale=3,refund=1"), response_timeout=5.0)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)

    assert not report.stopped_early and report.stop_reason is None
    assert report.counts["signon"]["approved"] == 2 and report.counts["sale"]["approved"] >= 2
    assert report.total(Result.FAILED) == 0
    assert report.to_json()["planned_operations"] is None and report.to_json()["plan"]["duration"] == 0.6


def test_workers_share_the_terminals_and_their_results_are_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = possim(["--workers", "2", "--terminals", "4", "--transactions", "2", "--refund-ratio", "0.5",
                   "--data", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0, report["errors"]
    assert report["plan"]["workers"] == 2
    assert report["outcomes"]["approved"] == report["operations"] == 4 * (1 + 2 + 1)
    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        assert {record.terminal_id for record in journal.transactions()} == {"LOAD0001", "LOAD0002", "LOAD0003",
                                                                           "LOAD0004"}
    finally:
        journal.close()


async def test_a_host_that_does_not_know_the_load_terminals_is_named_with_the_fix(
    host: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await host()  # its default terminal table: POSSIM01 only
    code = await asyncio.to_thread(possim, ["--host", server.url, "--terminals", "2", "--data", str(tmp_path),
                                            "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)

    assert code == 3
    assert "does not know terminal LOAD0001" in captured.err and "[[terminals]]" in captured.err
    assert "host.toml" in captured.err and "sign-on failed" not in captured.err
    assert report["unknown_terminals"] == ["LOAD0001", "LOAD0002"] and report["stopped_early"] is True
    assert report["by_operation"] == {"signon": {**report["by_operation"]["signon"], "count": 2, "declined": 2}}


async def test_the_printed_host_config_makes_a_host_know_the_load_terminals(
    host: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert possim(["--print-host-config", "--terminals", "3"]) == 0
    text = capsys.readouterr().out
    config = parse_host_config(tomllib.loads(text), tmp_path)
    assert sorted(config.terminals) == ["LOAD0001", "LOAD0002", "LOAD0003"]

    data_dir = tmp_path / "configured-host"
    data_dir.mkdir()
    (data_dir / "host.toml").write_text(text, encoding="utf-8")
    async with HostServer(load_host_config(data_dir), listen="tcp://127.0.0.1:0") as server:
        report = await run_load(LoadPlan(terminals=3, transactions=1), host_url=server.url, data_dir=tmp_path)
    assert report.total(Result.APPROVED) == report.operations == 3 * (1 + 1)


async def test_a_light_terminal_keeps_one_connection_for_all_its_exchanges(host: Callable[..., Any]) -> None:
    server = await host(["LOAD0001"])
    model = LightModel("LOAD0001", LoadPlan(terminals=1), server.url)
    try:
        assert (await model.sign_on()).result is Result.APPROVED
        for amount in (1000, 1001, 1002):
            assert (await model.sale(amount)).result is Result.APPROVED
    finally:
        await model.close()
    assert model.link.connects == 1


async def test_a_dropped_connection_is_reopened_and_the_lost_sale_reversed_on_it(host: Callable[..., Any]) -> None:
    server = await host(["LOAD0001"], rules=[{"mti": "0200", "disconnect": True, "times": 1}])
    model = LightModel("LOAD0001", LoadPlan(terminals=1, response_timeout=5.0), server.url)
    try:
        await model.sign_on()
        lost = await model.sale(1000)
        after = await model.sale(1001)
    finally:
        await model.close()

    assert lost.result is Result.FAILED and after.result is Result.APPROVED
    assert model.link.connects == 2
    assert model.reversal_counts().to_json() == {"sent": 1, "acked": 1, "pending": 0}
    assert movements(server.config.journal_path) == {(Cause.SALE, Direction.DEBIT): 2,
                                                      (Cause.REVERSAL, Direction.CREDIT): 1}


async def test_a_lost_answer_shows_as_a_failed_sale_and_a_delivered_reversal(
    host: Callable[..., Any], tmp_path: Path
) -> None:
    server = await host(["LOAD0001"], rules=[{"mti": "0200", "drop": True, "times": 1}])
    plan = LoadPlan(terminals=1, transactions=3, refund_ratio=0.0, response_timeout=0.5)
    report = await run_load(plan, host_url=server.url, data_dir=tmp_path)

    assert report.counts["sale"] == {"approved": 2, "declined": 0, "refused": 0, "failed": 1}
    assert report.reversals.to_json() == {"sent": 1, "acked": 1, "pending": 0}
    assert "reversals: 1 sent, 1 acknowledged, 0 still owed" in report.to_text()
    assert load_cmd.exit_code(report) == 3


async def test_the_blocking_link_drives_the_same_terminal_over_one_connection(host: Callable[..., Any]) -> None:
    server = await host(["LOAD0001"])
    terminal = LightTerminal("LOAD0001")
    link = SyncLink(server.url, response_timeout=5.0)

    def session() -> list[Result]:
        results = [perform_blocking(link, terminal.sign_on()).result]
        sale = perform_blocking(link, terminal.sale(5000))
        assert sale.sale is not None
        results += [sale.result, perform_blocking(link, terminal.refund(sale.sale, 100)).result]
        other = perform_blocking(link, terminal.sale(6000))
        assert other.sale is not None
        results += [other.result, perform_blocking(link, terminal.void(other.sale)).result]
        link.close()
        return results

    assert await asyncio.to_thread(session) == [Result.APPROVED] * 5
    assert link.connects == 1


def _stderr_through_a_pty(argv: list[str], tmp_path: Path) -> tuple[int, str, str]:
    """Run ``possim load`` with its stderr on a pseudo-terminal (as in a person's shell)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "simulator.cli", "load", *argv, "--data", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, text=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    return process.returncode, out, b"".join(chunks).decode(errors="replace")


def test_a_live_progress_line_is_shown_on_a_terminal(tmp_path: Path) -> None:
    code, out, err = _stderr_through_a_pty(["--duration", "1.3", "--terminals", "2"], tmp_path)
    assert code == 0
    assert "\r" in err and "ops/s" in err and "errors 0" in err and "p50" in err
    assert "ops/s" in out and "p99 ms" in out  # the final table, on stdout


def test_no_progress_line_with_json(tmp_path: Path) -> None:
    code, out, err = _stderr_through_a_pty(["--duration", "1.3", "--terminals", "2", "--json"], tmp_path)
    assert code == 0 and err.strip() == ""
    assert json.loads(out)["operations"] > 0


def test_no_progress_line_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "simulator.cli", "load", "--duration", "1.3", "--terminals", "2",
                             "--data", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=False)
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("fault", ["refused", "unreachable"])
async def test_when_no_terminal_can_sign_on_the_run_stops_before_any_sale_and_exits_3(
    host: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str,
) -> None:
    if fault == "refused":
        server = await host(terminals=["LOAD0001", "LOAD0002"],
                            rules=[{"mti": "0800", "network_code": "001", "respond": "96"}])
        url = server.url
    else:
        url = "tcp://127.0.0.1:1"  # nothing listens on port 1
    code = await asyncio.to_thread(possim, ["--host", url, "--terminals", "2", "--transactions", "5",
                                            "--data", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)

    assert code == 3
    assert "possim load: no terminal could sign on (2 tried;" in captured.err
    assert set(report["by_operation"]) == {"signon"}  # no sale, so no reversal either
    assert report["stopped_early"] is True


@pytest.mark.parametrize("event_loop", ["asyncio", "uvloop"])
def test_the_run_is_the_same_on_either_event_loop(
    event_loop: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("uvloop")
    code = possim(["--event-loop", event_loop, "--terminals", "2", "--transactions", "3", "--refund-ratio", "0.5",
                   "--data", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0, report["errors"]
    assert report["outcomes"]["approved"] == report["operations"] == 2 * (1 + 3 + 1)


def test_uvloop_asked_for_but_not_installed_is_bad_input_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.commands.output import InputError

    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    with pytest.raises(InputError, match=r"^--event-loop uvloop: uvloop is not installed \(pip install 'possim\[fast\]'\)"):
        possim(["--event-loop", "uvloop", "--data", str(tmp_path)])
    assert not (tmp_path / "host").exists()
