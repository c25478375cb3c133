"""The app owns an embedded host: starts it if needed, stops it when the app exits."""

from __future__ import annotations

import asyncio
from pathlib import Path


from tests.ui.conftest import SIZE, MakeApp, free_port, host_server, lcd, type_keys


async def _refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("tcp://").rsplit(":", 1)
    try:
        _reader, writer = await asyncio.open_connection(host, int(port))
    except OSError:
        return True
    writer.close()
    return False


async def test_the_embedded_host_stops_when_the_app_exits(make_app: MakeApp, tmp_path: Path) -> None:
    server = host_server(tmp_path)
    url = await server.start()
    app = make_app(url, host=server)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f4", "f3")
        assert lcd(app)[:2] == ["ECHO TEST", "OK"]
    assert await _refuses_connections(url)


async def test_a_host_not_yet_listening_is_started_on_mount(make_app: MakeApp, tmp_path: Path) -> None:
    server = host_server(tmp_path, listen=f"tcp://127.0.0.1:{free_port()}")
    app = make_app(server.listen, host=server)
    async with app.run_test(size=SIZE) as pilot:
        assert server.url == server.listen
        await type_keys(pilot, "f4", "f3")
        assert lcd(app)[:2] == ["ECHO TEST", "OK"]
    assert await _refuses_connections(server.listen)
