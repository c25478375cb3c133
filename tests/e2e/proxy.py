"""A man in the middle on 127.0.0.1: forwards whole frames between terminal and host.

It records every request and response frame and can rewrite requests on the way, so tests
can tamper with a message in flight or replay one exactly as the terminal sent it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from iso8583.channels import BaseChannel, ChannelClosed, ChannelError, connect, serve
from iso8583.channels.serve import Server

Rewrite = Callable[[bytes], bytes]


@dataclass
class FrameProxy:
    """Forward frames to ``upstream``; ``rewrite`` may change each request first."""

    upstream: str
    rewrite: Rewrite = lambda frame: frame
    requests: list[bytes] = field(default_factory=list)
    responses: list[bytes] = field(default_factory=list)
    url: str = ""
    _server: Server | None = None

    async def start(self) -> str:
        """Listen on a free loopback port; return (and keep in ``url``) its URL."""
        self._server = await serve("tcp://127.0.0.1:0", self._relay)
        self.url = self._server.url
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _relay(self, terminal: BaseChannel) -> None:
        host = await connect(self.upstream)
        try:
            while True:
                frame = self.rewrite(await terminal.receive(30.0))
                self.requests.append(frame)
                await host.send(frame)
                response = await host.receive(30.0)
                self.responses.append(response)
                await terminal.send(response)
        except (ChannelClosed, ChannelError):
            return
        finally:
            await host.close()
