"""The host emulator on the wire: :class:`HostLogic` behind :mod:`iso8583.channels`, TCP or serial.

One task per connection (the channels' servers provide it): receive a message, let the logic
decide, then answer (after the rule's delay), stay silent, or hang up. Nothing a peer sends
ends the server: the logic answers malformed messages with 30 or drops them, a broken frame
ends that connection only, and the serial port is reopened after a failure.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from iso8583.channels import BaseChannel, ChannelClosed, ChannelError, ChannelTimeout, Server, serve
from simulator.host.config import HostConfig
from simulator.host.decision import Outcome
from simulator.host.logic import HostLogic
from simulator.host.rules import RuleSet

log = logging.getLogger(__name__)

IDLE_RECEIVE = 3600.0
"""How long one receive waits before checking again; connections are never closed for idling."""


class HostServer:
    """Serves :class:`HostLogic` on ``config.listen`` (or ``listen``) until :meth:`stop`."""

    def __init__(
        self,
        config: HostConfig,
        *,
        listen: str | None = None,
        rules: RuleSet | None = None,
        logic: HostLogic | None = None,
    ) -> None:
        self.config = config
        self.listen = listen or config.listen
        self.logic = logic or HostLogic(config, rules=rules)
        self._server: Server | None = None
        self.url: str | None = None
        self.cable_pulled = False
        """Fault switch of the embedded host (``possim run``): while True, requests still reach the host
        and are processed, but every answer is lost on the way back, the case that makes a terminal reverse."""

    async def start(self) -> str:
        """Start listening; return the real URL (port 0 becomes the bound port)."""
        self._server = await serve(self.listen, self._serve_channel)
        self.url = self._server.url
        log.info("host emulator listening on %s (dialect %s)", self.url, self.logic.dialect.name)
        return self.url

    async def stop(self) -> None:
        """Stop listening, end every connection and close the journal."""
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()
        self.logic.close()

    async def __aenter__(self) -> HostServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve_channel(self, channel: BaseChannel) -> None:
        """Answer the requests of one connection, in order, until it closes or a rule hangs up."""
        while True:
            try:
                payload = await channel.receive(IDLE_RECEIVE)
            except ChannelTimeout:
                continue
            except ChannelClosed:
                return
            except ChannelError as exc:  # a broken frame: this connection has lost sync, the server carries on
                self.logic.record_link_error(channel.peer, str(exc), datetime.now(UTC))
                return
            decision = self.logic.handle_bytes(payload, now=datetime.now(UTC), peer=channel.peer)
            if decision.outcome is Outcome.DISCONNECT:
                log.info("rule %s: disconnecting %s", decision.rule, channel.peer)
                return
            if not decision.sends:
                continue
            if self.cable_pulled:
                log.info("cable pulled: the answer to %s is lost", channel.peer)
                continue
            if decision.delay:
                await asyncio.sleep(decision.delay)
            assert decision.response_bytes is not None
            try:
                await channel.send(decision.response_bytes)
            except ChannelError as exc:
                log.warning("response to %s not delivered: %s", channel.peer, exc)
                return
