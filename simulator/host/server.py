"""The host emulator on the wire: :class:`HostLogic` behind :mod:`iso8583.channels`, TCP or serial.

One task per connection (the channels' servers provide it): receive a message, let the logic
decide, then answer (after the rule's delay), stay silent, or hang up. Nothing a peer sends
ends the server: the logic answers malformed messages with 30 or drops them, a broken frame
ends that connection only, and the serial port is reopened after a failure.

What one peer may cost the host is bounded by ``config.limits`` (``[limits]`` in host.toml,
docs/host-limits.md), enforced by the channels' servers: a connection cap, idle and
partial-frame timeouts, a frame rate and bytes in flight per connection, and frames no larger
than the dialect's largest message. Connections take turns, one request at a time. Empty
frames and connections closed for a limit never reach the logic, so they cost no journal row;
link errors are journaled at most once per interval, with the count of the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from iso8583 import Dialect
from iso8583.channels import (
    BaseChannel,
    ChannelClosed,
    ChannelError,
    EventLog,
    Server,
    ServerLimits,
    serve,
)
from iso8583.dialect import BitmapEncoding, Encoding, prefix_width
from iso8583.tpdu import TPDU_LENGTH
from simulator.host.committer import GroupCommitter
from simulator.host.config import HostConfig
from simulator.host.decision import Delivery, HostDecision
from simulator.host.logic import HostLogic
from simulator.host.rules import RuleSet

log = logging.getLogger(__name__)


def max_message_length(dialect: Dialect) -> int:
    """The most bytes one message of ``dialect`` can take: header, MTI, both bitmaps, every field full."""
    mti = 2 if dialect.mti_encoding is Encoding.BCD else 4
    bitmap = 8 if dialect.bitmap_encoding is BitmapEncoding.BINARY else 16
    fields = sum(prefix_width(spec.length_kind, spec.length_encoding) + spec.max_encoded_length()
                 for spec in dialect.fields.values())
    return dialect.header_length + mti + 2 * bitmap + fields


def frame_limits(limits: ServerLimits, dialect: Dialect) -> ServerLimits:
    """``limits`` with the frame-size bound set to the dialect's largest message (plus room for a
    TPDU framing's header), unless a smaller one is set already."""
    largest = max_message_length(dialect) + TPDU_LENGTH
    if limits.max_frame_size and limits.max_frame_size <= largest:
        return limits
    return replace(limits, max_frame_size=largest)


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
        self.events = EventLog(log)
        """Limit events of this host's connections, logged at most once per class per interval."""
        self._journal_gate = EventLog(log)  # admits one journaled link error per interval
        self.committer = GroupCommitter(self.logic)
        """Requests are processed in groups on the event loop and each group committed on a thread of its own
        (simulator.host.committer)."""
        self.url: str | None = None
        self.cable_pulled = False
        """Fault switch of the embedded host (``possim run``): while True, requests still reach the host
        and are processed, but every answer is lost on the way back, the case that makes a terminal reverse."""
        self.observer: Callable[[bytes, HostDecision, str, float], None] | None = None
        """Told of every decided request (its bytes, the decision, the peer, seconds to the durable decision) on
        the event loop: the HTTP console's metrics and live stream (:mod:`simulator.host.console`). Must not block."""

    @property
    def connection_count(self) -> int:
        """Connections served right now (TCP; a serial port counts as one)."""
        return int(getattr(self._server, "connection_count", 1 if self._server is not None else 0))

    async def start(self) -> str:
        """Start listening; return the real URL (port 0 becomes the bound port)."""
        limits = frame_limits(self.config.limits, self.logic.dialect)
        self.committer.start()
        self._server = await serve(self.listen, self._serve_channel, limits=limits, events=self.events)
        self.url = self._server.url
        log.info("host emulator listening on %s (dialect %s)", self.url, self.logic.dialect.name)
        return self.url

    async def stop(self) -> None:
        """Stop listening, end every connection and close the journal."""
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()
        await self.committer.stop()
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
                payload = await channel.receive(None)  # no timeout of its own: the server's idle timeout ends it
            except ChannelClosed:  # the peer left, or a limit closed it (LimitExceeded, already logged)
                return
            except ChannelError as exc:  # a broken frame: this connection has lost sync, the server carries on
                await self._link_error(channel.peer, exc)
                return
            started = time.perf_counter()
            decision = await self.committer.handle(payload, now=datetime.now(UTC), peer=channel.peer)
            if self.observer is not None:
                self.observer(payload, decision, channel.peer, time.perf_counter() - started)
            if decision.outcome is Delivery.DISCONNECT:
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
                self.events.report("undelivered response", "response to %s not delivered: %s", channel.peer, exc)
                return

    async def _link_error(self, peer: str, error: ChannelError) -> None:
        """Journal a link error, at most one per interval: a peer that reconnects to send broken frames
        again and again must not grow the journal without bound. The next one journaled counts the others."""
        skipped = self._journal_gate.admit("link error")
        if skipped is None:
            return
        reason = str(error) + (f" ({skipped} more link error(s) since the last one journaled)" if skipped else "")
        now = datetime.now(UTC)
        await self.committer.call(lambda: self.logic.record_link_error(peer, reason, now))
