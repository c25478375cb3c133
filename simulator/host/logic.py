"""The acquirer host emulator's decisions, without I/O: one request in, one :class:`HostDecision` out.

:class:`HostLogic` is the host as the server and the tests see it: it builds the shared services
(:class:`~simulator.host.services.HostServices`: journal, ledger, key ring, cards, rules), the
protocol of its dialect (``dialect.protocol``, from a
:class:`~simulator.host.protocols.registry.HostProtocolRegistry`) and the one pipeline both run
through (:class:`~simulator.host.pipeline.HostPipeline`, which documents the steps). Which codes
a network answers is its protocol's business: :mod:`simulator.host.protocols.possim87`,
:mod:`simulator.host.protocols.cup`.
"""

from __future__ import annotations

from datetime import date, datetime

from iso8583 import Message
from simulator.host.cards import CardDirectory
from simulator.host.config import HostConfig
from simulator.host.decision import HostDecision
from simulator.host.journal import HostJournal
from simulator.host.pipeline import HostPipeline
from simulator.host.protocols.base import HostProtocol
from simulator.host.protocols.registry import HostProtocolRegistry, default_host_protocols
from simulator.host.rules import RuleSet
from simulator.host.services import HostServices

__all__ = ["HostLogic"]


class HostLogic:
    """The host's rules over one journal, one key ring and one card directory (sans I/O).

    ``protocols`` chooses the protocol of ``config.dialect`` by its ``protocol`` name (default:
    :func:`~simulator.host.protocols.registry.default_host_protocols`); an unknown name raises
    :class:`~simulator.host.protocols.registry.UnknownHostProtocol`.
    """

    def __init__(
        self,
        config: HostConfig,
        *,
        rules: RuleSet | None = None,
        journal: HostJournal | None = None,
        cards: CardDirectory | None = None,
        protocols: HostProtocolRegistry | None = None,
    ) -> None:
        self.services = HostServices(config, rules=rules, journal=journal, cards=cards)
        try:
            self.protocol: HostProtocol = (protocols or default_host_protocols()).create(
                self.services.dialect.protocol, self.services)
        except BaseException:
            self.services.close()
            raise
        self.pipeline = HostPipeline(self.services, self.protocol)
        self.config = config
        self.dialect = self.services.dialect
        self.journal = self.services.journal
        self.keyring = self.services.keyring
        self.cards = self.services.cards
        self.rules = self.services.rules
        self.events = self.services.events

    def close(self) -> None:
        """Close the journal."""
        self.services.close()

    def handle_bytes(self, data: bytes, *, now: datetime, peer: str) -> HostDecision:
        """Decode one received message and handle it (:meth:`HostPipeline.handle_bytes`)."""
        return self.pipeline.handle_bytes(data, now=now, peer=peer)

    def handle(self, request: Message, *, now: datetime, peer: str, frame: bytes | None = None) -> HostDecision:
        """The decision for one decoded request; never raises (:meth:`HostPipeline.handle`)."""
        return self.pipeline.handle(request, now=now, peer=peer, frame=frame)

    def answer_system_malfunction(self, data: bytes, now: datetime) -> HostDecision:
        """96 for a request whose journal commit failed (:meth:`HostPipeline.answer_system_malfunction`)."""
        return self.pipeline.answer_system_malfunction(data, now)

    def record_link_error(self, peer: str, reason: str, now: datetime) -> None:
        """Journal a frame that could not be cut out of the byte stream (the connection ends)."""
        self.pipeline.record_link_error(peer, reason, now)

    def business_date(self, now: datetime) -> date:
        """The host's business date (the UTC date, moved by ``possim host advance-date``)."""
        return self.services.business_date(now)
