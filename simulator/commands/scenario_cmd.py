"""``possim scenario FILE``: run a scripted sequence of terminal operations and check expectations.

Against ``--host URL``, or (without it) against the host emulator started in the same process on
127.0.0.1 with the scenario's fault rules. Exit 0 when every expectation holds, 1 when one fails,
2 on a malformed scenario.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from pos_terminal.config import load_config
from pos_terminal.engine import TerminalEngine
from simulator.commands.output import EXIT_OK, EXIT_REFUSED, add_json_flag, data_folder, emit
from simulator.commands.txn_cmd import run_operation
from simulator.scenario import Scenario, check, load_scenario, resolve_options


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim scenario``."""
    parser = subparsers.add_parser("scenario", help="run a scripted sequence of transactions with expectations")
    parser.add_argument("file", type=Path, help="the scenario (TOML, see docs/scenarios.md)")
    parser.add_argument("--host", help="host URL; default: the embedded host emulator on 127.0.0.1")
    parser.add_argument("--data", type=data_folder, default=Path("possim-scenario"),
                        help="data folder: DIR/terminal (and DIR/host for the embedded host)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    report = asyncio.run(_run(scenario, args.data, args.host))
    passed = all(check["ok"] for step in report["steps"] for check in step["checks"])
    report["passed"] = passed
    emit(args, report, _text(report))
    return EXIT_OK if passed else EXIT_REFUSED


async def _run(scenario: Scenario, data_dir: Path, host_url: str | None) -> dict[str, Any]:
    host = None
    if host_url is None:
        from simulator.host.config import load_host_config
        from simulator.host.rules import parse_rules
        from simulator.host.server import HostServer

        config = load_host_config(data_dir / "host")
        host = HostServer(config, listen="tcp://127.0.0.1:0", rules=parse_rules({"rule": scenario.host_rules}))
        host_url = await host.start()
    engine = None
    try:
        terminal_dir = data_dir / "terminal"
        terminal_dir.mkdir(parents=True, exist_ok=True)
        config = load_config(terminal_dir).with_overrides(**{**scenario.terminal, "host_url": host_url})
        engine = TerminalEngine.open(terminal_dir, config)
        results: dict[str, dict[str, Any]] = {}
        steps = []
        for step in scenario.steps:
            result = (await run_operation(engine, step.operation, resolve_options(step, results))).to_json()
            results[step.name] = result
            steps.append({"name": step.name, "operation": step.operation, "result": result,
                          "checks": [item.to_json() for item in check(step, result)]})
        return {"scenario": scenario.name, "host": host_url, "steps": steps}
    finally:
        if engine is not None:
            engine.close()
        if host is not None:
            await host.stop()


def _text(report: dict[str, Any]) -> str:
    lines = [f"scenario {report['scenario']} against {report['host']}"]
    for step in report["steps"]:
        failed = [item for item in step["checks"] if not item["ok"]]
        verdict = "FAIL" if failed else "ok"
        result = step["result"]
        lines.append(f"  {verdict:<4} {step['name']}: {step['operation']} -> "
                     f"{result.get('response_code') or result.get('error')}")
        lines.extend(f"         {item['field']}: expected {item['expected']!r}, got {item['actual']!r}"
                     for item in failed)
    lines.append("PASSED" if report["passed"] else "FAILED")
    return "\n".join(lines)
