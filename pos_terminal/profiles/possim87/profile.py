"""The possim ISO 8583:1987 protocol (docs/protocol.md): every dialect but ``cup-pos``.

Requests are built by :mod:`pos_terminal.profiles.possim87.messages` with the DE 63 tags of docs/protocol.md,
MACed by :mod:`protocols.security` (X9.19 or AES-CMAC by key scheme); sign-on delivers TR-31
session key blocks under the TMK; every failed sale, refund or void is reversed (0400, 0401);
settlement sends the totals in DE 74-77 / 86-89 and, on 95, uploads the batch and settles again.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from iso8583.dialect import Dialect
from iso8583.message import Message
from keys.errors import CryptoError
from keys.kcv import kcv_tdes
from keys.tr31 import unwrap
from pos_terminal.profiles.possim87 import messages
from pos_terminal.state.cards import PresentedCard
from pos_terminal.state.config import TerminalConfig
from pos_terminal.common.failures import CommunicationFailure, FailureKind, TerminalRefusal
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.common.observe import ExchangeRecord, observed
from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.profiles.base import (
    EngineLink,
    FinancialContext,
    HostAnswer,
    NetworkKind,
    ProtocolProfile,
    Reconciliation,
)
from protocols.dcc import DccError, DccOffer, decode_rate
from protocols.iso87 import BatchTotals, Mti, NetworkCode, ProcessingCode, ResponseCode, TotalsKind
from protocols.possim87.additional_data import AdditionalDataError, AdditionalTag, additional_data
from pos_terminal.state.records import MessageDirection, TransactionRecord, TxnType
from protocols.security import (
    KeyScheme,
    MessageKeys,
    pin_block_format_for,
    sign_and_encode,
    sign_on_keys,
    sign_request,
    verify_response_frame,
)
from pos_terminal.output.batch_totals import batch_entries, batch_totals_by_currency

NAME = "possim-87"
_NETWORK_CODES = {NetworkKind.SIGN_ON: NetworkCode.SIGN_ON, NetworkKind.ECHO: NetworkCode.ECHO}
_HOST_DATA_TAGS = (
    ("host_status", AdditionalTag.TRANSACTION_STATUS),
    ("credit_channel", AdditionalTag.CREDIT_CHANNEL),
    ("credit_date", AdditionalTag.CREDIT_DATE),
    ("credit_status", AdditionalTag.CREDIT_STATUS),
    ("credit_posted_date", AdditionalTag.POSTED_DATE),
    ("cross_border", AdditionalTag.CROSS_BORDER),
)
"""The DE 63 tags the host reports a transaction's fate with, and their names in ``host_data``."""
OFFLINE_APPROVED = "Y3"
"""The response code of a refund the terminal approved offline (docs/protocol.md, Store-and-forward)."""
ADVICE_FINAL_CODES = frozenset({ResponseCode.APPROVED, ResponseCode.INVALID_TRANSACTION, ResponseCode.INVALID_AMOUNT,
                                ResponseCode.ORIGINAL_NOT_FOUND})
"""The 0230 answers that decide an advice (docs/protocol.md); any other is a failure to apply it: resent."""


def host_status_data(items: dict[str, str]) -> dict[str, str]:
    """The journal's ``host_data`` for the DE 63 items of a response (status words in lower case)."""
    data = {name: items[tag] for name, tag in _HOST_DATA_TAGS if tag in items}
    for name in ("host_status", "credit_status"):
        if name in data:
            data[name] = data[name].lower()
    return data


def dcc_of_answer(response: Message, items: dict[str, str]) -> DccOffer | None:
    """The conversion an answer carries (DE 6, DE 10, DE 51, DE 63 DM/DP); None without all three, or with a
    DE 10 that is no rate (the terminal then keeps the figures it journaled)."""
    billing, rate, currency = (text_field(response, number) for number in (6, 10, 51))
    if billing is None or rate is None or currency is None or not billing.isdigit():
        return None
    try:
        decode_rate(rate)
    except DccError:
        return None
    return DccOffer(currency, int(billing), rate, items.get(AdditionalTag.DCC_MARKUP, ""),
                    items.get(AdditionalTag.DCC_PROVIDER, ""))


def with_ksn(keys: MessageKeys, items: dict[str, str] | None = None) -> dict[str, str]:
    """DE 63 items, plus the KSN for DUKPT."""
    merged = dict(items or {})
    if keys.ksn is not None:
        merged[AdditionalTag.KSN] = keys.ksn.hex().upper()
    return merged


def original_reference(original: TransactionRecord | None, rrn: str | None, local_date: str | None) -> dict[str, str]:
    """DE 63 OR / OD naming a refund's original sale (from the journal, else as the cashier typed it)."""
    if original is not None:
        rrn, local_date = original.rrn, original.transmitted_at.strftime("%m%d")
    if not rrn:
        return {}
    return {AdditionalTag.ORIGINAL_RRN: rrn, AdditionalTag.ORIGINAL_DATE: local_date or ""}


class Possim87Profile(ProtocolProfile):
    """docs/protocol.md: the protocol of the ``terminal87``, ``iso87ascii``, ``iso87binary`` and TOML dialects."""

    name = NAME
    supports_offline_refunds = True
    supports_status_inquiry = True
    supports_dcc = True

    # ------------------------------------------------------------------ keys

    def signed_on(self, keyring: TerminalKeyring, scheme: KeyScheme) -> bool:
        return scheme is not KeyScheme.MKSK or keyring.is_signed_on()

    def message_keys(self, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect) -> MessageKeys:
        return keyring.next_message_keys(scheme, pin_block_format_for(dialect))

    # ------------------------------------------------------------------ network management

    def network_protection(
        self, kind: NetworkKind, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect
    ) -> tuple[MessageKeys | None, bool, dict[str, str] | None]:
        """DUKPT: every request names its KSN (DE 63 KS) and is MACed, answer included. Master/session: a
        sign-on is MACed under the TMK's MAC variant (only the key holder may sign on; docs/protocol.md),
        its 0810 is not (TR-31 authenticates the key blocks); an echo is unsigned."""
        if scheme.is_dukpt:
            keys = keyring.next_message_keys(scheme, pin_block_format_for(dialect))
            return keys, True, with_ksn(keys)
        if kind is NetworkKind.SIGN_ON:
            return sign_on_keys(keyring.terminal_master_key), False, None
        return None, False, None

    def network_request(
        self, kind: NetworkKind, stan: int, now: datetime, config: TerminalConfig, batch: int,
        additional: dict[str, str] | None = None,
    ) -> Message:
        if kind not in _NETWORK_CODES:
            raise TerminalRefusal(f"the {NAME} protocol has no {kind.value}", ("NOT SUPPORTED",))
        return messages.network_request(_NETWORK_CODES[kind], stan, now, config, additional)

    def supports_network(self, kind: NetworkKind) -> bool:
        return kind in _NETWORK_CODES

    def accept_network_answer(
        self, kind: NetworkKind, response: Message, keyring: TerminalKeyring, scheme: KeyScheme
    ) -> None:
        """Sign-on with master/session keys: unwrap the TR-31 blocks under the TMK, check each KCV, keep them."""
        if kind is not NetworkKind.SIGN_ON or scheme is not KeyScheme.MKSK:
            return
        items = additional_data(response)
        tmk = keyring.terminal_master_key
        loaded = {}
        for block_tag, kcv_tag, what in (
            (AdditionalTag.PIN_KEY_BLOCK, AdditionalTag.PIN_KEY_KCV, "PIN key"),
            (AdditionalTag.MAC_KEY_BLOCK, AdditionalTag.MAC_KEY_KCV, "MAC key"),
        ):
            _, key = unwrap(tmk, items[block_tag])
            if kcv_tdes(key).hex().upper() != items[kcv_tag].upper():
                raise CryptoError(f"{what}: check value does not match")
            loaded[what] = key
        keyring.load_session_keys(loaded["PIN key"], loaded["MAC key"])

    # ------------------------------------------------------------------ financial requests

    def request_mti(self, kind: TxnType) -> str:
        return Mti.FINANCIAL_REQUEST.value

    def processing_code(self, kind: TxnType, original: TransactionRecord | None) -> str:
        if kind is TxnType.SALE:
            return ProcessingCode.PURCHASE.value
        if kind is TxnType.REFUND:
            return ProcessingCode.REFUND.value
        voids_sale = original is not None and original.txn_type is TxnType.SALE
        return (ProcessingCode.VOID_SALE if voids_sale else ProcessingCode.VOID_REFUND).value

    def reverses(self, kind: TxnType) -> bool:
        return True

    def financial_request(self, context: FinancialContext) -> Message:
        """0200 with DE 63 OR/OD/RC for a refund, DE 37 = the original's RRN for a void, KS for DUKPT."""
        record = context.record
        items: dict[str, str] = {}
        original_rrn = None
        if record.txn_type is TxnType.REFUND:
            items = original_reference(context.original, context.original_rrn, context.original_date)
            if context.reason:
                items[AdditionalTag.REASON] = context.reason
        elif record.txn_type is TxnType.VOID and context.original is not None:
            original_rrn = context.original.rrn
        return messages.financial_request(
            record, context.config, context.card, pin_block=context.pin_block, icc_data=context.icc_data,
            additional=with_ksn(context.keys, items), original_rrn=original_rrn,
        )

    def reversal_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool, reason: str,
    ) -> Message:
        """0400 (0401 when repeated) with DE 90 naming the original request."""
        return messages.reversal_request(record, config, repeat=repeat, additional=with_ksn(keys))

    def read_answer(self, response: Message) -> HostAnswer:
        items = additional_data(response)
        return HostAnswer(str(response[39]), text_field(response, 37), text_field(response, 38),
                          host_status_data(items), dcc_of_answer(response, items))

    # ------------------------------------------------------------------ store-and-forward and status inquiry

    def advice_final(self, response_code: str) -> bool:
        """00, 12, 13 and 25 decide an advice (docs/protocol.md, Store-and-forward); anything else: resent."""
        return response_code in ADVICE_FINAL_CODES

    def offline_approval(self) -> tuple[str, str]:
        """Y3 (approved offline, EMV's terminal approval) and an approval code Y3nnnn (DE 63 OF of the advice)."""
        return OFFLINE_APPROVED, f"{OFFLINE_APPROVED}{secrets.randbelow(10_000):04d}"

    def advice_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool,
    ) -> Message:
        """0220 (0221 repeated) with DE 63 OR/OD naming the original, OA the offline approval code, RC the reason."""
        items = original_reference(original, None, None)
        items[AdditionalTag.OFFLINE_APPROVAL] = record.auth_code or ""
        if record.reason_code:
            items[AdditionalTag.REASON] = record.reason_code
        return messages.advice_request(record, config, repeat=repeat, additional=with_ksn(keys, items))

    def status_inquiry_request(
        self, stan: int, now: datetime, record: TransactionRecord, config: TerminalConfig, keys: MessageKeys
    ) -> Message:
        """0600 naming the transaction by its RRN (DE 37), KS for DUKPT (docs/protocol.md, Status inquiry)."""
        return messages.status_inquiry_request(stan, now, record.rrn or "", config, with_ksn(keys))

    def rate_inquiry_request(
        self, stan: int, now: datetime, card: PresentedCard, amount: int, currency: str, config: TerminalConfig,
        keys: MessageKeys,
    ) -> Message:
        """0600 / 910000 with the PAN, the amount and its currency, KS for DUKPT (docs/protocol.md, DCC)."""
        return messages.rate_inquiry_request(stan, now, card.pan, amount, currency, config, with_ksn(keys))

    def read_rate_offer(self, response: Message) -> DccOffer:
        """The offer of a 0610/00: DE 6, DE 10, DE 51 and DE 63 DM, DP, DD, DR."""
        try:
            items = additional_data(response)
        except AdditionalDataError as error:
            raise CommunicationFailure(f"rate offer: {error}", FailureKind.GARBLED) from None
        offer = dcc_of_answer(response, items)
        if offer is None:
            raise CommunicationFailure("rate offer without DE 6, DE 10 and DE 51", FailureKind.GARBLED)
        return DccOffer(offer.currency, offer.amount, offer.rate, offer.markup_percent, offer.provider,
                        items.get(AdditionalTag.DCC_RATE_DATE, ""), items.get(AdditionalTag.DCC_REFERENCE_RATE, ""))

    def read_status(self, response: Message) -> dict[str, str]:
        """The DE 63 status tags of a 0610 (TS, CC, CD, CS, PD) as ``host_data``."""
        try:
            return host_status_data(additional_data(response))
        except AdditionalDataError as error:
            raise CommunicationFailure(f"garbled status answer: {error}", FailureKind.GARBLED) from None

    # ------------------------------------------------------------------ message security and checks

    def sign(self, message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
        return sign_request(message, dialect, keys)

    def outgoing_frame(self, message: Message, dialect: Dialect, keys: MessageKeys | None,
                       tpdu: str | None = None) -> tuple[Message, bytes]:
        """Signed and encoded in one encoding: the MAC field is last and fixed-length, so its bytes are written
        over the placeholder's (:func:`protocols.security.sign_and_encode`)."""
        if keys is None:
            return super().outgoing_frame(message, dialect, keys, tpdu)
        if dialect.header_length and not message.header:
            message = replace(message, header=self.request_header(dialect, tpdu))
        return sign_and_encode(message, dialect, keys, response=False)

    def verify_answer(self, response: Message, raw: bytes, dialect: Dialect, keys: MessageKeys) -> None:
        verify_response_frame(raw, response, dialect, keys)  # over the bytes as received, not encoded again

    def observe(
        self, direction: MessageDirection, message: Message, raw: bytes, dialect: Dialect, keys: MessageKeys | None
    ) -> ExchangeRecord:
        return observed(direction, message, raw, dialect, keys)

    # ------------------------------------------------------------------ settlement

    def reconcile(self, engine: EngineLink, batch: int, totals: BatchTotals) -> Step[Reconciliation]:
        """One 0500 per currency of the batch (DE 49, that currency's totals); on 95 every sale and refund of the
        batch is uploaded (0320, each with its DE 49) and each currency that differed settled again with 960000.
        Closed when every currency's answer is 00."""
        by_currency = batch_totals_by_currency(engine.journal, batch) or {engine.config.currency: totals}
        codes = {}
        for currency, part in by_currency.items():
            codes[currency] = yield from _send_settlement(engine, batch, part, currency, after_upload=False)
        uploaded = ResponseCode.RECONCILIATION_ERROR in codes.values()
        if uploaded:
            yield from _upload_batch(engine, batch)
            for currency, code in list(codes.items()):
                if code == ResponseCode.RECONCILIATION_ERROR:
                    codes[currency] = yield from _send_settlement(engine, batch, by_currency[currency], currency,
                                                                  after_upload=True)
        failed = [code for code in codes.values() if not self.is_approved(code)]
        code = failed[0] if failed else ResponseCode.APPROVED
        return Reconciliation(code, not failed, uploaded)


def _send_settlement(engine: EngineLink, batch: int, totals: BatchTotals, currency: str, *,
                     after_upload: bool) -> Step[str]:
    """0500 (after an upload: DE 3 960000) with one currency's totals; the host's code."""
    keys = yield NeedKeys()
    request = messages.settlement_request(
        engine.journal.next_stan(), engine.now(), batch, totals.to_fields(), engine.config,
        after_upload=after_upload, additional=with_ksn(keys), currency=currency,
    )
    return str((yield Send(request, keys, None, "settlement"))[39])


def _upload_batch(engine: EngineLink, batch: int) -> Step[None]:
    """0320 for every approved sale and refund of the batch; each must be answered 00."""
    for record, kind in batch_entries(engine.journal, batch):
        if kind not in (TotalsKind.DEBIT, TotalsKind.CREDIT):
            continue
        keys = yield NeedKeys()
        items = {AdditionalTag.VOIDED: "1" if record.is_voided else "0"}
        request = messages.batch_upload_request(record, engine.config, with_ksn(keys, items))
        response = yield Send(request, keys, record.id, "upload")
        if response[39] != ResponseCode.APPROVED:  # the 0330 of docs/protocol.md: 00 or the upload failed
            raise CommunicationFailure(f"batch upload of invoice {record.invoice:06d} refused: {response[39]}",
                                       FailureKind.NOT_APPLIED)


def text_field(message: Message, number: int) -> str | None:
    """A text field's value, or None when absent or blank."""
    value = message.get(number)
    return value if isinstance(value, str) and value.strip() else None
