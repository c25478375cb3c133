"""How a payment network plugs into the host emulator: the :class:`HostProtocol` steps.

The host runs every request through one skeleton, :class:`simulator.host.pipeline.HostPipeline`
(docs/protocol.md, "Repeats, retransmissions and reversals that overtake", "Security", "Response
codes"). What differs from network to network is a :class:`HostProtocol`, chosen by the dialect's
``protocol`` name (``possim-87``, ``cup-pos``, or a TOML dialect's ``protocol = "..."``) from a
:class:`~simulator.host.protocols.registry.HostProtocolRegistry`. A protocol gets the host's
shared :class:`~simulator.host.services.HostServices` (journal, ledger, key ring, cards, rules,
business date, post-commit effects) and implements the steps below. The pipeline does the rest
itself: it journals every message in and out, matches the scripted rules, refuses an MTI that is
not a request's or a request without DE 11 (30), answers a FormatError 30 and any other fault 96,
and applies the delay / drop / disconnect / corrupt_mac rules to the answer. The steps, in the
order the pipeline calls them:

1. **identify** (:meth:`HostProtocol.identify`): find the terminal (DE 41/42) and the keys that
   protect this request; set ``exchange.terminal`` / ``exchange.keys`` (and ``exchange.kind``,
   the protocol's own reading of the request); return a refusal code (03 unknown terminal) or
   None. A malformed field raises :class:`~simulator.host.exchange.FormatError` (answered 30).
2. **handling** (:meth:`HostProtocol.handling`): which path the request takes: refused as an
   unknown transaction (12), ``OPEN`` (answered without a MAC check or stored response: network
   management, a batch), ``VERIFIED`` (MAC checked, answer not stored) or ``STORED`` (MAC checked,
   retransmissions recognised, the answer stored: everything that moves money).
3. **verify** (:meth:`HostProtocol.verify`): the request MAC over the bytes as received
   (``exchange.frame``), under ``exchange.keys``; when it fails, or there are no keys, the answer
   is :meth:`HostProtocol.security_refusal` (possim-87: 63; cup-pos: A0, sign on again). A
   network without MACs returns True.
4. **repeat key and duplicate digest** (:meth:`HostProtocol.repeat_key`, :meth:`HostProtocol.digest`):
   what identifies a retransmission (terminal, STAN, possim-87 DE 7 or cup-pos batch, response
   MTI) and a keyed digest of what a retransmission must repeat. The pipeline resends the stored
   answer for a true repeat (no second movement of money), answers 94 to the same key with other
   content, and 94 to a request whose reversal came first.
5. **dispatch** (:meth:`HostProtocol.dispatch`): the protocol's handlers (network, financial,
   batch...) build the unsigned answer; what they journal (the transaction, its ledger moves via
   ``services.ledger``) commits with the stored answer or not at all.
6. **sign** (:meth:`HostProtocol.sign`): MAC (when the keys are known and the protocol wants it)
   and encode the answer into a :class:`~simulator.host.decision.HostDecision`.

And two answers outside the normal path: :meth:`HostProtocol.error_answer` (30 to a request that
does not make sense, 96 to one the host failed on) and :meth:`HostProtocol.scripted` (the fixed
answer of a ``respond`` rule: journaled and stored, no money moves).

State outside SQLite (keys issued at a sign-on, caches of the protocol's own) must change only
through ``services.after_commit`` (or the key ring, which does), never directly: a group commit
that fails must leave none of it (:mod:`simulator.host.effects`).

To add a network: write a dialect (a TOML file with ``protocol = "mynet"``), subclass
:class:`HostProtocol`, and give the host a registry that knows it:
``HostLogic(config, protocols=default_host_protocols().with_protocol("mynet", MyNetHost))``, or
publish the class as an entry point in the group ``possim.host_protocols`` (name: the protocol).
Neither the pipeline nor the terminal engine changes; ``tests/unit/host/test_toy_protocol.py`` is
a complete example (a network without MACs, sales only, in about sixty lines).
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from iso8583 import Dialect, Message
from simulator.host.cards import request_pan
from simulator.host.decision import HostDecision
from simulator.host.exchange import Exchange
from simulator.host.rules import Rule
from simulator.host.services import HostServices

__all__ = ["Handling", "HostProtocol", "RepeatKey"]

MAC_FIELDS = (64, 128)
"""Fields a stored answer loses before it is signed again for a retransmission."""


class Handling(StrEnum):
    """The path an identified request takes through the pipeline (see the module docstring, step 2)."""

    REFUSE = "refuse"
    """Not a transaction this host serves: 12 (invalid transaction)."""
    OPEN = "open"
    """Dispatched without a MAC check or a stored answer (network management, cup-pos batch)."""
    VERIFIED = "verified"
    """MAC checked, then dispatched; the answer is not stored (possim-87 0820 status inquiry)."""
    STORED = "stored"
    """MAC checked, retransmissions recognised, dispatched, the answer stored with what it journaled."""


@dataclass(frozen=True)
class RepeatKey:
    """What identifies a request and its retransmissions in the journal's stored answers."""

    terminal_id: str
    stan: str
    slot: str
    """What tells one day's STAN from another's: possim-87 DE 7, cup-pos the batch number (60.2)."""
    mti_class: str
    """The response MTI (a repeat MTI shares its original's)."""


class HostProtocol(ABC):
    """One network's part of the host (see the module docstring for the steps and their order)."""

    name: ClassVar[str] = ""
    """The protocol name a dialect carries (``Dialect.protocol``)."""

    def __init__(self, services: HostServices) -> None:
        self.services = services

    @property
    def dialect(self) -> Dialect:
        """The host's dialect (its ``protocol`` is this protocol's name)."""
        return self.services.dialect

    def exchange(self, request: Message, now: datetime, frame: bytes | None) -> Exchange:
        """The per-request state the steps fill in (the PAN read from DE 2 or DE 35)."""
        return Exchange(request, now, pan=request_pan(request), frame=frame)

    @abstractmethod
    def identify(self, exchange: Exchange) -> str | None:
        """Step 1: the terminal and its keys into ``exchange``; a refusal code (03) or None."""

    @abstractmethod
    def handling(self, exchange: Exchange) -> Handling:
        """Step 2: the path of an identified request."""

    @abstractmethod
    def verify(self, exchange: Exchange) -> bool:
        """Step 3: True when the request MAC verifies under ``exchange.keys``; False without keys or when it fails."""

    @abstractmethod
    def security_refusal(self, exchange: Exchange) -> Message:
        """The answer when the request has no keys or its MAC fails.

        Set ``exchange.sign`` False to leave it unsigned (cup-pos: the terminal's keys are not trusted).
        """

    @abstractmethod
    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        """Step 4: what identifies the request and its retransmissions."""

    @abstractmethod
    def digest(self, request: Message) -> str:
        """Step 4: a keyed digest (``services.keyring.keyed_digest``) of what a retransmission must repeat."""

    @abstractmethod
    def dispatch(self, exchange: Exchange) -> Message:
        """Step 5: handle the request (journal it, move money) and return the unsigned answer."""

    @abstractmethod
    def answer(self, exchange: Exchange, code: str) -> Message:
        """The unsigned answer with response code ``code`` and nothing else of substance (12, 63, 94...)."""

    @abstractmethod
    def sign(self, exchange: Exchange, response: Message) -> HostDecision:
        """Step 6: MAC ``response`` when ``exchange.sign`` and the keys allow, encode it once."""

    @abstractmethod
    def error_answer(self, request: Message, now: datetime, code: str) -> HostDecision:
        """``code`` (30, 96) to ``request`` (an MTI of a request's), echoing what identifies it; may raise."""

    @abstractmethod
    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        """The fixed answer ``code`` of a ``respond`` rule: no processing, no money; journaled and stored."""

    def same_request(self, stored_digest: str, digest: str) -> bool:
        """Step 4: True when a request of digest ``digest`` repeats the one stored with ``stored_digest``.

        Default: the digests are equal (compared in constant time). A protocol whose repeats may
        leave out part of the first request (cup-pos: a refund repeated after a restart carries no
        card data) overrides it.
        """
        return hmac.compare_digest(stored_digest, digest)

    def unsigned(self, previous: Message) -> Message:
        """A stored answer without its MAC, to be signed again with this request's keys.

        A DUKPT repeat carries a new KSN: the first answer's MAC would not verify under its keys.
        """
        return replace(previous, fields={n: v for n, v in previous.fields.items() if n not in MAC_FIELDS})

    def store(self, key: RepeatKey, digest: str, decision: HostDecision, now: datetime) -> None:
        """Keep ``decision``'s bytes as the answer retransmissions of ``key`` get."""
        assert decision.response_bytes is not None
        self.services.journal.store_response(
            terminal_id=key.terminal_id, stan=key.stan, transmission_time=key.slot, mti_class=key.mti_class,
            request_digest=digest, response=decision.response_bytes, time=now,
        )
