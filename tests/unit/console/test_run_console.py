"""``possim run --http``: the embedded host behind the device opens the same console."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from simulator.cli import main
from simulator.host.httpaddress import parse_http_address
from simulator.tui import launch
from simulator.tui.app import PossimApp


async def test_possim_run_serves_the_console_beside_the_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, object] = {}

    async def the_user_looks_at_the_console(app: PossimApp) -> None:  # instead of the UI's run loop
        console = capsys.readouterr().out.split("console on ", 1)[1].strip()
        async with aiohttp.ClientSession() as session, session.get(console + "/api/health") as answer:
            seen.update(await answer.json())

    monkeypatch.setattr(PossimApp, "run_async", the_user_looks_at_the_console)
    url = await launch.run_embedded(tmp_path, (parse_http_address("127.0.0.1:0"), None))
    assert seen["listener"] == url and seen["journal_ok"] is True


def test_possim_run_refuses_a_non_loopback_console_without_a_token(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    assert main(["run", "--data", str(tmp_path), "--http", "0.0.0.0:8080"]) == 2
    assert "--http-token-file" in capsys.readouterr().err


async def test_the_device_shows_the_console_url_under_its_message_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    shown: list[str] = []

    async def the_user_reads_the_screen(app: PossimApp) -> None:  # the app mounted headless, as a user sees it
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            shown.append(str(app.query_one("#message-log").border_subtitle))

    monkeypatch.setattr(PossimApp, "run_async", the_user_reads_the_screen)
    await launch.run_embedded(tmp_path, (parse_http_address("127.0.0.1:0"), None))
    printed = capsys.readouterr().out.split("console on ", 1)[1].strip()
    assert shown == [f"host console {printed}"]



async def test_without_http_the_device_names_no_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []

    async def the_user_reads_the_screen(app: PossimApp) -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            shown.append(app.query_one("#message-log").border_subtitle)

    monkeypatch.setattr(PossimApp, "run_async", the_user_reads_the_screen)
    await launch.run_embedded(tmp_path)
    assert len(shown) == 1 and not shown[0]
