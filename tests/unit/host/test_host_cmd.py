"""``possim host``: options, the listening line, and a clean exit on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from iso8583 import decode, encode, get_dialect
from iso8583.channels import connect
from simulator.commands import host_cmd
from simulator.commands.output import InputError

REPO = Path(__file__).resolve().parents[3]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="possim")
    host_cmd.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_parser_accepts_the_documented_options(tmp_path: Path) -> None:
    args = _parser().parse_args(["host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path),
                                 "--rules", "r.toml", "--dialect", "iso87ascii"])
    assert (args.listen, args.data, args.rules, args.dialect, args.handler) == (
        "tcp://127.0.0.1:0", tmp_path, "r.toml", "iso87ascii", host_cmd.run)


def test_report_sub_command_parses_its_options(tmp_path: Path) -> None:
    args = _parser().parse_args(["host", "report", "--data", str(tmp_path), "--json", "--terminal", "POSSIM01",
                                 "--batch", "3"])
    assert (args.data, args.json, args.terminal, args.batch, args.handler) == (
        tmp_path, True, "POSSIM01", "3", host_cmd.run_report)


def test_plain_host_form_still_runs_the_server() -> None:
    args = _parser().parse_args(["host", "--listen", "tcp://127.0.0.1:0", "--data", "d"])
    assert (args.handler, args.host_command) == (host_cmd.run, None)


def test_report_without_a_journal_is_bad_input(tmp_path: Path) -> None:
    args = _parser().parse_args(["host", "report", "--data", str(tmp_path)])
    with pytest.raises(InputError):
        args.handler(args)


def test_unknown_dialect_is_bad_input(tmp_path: Path) -> None:
    args = _parser().parse_args(["host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path),
                                 "--dialect", "nope"])
    with pytest.raises(InputError):
        asyncio.run(host_cmd.serve_until_signalled(args))


async def test_serves_an_echo_and_prints_the_real_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path)])
    stop = asyncio.Event()
    task = asyncio.create_task(host_cmd.serve_until_signalled(args, stop))
    for _ in range(100):
        out = capsys.readouterr().out
        if out:
            break
        await asyncio.sleep(0.02)
    assert out.startswith("listening on tcp://127.0.0.1:") and not out.startswith("listening on tcp://127.0.0.1:0\n")
    url = out.split()[2]
    dialect = get_dialect("terminal87")
    from iso8583 import Message

    async with await connect(url) as channel:
        await channel.send(encode(Message("0800", {7: "0314100000", 11: "000001", 41: "POSSIM01",
                                                  42: "POSSIM000000001", 70: "301"}),
                                  dialect))
        assert decode(await channel.receive(5), dialect).get(39) == "00"
    stop.set()
    assert await task == 0


def test_subprocess_prints_listening_first_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    runner = tmp_path / "run_host.py"
    runner.write_text(textwrap.dedent("""
        import argparse, sys
        from simulator.commands import host_cmd
        parser = argparse.ArgumentParser(prog="possim")
        host_cmd.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(sys.argv[1:])
        sys.exit(args.handler(args))
    """))
    process = subprocess.Popen(
        [sys.executable, str(runner), "host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path / "data")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on tcp://127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_listen_address_naming_no_device_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    assert main(["host", "--listen", "nope", "--data", str(tmp_path)]) == 2
    assert "no serial device nope" in capsys.readouterr().err


def test_event_loop_defaults_to_auto_and_accepts_asyncio_and_uvloop(tmp_path: Path) -> None:
    assert _parser().parse_args(["host", "--data", str(tmp_path)]).event_loop == "auto"
    assert _parser().parse_args(["host", "--data", str(tmp_path), "--event-loop", "asyncio"]).event_loop == "asyncio"
    assert _parser().parse_args(["host", "--data", str(tmp_path), "--event-loop", "uvloop"]).event_loop == "uvloop"


def test_uvloop_without_uvloop_installed_is_bad_input_saying_how_to_install_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    args = _parser().parse_args(["host", "--listen", "tcp://127.0.0.1:0", "--data", str(tmp_path),
                                 "--event-loop", "uvloop"])
    with pytest.raises(InputError, match=r"pip install 'possim\[fast\]'"):
        args.handler(args)


@pytest.mark.parametrize("event_loop", ["asyncio", "uvloop"])
def test_the_host_serves_on_either_event_loop(tmp_path: Path, event_loop: str) -> None:
    """``--event-loop asyncio|uvloop``: the same listening line, an 0800 echo answered, exit 0 on SIGTERM."""
    if event_loop == "uvloop":
        pytest.importorskip("uvloop")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0", "--data",
         str(tmp_path / "data"), "--event-loop", event_loop],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on tcp://127.0.0.1:")

        async def echo_test() -> str:
            channel = await connect(first.split()[-1])
            try:
                dialect = get_dialect("terminal87")
                from iso8583 import Message

                await channel.send(encode(Message("0800", {7: "0314100000", 11: "000001", 41: "POSSIM01",
                                                          42: "POSSIM000000001", 70: "301"}), dialect))
                return str(decode(await channel.receive(timeout=10), dialect)[39])
            finally:
                await channel.close()

        assert asyncio.run(echo_test()) == "00"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
