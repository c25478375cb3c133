"""What a flow asks of its driver: the keys of the next request, a connection, one exchange.

A flow yields one of these and is resumed with the result (``send``), or has the failure thrown into it
(``throw``): a :class:`~pos_terminal.common.failures.CommunicationFailure` whose ``kind`` says whether the
request may have reached the host. The driver does the I/O and everything per message that is not a
decision: signing, encoding, journaling or timing each message, decoding and checking the answer
(:meth:`~pos_terminal.profiles.base.ProtocolProfile.check_answer`, the MAC).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from iso8583.message import Message
from protocols.security import MessageKeys

T = TypeVar("T")


@dataclass(frozen=True)
class NeedKeys:
    """The keys of the next request; the driver signs on first when the protocol has no working keys
    (a failed sign-on is thrown as SIGN_ON_FAILED). Resumed with :class:`~protocols.security.MessageKeys`."""


@dataclass(frozen=True)
class Connect:
    """A connection to the host, open before anything is journaled (a host that cannot be reached is thrown
    as :class:`~pos_terminal.common.failures.HostUnreachable`). Resumed with an opaque handle for
    :attr:`Send.connection` (a driver that connects on its first send resumes with None)."""


@dataclass(frozen=True)
class Send:
    """One exchange: ``request`` signed with ``keys`` (None: unsigned), its answer checked and, when
    ``verify``, its MAC verified. Resumed with the answer; a failure is thrown."""

    request: Message = field(repr=False)
    keys: MessageKeys | None = field(repr=False)
    txn_id: int | None
    """The journal id the message rows belong to (None: no transaction)."""
    operation: str
    """What is sent, for reports: ``sale``, ``refund``, ``void``, ``reversal``, ``advice``..."""
    accept: Callable[[str], bool] | None = field(default=None, repr=False, compare=False)
    """The response codes the flow hopes for (reports count the others as errors); None: approvals."""
    connection: Any = field(default=None, repr=False, compare=False)
    """The handle from :class:`Connect` to send on (None: the driver's own)."""
    defer_answer: bool = False
    """The answer's message row may ride with the flow's next journal commit (the one that records it)."""
    verify: bool = True


@dataclass(frozen=True)
class Drop:
    """Done with ``connection`` after a failure: never reuse it (a late answer on it could be taken for the
    answer to the next request). Resumed with None."""

    connection: Any = field(repr=False, compare=False)


Effect = NeedKeys | Connect | Send | Drop
Step = Generator[Effect, Any, T]
"""A flow: yields effects, is resumed with their results, returns ``T``."""


@dataclass(frozen=True)
class Finished:
    """A flow's end: what it returned."""

    value: Any


def advance(flow: Step[T], result: Any, failure: BaseException | None) -> Effect | Finished:
    """One step of a driver's loop: resume ``flow`` with ``result`` (or throw ``failure`` into it) and return the
    next effect it asks for, or :class:`Finished` with its return value. The engine (async) and the light load
    terminal (a generator) each perform the effect their way and call this again."""
    try:
        return flow.throw(failure) if failure is not None else flow.send(result)
    except StopIteration as finished:
        return Finished(finished.value)
