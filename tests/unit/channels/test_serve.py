"""serve(): one call to serve a handler on a TCP or a serial listening URL."""

from __future__ import annotations

import asyncio

from iso8583.channels import BaseChannel, LinkPolicy, SerialServer, open_fd_channel, open_tcp_channel, serve

from .conftest import PtyPair

FAST = LinkPolicy(ack_timeout=0.2, max_retries=3, frame_timeout=0.5)


async def echo(channel: BaseChannel) -> None:
    while True:
        message = await channel.receive(timeout=5)
        if message == b"boom":
            raise RuntimeError("handler bug")
        await channel.send(message)


async def test_serve_tcp_url_reports_the_real_port_and_serves() -> None:
    async with await serve("tcp://127.0.0.1:0", echo) as server:
        port = int(server.url.rsplit(":", 1)[1])
        assert port > 0
        async with await open_tcp_channel("127.0.0.1", port) as channel:
            await channel.send(b"0800")
            assert await channel.receive(timeout=2) == b"0800"


async def test_serve_serial_device_answers_over_the_pty(pty_pair: PtyPair) -> None:
    async with await serve(f"serial://{pty_pair.slave_path}", echo, link_policy=FAST) as server:
        async with await open_fd_channel(pty_pair.master, close_fd=False, link_policy=FAST) as terminal:
            await terminal.send(b"0200")
            assert await terminal.receive(timeout=2) == b"0200"
        assert server.url == f"serial://{pty_pair.slave_path}"


async def test_serial_server_reopens_the_port_after_a_handler_failure(pty_pair: PtyPair) -> None:
    server = await serve(f"serial://{pty_pair.slave_path}", echo, link_policy=FAST)
    assert isinstance(server, SerialServer)
    async with server, await open_fd_channel(pty_pair.master, close_fd=False, link_policy=FAST) as terminal:
        await terminal.send(b"boom")
        for _ in range(50):
            if server.sessions == 2:
                break
            await asyncio.sleep(0.02)
        assert server.sessions == 2
        await terminal.send(b"still serving")
        assert await terminal.receive(timeout=2) == b"still serving"
