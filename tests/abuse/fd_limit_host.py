"""A server at its file-descriptor limit, run in its own process by test_descriptors.py.

The process lowers its own RLIMIT_NOFILE, starts a TCP echo server, opens one connection,
then uses up every remaining descriptor while three more clients connect: each ``accept``
fails with EMFILE. It checks that the established connection is still served meanwhile and
that the waiting clients are served once descriptors are free again, and prints the result as
one JSON object; what the server logged goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import socket
import sys

from iso8583.channels import BaseChannel, ChannelClosed, serve

FD_LIMIT = 128
SECONDS_OUT_OF_DESCRIPTORS = 1.5


async def echo(channel: BaseChannel) -> None:
    while True:
        try:
            message = await channel.receive(60)
        except ChannelClosed:
            return
        await channel.send(message)


async def exchange(sock: socket.socket, payload: bytes) -> bool:
    """Send one 2-byte-length frame and wait (5 s at most) for the same payload back."""
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, len(payload).to_bytes(2, "big") + payload)
    received = b""
    async with asyncio.timeout(5):
        while len(received) < 2 + len(payload):
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                return False
            received += chunk
    return received[2:] == payload


async def run() -> dict[str, object]:
    server = await serve("tcp://127.0.0.1:0", echo)
    address = ("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    loop = asyncio.get_running_loop()
    established = socket.socket()
    established.setblocking(False)
    await loop.sock_connect(established, address)
    assert await exchange(established, b"before")
    waiting = [socket.socket() for _ in range(3)]
    fillers: list[int] = []
    try:
        while True:
            fillers.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    for sock in waiting:  # the kernel completes these handshakes; the server cannot accept them
        sock.setblocking(False)
        sock.connect_ex(address)
    await asyncio.sleep(SECONDS_OUT_OF_DESCRIPTORS)
    served_meanwhile = await exchange(established, b"during")
    for fd in fillers:
        os.close(fd)
    answered_after = [await exchange(sock, b"after") for sock in waiting]
    for sock in (established, *waiting):
        sock.close()
    await server.close()
    return {"served_meanwhile": served_meanwhile, "answered_after": answered_after, "fillers": len(fillers)}


def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(FD_LIMIT, hard), hard))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
