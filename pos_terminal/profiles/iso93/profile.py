"""The iso93 network on the terminal: possim's protocol in ISO 8583:1993 messages (docs/protocol.md).

The keys, MACs and possim's DE 63 items are possim-87's (the profile extends
:class:`~pos_terminal.profiles.possim87.profile.Possim87Profile`); what 1993 changes is here: 1xxx MTIs,
DE 24 function codes, DE 25 reason codes, DE 56 naming an original, DE 12 and DE 22 in their 1993 forms,
and DE 39 action codes, read through :func:`protocols.iso93.meaning` so the journal, the display and the
scenario library see one set of meanings. A void is a 1420 (DE 25 4000): as a reversal is never itself
reversed, a void that gets no answer is repeated as a 1421 (within the run and after a restart) until answered.
"""

from __future__ import annotations

from datetime import datetime

from iso8583.message import Message
from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.common.failures import CommunicationFailure, FailureKind, TerminalRefusal
from pos_terminal.output.batch_totals import batch_entries
from pos_terminal.profiles.base import EngineLink, FinancialContext, HostAnswer, NetworkKind, Reconciliation
from pos_terminal.profiles.iso93 import messages
from pos_terminal.profiles.possim87.profile import (
    ADVICE_FINAL_CODES,
    Possim87Profile,
    original_reference,
    with_ksn,
)
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TransactionRecord, TxnType
from protocols.iso87 import BatchTotals, ResponseCode, TotalsKind
from protocols.iso93 import FunctionCode, Mti93, ReasonCode, meaning, response_mti
from protocols.possim87.additional_data import AdditionalTag
from protocols.security import MessageKeys

NAME = "iso93"
_FUNCTIONS = {NetworkKind.SIGN_ON: FunctionCode.SIGN_ON, NetworkKind.ECHO: FunctionCode.ECHO_TEST}


class Iso93Profile(Possim87Profile):
    """docs/protocol.md, "The iso93 profile": the protocol of the ``iso93binary`` and ``iso93ebcdic`` dialects."""

    name = NAME

    # ------------------------------------------------------------------ what the action codes mean

    def response_code(self, response: Message) -> str:
        """The two-digit meaning of the answer's action code (``400`` accepted reversal: ``00``)."""
        return meaning(str(response[39]))

    def is_approved(self, response_code: str) -> bool:
        return meaning(response_code) == ResponseCode.APPROVED

    def reversal_cleared(self, response_code: str) -> bool:
        return meaning(response_code) in (ResponseCode.APPROVED, ResponseCode.ORIGINAL_NOT_FOUND)

    def reversal_refused(self, response_code: str) -> bool:
        return meaning(response_code) == ResponseCode.INVALID_TRANSACTION

    def asks_new_sign_on(self, response_code: str) -> bool:
        """916-918 (MAC incorrect, MAC key out of sync, no keys): sign on again."""
        return meaning(response_code) == ResponseCode.SECURITY_VIOLATION

    def advice_final(self, response_code: str) -> bool:
        return meaning(response_code) in ADVICE_FINAL_CODES

    # ------------------------------------------------------------------ network management

    def network_request(self, kind: NetworkKind, stan: int, now: datetime, config: TerminalConfig, batch: int,
                        additional: dict[str, str] | None = None) -> Message:
        if kind not in _FUNCTIONS:
            raise TerminalRefusal(f"the {NAME} protocol has no {kind.value}", ("NOT SUPPORTED",))
        return messages.network_request(_FUNCTIONS[kind], stan, now, config, additional)

    def supports_network(self, kind: NetworkKind) -> bool:
        return kind in _FUNCTIONS

    # ------------------------------------------------------------------ financial requests

    def request_mti(self, kind: TxnType) -> str:
        return (Mti93.REVERSAL_ADVICE if kind is TxnType.VOID else Mti93.FINANCIAL_REQUEST).value

    def reverses(self, kind: TxnType) -> bool:
        """Sales and refunds are reversed; a void (a 1420) is repeated: a reversal is never reversed."""
        return kind is not TxnType.VOID

    def financial_request(self, context: FinancialContext) -> Message:
        record, keys = context.record, context.keys
        if record.txn_type is TxnType.VOID:
            if context.original is None:
                raise TerminalRefusal("a void names its original, which is not in the journal", ("NO ORIGINAL",))
            return messages.void_request(record, context.original, context.config, repeat=False,
                                         items=with_ksn(keys))
        items: dict[str, str] = {}
        if record.txn_type is TxnType.REFUND:
            if context.original is None:  # typed by the cashier: possim's DE 63 OR / OD
                items = original_reference(None, context.original_rrn, context.original_date)
            if context.reason:
                items[AdditionalTag.REASON] = context.reason
        return messages.financial_request(record, context.config, context.card, pin_block=context.pin_block,
                                          icc_data=context.icc_data, original=context.original,
                                          items=with_ksn(keys, items))

    def repeat_request(self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
                       keys: MessageKeys) -> Message:
        """A void rebuilt from the journal after a restart: 1421, same STAN and content."""
        if original is None:
            raise TerminalRefusal("the void's original is not in the journal", ("NO ORIGINAL",))
        return messages.void_request(record, original, config, repeat=True, items=with_ksn(keys))

    def resend_request(self, sent: Message, record: TransactionRecord, original: TransactionRecord | None,
                       config: TerminalConfig, keys: MessageKeys) -> Message:
        """A void sent again within the run is a 1421 (ISO 8583:1993: a repeated advice sets the origin's repeat
        bit), as after a restart: same STAN, DE 7 / DE 12 (the record's clock reading), DE 56; the MAC is
        computed over the 1421 as sent. Anything else goes out as ``sent``."""
        if record.txn_type is not TxnType.VOID:
            return sent
        return self.repeat_request(record, original, config, keys)

    def reversal_request(self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
                         keys: MessageKeys, *, repeat: bool, reason: str) -> Message:
        """1420 (1421 when repeated), DE 24 = 400, DE 56 naming ``record``, DE 25 the reason."""
        return messages.reversal_request(record, config, repeat=repeat, reason=reason, items=with_ksn(keys))

    def reversal_reason(self, failure: BaseException | None) -> str:
        """DE 25: 4021 no answer (and after a restart), 4020 an answer refused (invalid response: garbled, MAC, not the request's)."""
        if isinstance(failure, CommunicationFailure) and failure.kind is not FailureKind.NO_RESPONSE:
            return ReasonCode.INVALID_RESPONSE.value
        return ReasonCode.TIMEOUT.value

    def read_answer(self, response: Message) -> HostAnswer:
        """The action code's meaning, with the code itself kept in ``host_data["action_code"]``."""
        answer = super().read_answer(response)
        code = str(response[39])
        return HostAnswer(meaning(code), answer.rrn, answer.auth_code, {**answer.host_data, "action_code": code})

    def advice_request(self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
                       keys: MessageKeys, *, repeat: bool) -> Message:
        """1220 (1221 repeated): DE 56 the original, DE 63 OF the offline approval code and RC the reason."""
        items: dict[str, str] = {AdditionalTag.OFFLINE_APPROVAL: record.auth_code or ""}
        if record.reason_code:
            items[AdditionalTag.REASON] = record.reason_code
        return messages.advice_request(record, original, config, repeat=repeat, items=with_ksn(keys, items))

    def status_inquiry_request(self, stan: int, now: datetime, record: TransactionRecord, config: TerminalConfig,
                               keys: MessageKeys) -> Message:
        return messages.status_inquiry_request(stan, now, record.rrn or "", config, with_ksn(keys))

    answer_code_name = "action code"

    def answer_mti(self, request_mti: str) -> str:
        """The 1993 answer class: 1804 -> 1814, 1200 -> 1210, 1420/1421 -> 1430."""
        return response_mti(request_mti)

    # ------------------------------------------------------------------ settlement

    def reconcile(self, engine: EngineLink, batch: int, totals: BatchTotals) -> Step[Reconciliation]:
        """1520 with the totals; on 501 (out of balance) every sale and refund of the batch is uploaded (1320)
        and the batch reconciled again with DE 3 960000. Closed on 500."""
        code = yield from _send_reconciliation(engine, batch, totals, after_upload=False)
        uploaded = meaning(code) == ResponseCode.RECONCILIATION_ERROR
        if uploaded:
            yield from _upload_batch(engine, batch)
            code = yield from _send_reconciliation(engine, batch, totals, after_upload=True)
        return Reconciliation(meaning(code), self.is_approved(code), uploaded)


def _send_reconciliation(engine: EngineLink, batch: int, totals: BatchTotals, *, after_upload: bool) -> Step[str]:
    keys = yield NeedKeys()
    request = messages.reconciliation_request(engine.journal.next_stan(), engine.now(), batch, totals.to_fields(),
                                              engine.config, after_upload=after_upload, items=with_ksn(keys))
    return str((yield Send(request, keys, None, "settlement"))[39])


def _upload_batch(engine: EngineLink, batch: int) -> Step[None]:
    """1320 for every approved sale and refund of the batch; each must be answered 000."""
    for record, kind in batch_entries(engine.journal, batch):
        if kind not in (TotalsKind.DEBIT, TotalsKind.CREDIT):
            continue
        keys = yield NeedKeys()
        items = {AdditionalTag.VOIDED: "1" if record.is_voided else "0"}
        request = messages.batch_upload_request(record, engine.config, with_ksn(keys, items))
        response = yield Send(request, keys, record.id, "upload")
        if meaning(str(response[39])) != ResponseCode.APPROVED:
            raise CommunicationFailure(f"batch upload of invoice {record.invoice:06d} refused: {response[39]}",
                                       FailureKind.NOT_APPLIED)
