"""The toy network's terminal profile: every protocol question the engine asks, answered the toy's way."""

from __future__ import annotations

from datetime import datetime

from iso8583 import Dialect, Message
from keys.errors import MacVerificationError
from pos_terminal.common.failures import TerminalRefusal
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.profiles.base import (
    EngineLink,
    FinancialContext,
    HostAnswer,
    NetworkKind,
    ProtocolProfile,
    Reconciliation,
)
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.state.records import MessageDirection, TransactionRecord, TxnType
from protocols.iso87 import BatchTotals, original_data_elements, transmission_datetime
from protocols.security import KeyScheme, MessageKeys
from tests.e2e.toy_network import NAME
from tests.e2e.toy_network.contract import REFUND, SALE, TOY_KEY, mac_ok, with_mac


def _text(message: Message, number: int) -> str | None:
    value = message.get(number)
    return value if isinstance(value, str) and value.strip() else None


class ToyProfile(ProtocolProfile):
    """The toy network (tests.e2e.toy_network): own MAC, no sign-on, no voids, the original's RRN in DE 37."""

    name = NAME

    def signed_on(self, keyring: TerminalKeyring, scheme: KeyScheme) -> bool:
        return True  # no key exchange: the toy key is fixed

    def message_keys(self, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect) -> MessageKeys:
        return MessageKeys(scheme, TOY_KEY, TOY_KEY, TOY_KEY)

    def supports_network(self, kind: NetworkKind) -> bool:
        return kind is NetworkKind.ECHO

    def network_protection(self, kind: NetworkKind, keyring: TerminalKeyring, scheme: KeyScheme,
                           dialect: Dialect) -> tuple[MessageKeys | None, bool, dict[str, str] | None]:
        return self.message_keys(keyring, scheme, dialect), True, None  # an echo carries the toy MAC too

    def network_request(self, kind: NetworkKind, stan: int, now: datetime, config: TerminalConfig, batch: int,
                        additional: dict[str, str] | None = None) -> Message:
        return Message("0800", {7: transmission_datetime(now), 11: f"{stan:06d}", 41: config.terminal_id,
                                42: config.merchant_id, 70: "301"})

    def accept_network_answer(self, kind: NetworkKind, response: Message, keyring: TerminalKeyring,
                              scheme: KeyScheme) -> None:
        return None

    def request_mti(self, kind: TxnType) -> str:
        return "0200"

    def processing_code(self, kind: TxnType, original: TransactionRecord | None) -> str:
        if kind is TxnType.SALE:
            return SALE
        if kind is TxnType.REFUND:
            return REFUND
        raise TerminalRefusal("the toy network has no voids", ("NOT SUPPORTED",))

    def reverses(self, kind: TxnType) -> bool:
        return True

    def financial_request(self, context: FinancialContext) -> Message:
        record, config = context.record, context.config
        fields: dict[int, str | bytes] = {
            3: record.processing_code, 4: f"{record.amount:012d}", 7: transmission_datetime(record.transmitted_at),
            11: f"{record.stan:06d}", 41: config.terminal_id, 42: config.merchant_id, 49: record.currency,
        }
        if context.card is not None:
            fields[2] = context.card.pan
        if record.txn_type is TxnType.REFUND:
            rrn = context.original.rrn if context.original is not None else context.original_rrn
            if not rrn:
                raise TerminalRefusal("a toy refund names its original sale by RRN", ("ORIGINAL NEEDED",))
            fields[37] = rrn
        return Message("0200", fields)

    def reversal_request(self, record: TransactionRecord, original: TransactionRecord | None,
                         config: TerminalConfig, keys: MessageKeys, *, repeat: bool, reason: str) -> Message:
        return Message("0401" if repeat else "0400", {
            3: record.processing_code, 4: f"{record.amount:012d}", 7: transmission_datetime(record.transmitted_at),
            11: f"{record.stan:06d}", 41: config.terminal_id, 42: config.merchant_id, 49: record.currency,
            90: original_data_elements("0200", record.stan, record.transmitted_at),
        })

    def read_answer(self, response: Message) -> HostAnswer:
        return HostAnswer(str(response[39]), _text(response, 37), _text(response, 38))

    def sign(self, message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
        return with_mac(message, dialect)

    def verify_answer(self, response: Message, raw: bytes, dialect: Dialect, keys: MessageKeys) -> None:
        if not mac_ok(response, dialect):
            raise MacVerificationError("toy MAC (DE 64) of the answer does not verify")

    def observe(self, direction: MessageDirection, message: Message, raw: bytes, dialect: Dialect,
                keys: MessageKeys | None) -> ExchangeRecord:
        return ExchangeRecord(direction, message, raw, mac_ok(message, dialect) if 64 in message else None)

    def reconcile(self, engine: EngineLink, batch: int, totals: BatchTotals) -> Step[Reconciliation]:
        """A bare 0500 (the toy host closes any batch): no totals, no upload."""
        keys = yield NeedKeys()
        request = Message("0500", {7: transmission_datetime(engine.now()), 11: f"{engine.journal.next_stan():06d}",
                                   41: engine.config.terminal_id, 42: engine.config.merchant_id})
        code = str((yield Send(request, keys, None, "settlement"))[39])
        return Reconciliation(code, self.is_approved(code), uploaded=False)
