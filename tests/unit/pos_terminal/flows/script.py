"""A scripted driver for the sans-I/O flows (pos_terminal.flows): answers come from a list, in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from iso8583.message import Message
from pos_terminal.common.failures import CommunicationFailure, FailureKind, HostUnreachable
from pos_terminal.common.effects import Connect, Drop, NeedKeys, Send, Step
from pos_terminal.flows.memory import MemoryState
from pos_terminal.state.passwords import hash_password
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnType
from protocols.iso87 import response_mti
from protocols.security import KeyScheme, MessageKeys

T = TypeVar("T")
KEYS = MessageKeys(KeyScheme.MKSK, bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)))
MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FINGERPRINT = "0" * 64


def lost() -> CommunicationFailure:
    """The request left; no answer came."""
    return CommunicationFailure("no response: timed out", FailureKind.NO_RESPONSE)


def unreachable() -> HostUnreachable:
    return HostUnreachable("host unreachable: connection refused")


def answer(request: Message, code: str) -> Message:
    """The host's answer to ``request`` with response code ``code``."""
    return Message(response_mti(request.mti), {11: request.get(11), 39: code, 37: "000000000042"})


@dataclass
class Script:
    """Plays the world: each send takes the next scripted reply, a response code or a failure to throw."""

    replies: list[str | Exception]
    sent: list[Send] = field(default_factory=list)

    def run(self, flow: Step[T]) -> T:
        result: Any = None
        failure: Exception | None = None
        while True:
            try:
                effect = flow.throw(failure) if failure is not None else flow.send(result)
            except StopIteration as finished:
                return finished.value
            result, failure = None, None
            if isinstance(effect, NeedKeys):
                result = KEYS
            elif isinstance(effect, Connect):
                result = "connection"
            elif isinstance(effect, Send):
                self.sent.append(effect)
                reply = self.replies.pop(0)
                if isinstance(reply, Exception):
                    failure = reply
                else:
                    result = answer(effect.request, reply)
            else:
                assert isinstance(effect, Drop)

    @property
    def mtis(self) -> list[str]:
        return [send.request.mti for send in self.sent]


def config(**changes: object) -> TerminalConfig:
    return TerminalConfig(supervisor_password_hash=hash_password("0000", iterations=1), **changes)


def new_sale(amount: int = 1000) -> NewTransaction:
    return NewTransaction(TxnType.SALE, amount, "840", "476173******0010", FINGERPRINT, "visa", "chip",
                          None, None, "000000", "0200")


def new_refund(original: TransactionRecord, amount: int = 500, mti: str = "0200") -> NewTransaction:
    return NewTransaction(TxnType.REFUND, amount, original.currency, "476173******0010", FINGERPRINT, "visa",
                          "chip", original.id, None, "200000", mti)


def memory() -> MemoryState:
    """A fresh in-memory state whose next STAN is 000101."""
    return MemoryState(lambda: MOMENT, first_stan=100)


def scripted(*replies: str | Exception) -> Script:
    return Script(list(replies))


def built(record: TransactionRecord, keys: MessageKeys) -> Message:
    """A stand-in for the profile's financial request: what the flows need of it is its MTI and STAN."""
    return Message(record.mti, {3: record.processing_code, 11: f"{record.stan:06d}", 4: f"{record.amount:012d}"})

