"""The host on real sockets (127.0.0.1, port 0) and on a pseudo-terminal, with iso8583.channels clients."""

from __future__ import annotations

import asyncio
import os
import tty
from pathlib import Path

import pytest

from iso8583 import decode, encode
from iso8583.channels import ChannelClosed, ChannelError, ChannelTimeout, connect, open_fd_channel

from simulator.host.server import HostServer

from .conftest import MiniTerminal, make_host


async def _server(tmp_path: Path, rules: str | None = None, listen: str = "tcp://127.0.0.1:0") -> HostServer:
    logic = make_host(tmp_path / "data", rules)
    server = HostServer(logic.config, listen=listen, logic=logic)
    await server.start()
    return server


async def _signed_on(server: HostServer) -> MiniTerminal:
    mini = MiniTerminal(server.logic)
    mini.sign_on()
    return mini


async def test_start_returns_the_real_port(tmp_path: Path) -> None:
    server = await _server(tmp_path)
    try:
        assert server.url is not None and server.url.startswith("tcp://127.0.0.1:")
        assert not server.url.endswith(":0")
    finally:
        await server.stop()


async def test_sale_over_tcp_is_approved(tmp_path: Path) -> None:
    server = await _server(tmp_path)
    try:
        mini = await _signed_on(server)
        async with await connect(server.url) as channel:
            await channel.send(encode(mini.financial("000000", 1234), server.logic.dialect))
            response = decode(await channel.receive(5), server.logic.dialect)
        assert (response.mti, response.get(39)) == ("0210", "00")
    finally:
        await server.stop()


async def test_garbage_frame_does_not_stop_the_server(tmp_path: Path) -> None:
    server = await _server(tmp_path)
    try:
        mini = await _signed_on(server)
        async with await connect(server.url) as bad:
            await bad.send(b"\xff\xff\xff")
            with pytest.raises(ChannelTimeout):
                await bad.receive(0.3)
            await bad.send(encode(mini.financial("000000", 1), server.logic.dialect))
            assert decode(await bad.receive(5), server.logic.dialect).get(39) == "00"
    finally:
        await server.stop()


async def test_broken_framing_ends_only_that_connection(tmp_path: Path) -> None:
    server = await _server(tmp_path)
    try:
        mini = await _signed_on(server)
        reader, writer = await asyncio.open_connection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
        writer.write(b"\x00")  # half a length prefix, then hang up
        await writer.drain()
        writer.close()
        async with await connect(server.url) as good:
            await good.send(encode(mini.financial("000000", 1), server.logic.dialect))
            assert decode(await good.receive(5), server.logic.dialect).get(39) == "00"
    finally:
        await server.stop()


async def test_drop_rule_sends_nothing(tmp_path: Path) -> None:
    server = await _server(tmp_path, '[[rule]]\nmti = "0200"\ndrop = true\n')
    try:
        mini = await _signed_on(server)
        async with await connect(server.url) as channel:
            await channel.send(encode(mini.financial("000000", 1), server.logic.dialect))
            with pytest.raises(ChannelTimeout):
                await channel.receive(0.3)
    finally:
        await server.stop()


async def test_disconnect_rule_closes_the_connection(tmp_path: Path) -> None:
    server = await _server(tmp_path, '[[rule]]\nmti = "0200"\ndisconnect = true\n')
    try:
        mini = await _signed_on(server)
        async with await connect(server.url) as channel:
            await channel.send(encode(mini.financial("000000", 1), server.logic.dialect))
            with pytest.raises(ChannelClosed):
                await channel.receive(5)
    finally:
        await server.stop()


async def test_delay_rule_answers_late(tmp_path: Path) -> None:
    server = await _server(tmp_path, '[[rule]]\nmti = "0200"\ndelay = 0.4\n')
    try:
        mini = await _signed_on(server)
        async with await connect(server.url) as channel:
            await channel.send(encode(mini.financial("000000", 1), server.logic.dialect))
            with pytest.raises(ChannelTimeout):
                await channel.receive(0.2)
            assert decode(await channel.receive(5), server.logic.dialect).get(39) == "00"
    finally:
        await server.stop()


async def test_serial_listening_answers_over_a_pty(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    server = await _server(tmp_path, listen=f"serial://{os.ttyname(slave)}")
    try:
        mini = await _signed_on(server)
        async with await open_fd_channel(master, close_fd=False) as terminal_side:
            await terminal_side.send(encode(mini.financial("000000", 1), server.logic.dialect))
            response = decode(await terminal_side.receive(5), server.logic.dialect)
        assert response.get(39) == "00"
    finally:
        await server.stop()
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass


async def test_stop_closes_open_connections(tmp_path: Path) -> None:
    server = await _server(tmp_path)
    channel = await connect(server.url)
    await server.stop()
    with pytest.raises(ChannelError):
        await channel.receive(2)
    await channel.close()


