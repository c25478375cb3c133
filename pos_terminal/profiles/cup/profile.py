"""The China UnionPay POS terminal profile (``cup-pos``), as the engine's flows need it.

* Keys: master/session only. The 0810 of the sign-on carries the PIK and the MAK in DE 62,
  enciphered under the TMK with their check values (:mod:`protocols.cup.signon_keys`); they are
  checked, then kept in the terminal's key store (``cup-pik``, ``cup-mak``). A single-length key
  is stored as K || K, which enciphers exactly as single DES. A sign-off drops them, and so does
  an answer whose message header asks for a new sign-on (processing request ``3``).
* Messages: :mod:`pos_terminal.profiles.cup.requests`; DE 64 the CUP ECB MAC over MTI..DE 63 under the
  MAK, on sales, voids, refunds and reversals. An approval (00) must carry a MAC that verifies; a
  decline without DE 64 is accepted (CUP hosts need not MAC a refusal), one with a wrong MAC is not.
* What a failure leads to (the "reversed" column of the CUP transaction table): a sale or void
  is reversed (0400, DE 39 the reason); a refund (0220) is never reversed: it is repeated, same
  STAN and content, until the host answers it.
* IC data: when the 0810 of a sign-on asks for it (message header processing request 4 or 5), the CA public
  keys or the AID parameters are downloaded (:mod:`protocols.cup.icdownload`) and journaled
  (events ``cup_ic_ca-keys``, ``cup_ic_parameters``; ``possim config show``).
* Store-and-forward: with ``offline_refunds`` a matched refund completes offline (Y3) when the host is
  unreachable; its 0220 goes once the host is reachable, before anything else, without card data.
* Settlement: 0500 with the DE 48 totals; the 0510 says per card group whether they balance;
  the groups that do not are uploaded (0320), and the upload is always ended (0320, 202 or 207).
  As the CUP field description has them, the 0500 and the 0320s carry no DE 64 (terminal.toml
  ``cup_batch_mac = false``, the default); ``cup_batch_mac = true`` MACs them and requires MACed
  approvals, a hardening for a host that requires it (docs/protocol.md, "Settlement and batch upload").
* The configuration: the currency left at the terminal's default (840) becomes CNY 156, and a
  DUKPT key scheme is refused (CUP terminals use master/session keys).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from datetime import datetime

from iso8583.cup_header import CupHeader
from iso8583.dialect import Dialect
from iso8583.errors import Iso8583Error
from iso8583.message import Message
from keys.errors import CryptoError, MacVerificationError
from keys.pinblock import PinBlockFormat
from pos_terminal.state.config import ConfigError, TerminalConfig
from pos_terminal.profiles.cup import requests
from pos_terminal.profiles.cup.batch import settlement_totals, upload_plan
from pos_terminal.profiles.cup.requests import ReversalReason
from protocols.cup import icdownload as ic
from protocols.cup.errors import CupFieldError
from protocols.cup.icdownload import IcDownload
from protocols.cup.fields import Field60, PinBlockMethod, PinEncryption, ReconciliationResult, SecurityControl, SettlementTotals
from protocols.cup.mac import apply_mac, verify_frame_mac
from protocols.cup.contract import CUP_CONTRACT
from protocols.cup.signon_keys import SignOnKeys, SignOnKeyScheme, unwrap_working_keys
from protocols.cup.upload import CardGroup
from pos_terminal.common.failures import CommunicationFailure, FailureKind, TerminalRefusal
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.common.effects import NeedKeys, Send, Step
from pos_terminal.profiles.base import (
    EngineLink,
    FinancialContext,
    HostAnswer,
    NetworkKind,
    NetworkNotes,
    ProtocolProfile,
    Reconciliation,
)
from protocols.iso87 import BatchTotals
from pos_terminal.state.records import MessageDirection, TransactionRecord, TxnType
from protocols.security import KeyScheme, MessageKeys

log = logging.getLogger(__name__)

NAME = "cup-pos"
PIK_NAME = "cup-pik"
MAK_NAME = "cup-mak"
TDK_NAME = "cup-tdk"
"""The track data key of a sign-on with 60.3 = 004."""
RESIGN_ON_REQUEST = "3"
"""Processing request of the message header (处理要求) asking the terminal to sign on again."""
OFFLINE_APPROVED = "Y3"
"""The response code of a refund completed offline (EMV's Y3)."""
ADVICE_RESENT_CODES = frozenset({"A0", "96"})
"""Answers after which an offline refund's 0220 is sent again; any other decides it."""
CREDIT_NOT_REPORTED = "not-reported"
"""The credit status of a cup-pos refund: the host reports no credit and cannot be asked."""
_DEFAULT_CURRENCY = TerminalConfig.__dataclass_fields__["currency"].default
_PROCESSING_CODES = {TxnType.SALE: "000000", TxnType.REFUND: "200000", TxnType.VOID: "200000"}


def _stored(key: bytes) -> bytes:
    """A working key as the key store keeps it: 16 bytes (a single-length key as K || K)."""
    return key + key if len(key) == 8 else key


def _working(stored: bytes) -> bytes:
    """The working key back: 8 bytes when both halves are equal (single DES), else 16."""
    return stored[:8] if stored[:8] == stored[8:] else stored


def _asked_scheme(response: Message) -> SignOnKeyScheme:
    """The key scheme the sign-on asked for: 60.3 of DE 60, which the 0810 echoes (CUP field description)."""
    try:
        code = Field60.decode(str(response.get(60))).network_management_code
        return SignOnKeyScheme(code)
    except (CupFieldError, ValueError):
        raise ValueError(f"DE 60 of the sign-on answer names no key scheme (60.3 001, 003 or 004): "
                         f"{response.get(60)!r}") from None


def _processing_request(response: Message) -> str | None:
    try:
        return CupHeader.parse(response.header).message.processing_request
    except Iso8583Error:
        return None


_DOWNLOADS = {download.processing_request: download for download in IcDownload}


def _ic_exchange(request: Message) -> Step[Message]:
    """One unsigned download exchange, which must be answered 00."""
    response = yield Send(request, None, None, "ic-download", verify=False)
    if response[39] != "00":
        raise CommunicationFailure(f"IC download ({request.get(60)}) refused: {response[39]}", FailureKind.NOT_APPLIED)
    return response


def _ic_download(download: IcDownload, config: TerminalConfig, state: NetworkNotes) -> Step[str | None]:
    """Query the host's list, download each entry, end the download and journal what was loaded; returns the
    processing request of the end's answer (the next download the host asks for)."""
    kind, batch = download.value, state.current_batch()
    listed: list = []
    while True:
        answer = yield from _ic_exchange(requests.ic_download_request(
            kind, "query", state.next_stan(), config, batch, ic.query_request(len(listed))))
        try:
            status, entries = (ic.parse_key_list(answer.get(62)) if download is IcDownload.CA_KEYS
                               else ic.parse_aid_list(answer.get(62)))
        except CupFieldError as error:
            raise CommunicationFailure(f"garbled IC list: {error}", FailureKind.GARBLED) from None
        listed += entries
        if status != ic.MORE or not entries:
            break
    loaded: list[dict[str, object]] = []
    for entry in listed:
        data = (ic.key_download_request(entry.rid, entry.index) if download is IcDownload.CA_KEYS
                else ic.aid_download_request(entry))
        answer = yield from _ic_exchange(requests.ic_download_request(kind, "download", state.next_stan(), config,
                                                                       batch, data))
        try:
            if download is IcDownload.CA_KEYS:
                key = ic.parse_key_answer(answer.get(62))
                if key is not None:
                    loaded.append({"rid": key.rid.hex().upper(), "index": f"{key.index:02X}", "expiry": key.expiry,
                                   "modulus_bits": len(key.modulus) * 8, "exponent": key.exponent.hex().upper(),
                                   "checksum": key.checksum.hex().upper()})
            else:
                aid = ic.parse_aid_answer(answer.get(62))
                if aid is not None:
                    loaded.append({"aid": aid.name, "version": aid.application_version.hex().upper(),
                                   "floor_limit": aid.floor_limit, "tac_default": aid.tac_default.hex().upper(),
                                   "tac_online": aid.tac_online.hex().upper(),
                                   "tac_denial": aid.tac_denial.hex().upper(),
                                   "ddol": aid.default_ddol.hex().upper()})
        except CupFieldError as error:
            raise CommunicationFailure(f"IC download refused: {error}", FailureKind.GARBLED) from None
    end = yield from _ic_exchange(requests.ic_download_request(kind, "end", state.next_stan(), config, batch))
    state.note_loaded(f"cup_ic_{kind}", {"loaded": loaded})
    log.info("IC %s loaded: %d", kind, len(loaded))
    return _processing_request(end)


def _drop_keys(keyring: TerminalKeyring) -> None:
    names = set(keyring.store.names())
    for name in (PIK_NAME, MAK_NAME, TDK_NAME):
        if name in names:
            keyring.store.delete(name)


class CupProfile(ProtocolProfile):
    """``cup-pos``: the CUP POS terminal profile (docs/protocol.md, "The cup-pos profile")."""

    name = NAME
    supports_offline_refunds = True
    """A CUP refund is already an advice-class message (0220, never reversed, sent again until answered): an
    offline refund is that 0220 sent once the host is reachable again (docs/protocol.md, cup-pos)."""

    def configure(self, config: TerminalConfig) -> TerminalConfig:
        if config.key_scheme is not KeyScheme.MKSK:
            raise ConfigError(f"key_scheme: the {NAME} profile uses master/session keys (mksk), delivered by the "
                              f"sign-on; {config.key_scheme.value} is not possible with it")
        if config.currency == _DEFAULT_CURRENCY:
            return dataclasses.replace(config, currency=CUP_CONTRACT.currency)
        return config

    # ------------------------------------------------------------------ keys

    def signed_on(self, keyring: TerminalKeyring, scheme: KeyScheme) -> bool:
        names = set(keyring.store.names())
        return PIK_NAME in names and MAK_NAME in names

    def message_keys(self, keyring: TerminalKeyring, scheme: KeyScheme, dialect: Dialect) -> MessageKeys:
        mak = _working(keyring.store.get(MAK_NAME))
        return MessageKeys(KeyScheme.MKSK, mak, mak, keyring.store.get(PIK_NAME), PinBlockFormat.ISO_0)

    # ------------------------------------------------------------------ network management

    def supports_network(self, kind: NetworkKind) -> bool:
        return True

    def network_request(
        self, kind: NetworkKind, stan: int, now: datetime, config: TerminalConfig, batch: int,
        additional: dict[str, str] | None = None,
    ) -> Message:
        build = {NetworkKind.SIGN_ON: requests.sign_on_request, NetworkKind.SIGN_OFF: requests.sign_off_request,
                 NetworkKind.ECHO: requests.echo_request}[kind]
        return build(stan, config, batch)

    def accept_network_answer(
        self, kind: NetworkKind, response: Message, keyring: TerminalKeyring, scheme: KeyScheme
    ) -> None:
        """Sign-on: decipher the DE 62 keys under the TMK, check their check values, keep them. Sign-off: drop them."""
        if kind is NetworkKind.SIGN_OFF:
            _drop_keys(keyring)
            return
        if kind is not NetworkKind.SIGN_ON:
            return
        field62 = response.get(62)
        if not isinstance(field62, bytes):
            raise KeyError("DE 62 (working keys) missing from the sign-on answer")
        keys = unwrap_working_keys(keyring.terminal_master_key, SignOnKeys.decode(field62, _asked_scheme(response)))
        _drop_keys(keyring)
        keyring.store.put(PIK_NAME, _stored(keys.pik), "P0", "T", "E")
        keyring.store.put(MAK_NAME, _stored(keys.mak), "M1", "T", "C")
        if keys.tdk is not None:
            keyring.store.put(TDK_NAME, keys.tdk, "D0", "T", "B")
        log.info("working keys loaded (PIK %d bytes, MAK %d bytes%s)", len(keys.pik), len(keys.mak),
                 ", TDK 16 bytes" if keys.tdk is not None else "")

    def follow_network_answer(
        self, kind: NetworkKind, response: Message, config: TerminalConfig, state: NetworkNotes,
    ) -> Step[None]:
        """The IC download the answer's message header asks for (processing request 4: CA public keys, 5: AID
        parameters; the end of one download may ask for the other), when ``cup_ic_download`` is on."""
        if not config.cup_ic_download:
            return
        asked = _processing_request(response)
        done: set[IcDownload] = set()
        while asked in _DOWNLOADS and _DOWNLOADS[asked] not in done:
            download = _DOWNLOADS[asked]
            done.add(download)
            asked = yield from _ic_download(download, config, state)

    # ------------------------------------------------------------------ financial requests

    def request_mti(self, kind: TxnType) -> str:
        return requests.transaction_row(kind).mti

    def processing_code(self, kind: TxnType, original: TransactionRecord | None) -> str:
        if kind is TxnType.VOID and original is not None and original.txn_type is not TxnType.SALE:
            raise TerminalRefusal(f"the {NAME} profile voids sales only: a refund is final and cannot be voided",
                                  ("REFUND IS FINAL", "CANNOT BE VOIDED"))
        return _PROCESSING_CODES[TxnType(kind)]

    def reverses(self, kind: TxnType) -> bool:
        return requests.transaction_row(kind).reversible

    @staticmethod
    def _security(keys: MessageKeys) -> SecurityControl:
        """DE 53: format 0 (with the PAN) under a double-length (TDES) or single-length (DES) PIK."""
        single = keys.pin_key[:8] == keys.pin_key[8:]
        return SecurityControl(PinBlockMethod.WITH_PAN, PinEncryption.DES if single else PinEncryption.TDES)

    def financial_request(self, context: FinancialContext) -> Message:
        record, config, card = context.record, context.config, context.card
        security = self._security(context.keys)
        if record.txn_type is TxnType.SALE:
            if card is None:
                raise ValueError("a sale needs the card read")
            return requests.sale_request(record, config, card, pin_block=context.pin_block, security=security,
                                         icc_data=context.icc_data)
        if record.txn_type is TxnType.VOID:
            if context.original is None:
                raise ValueError("a void needs its original")
            return requests.void_request(record, context.original, config)
        return requests.refund_request(record, config, card, original=context.original,
                                       original_rrn=context.original_rrn, original_date=context.original_date,
                                       pin_block=context.pin_block, security=security, icc_data=context.icc_data)

    def repeat_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig, keys: MessageKeys
    ) -> Message:
        """The refund again, as the journal knows it: same voucher (STAN), amount and original, no card data."""
        return requests.refund_request(record, config, None, original=original)

    # ------------------------------------------------------------------ store-and-forward

    def advice_final(self, response_code: str) -> bool:
        """Any answer decides the refund's 0220, as for a repeated refund, except A0 (the MAC did not verify: the
        terminal signs on again and sends it again) and 96 (the host could not process it)."""
        return response_code not in ADVICE_RESENT_CODES

    def offline_approval(self) -> tuple[str, str]:
        """Y3 (EMV's "unable to go online, approved offline") and an approval code Y3nnnn, kept by the terminal:
        the 0220 carries no approval code (DE 38 is the host's)."""
        return OFFLINE_APPROVED, f"{OFFLINE_APPROVED}{secrets.randbelow(10_000):04d}"

    def advice_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool,
    ) -> Message:
        """The offline refund's 0220, as the journal knows it (no card data; CUP has no 0221: a resend is the same
        0220, which the host recognises as a repeat)."""
        return requests.refund_request(record, config, None, original=original)

    def reversal_request(
        self, record: TransactionRecord, original: TransactionRecord | None, config: TerminalConfig,
        keys: MessageKeys, *, repeat: bool, reason: str,
    ) -> Message:
        """0400 (CUP repeats a reversal as the same 0400)."""
        return requests.reversal_request(record, original, config, reason or ReversalReason.NO_ANSWER)

    def reversal_reason(self, failure: BaseException | None) -> ReversalReason:
        """98 no answer (or unknown, after a restart), 96 an answer the terminal refused, 06 anything else
        (decided on the failure's kind, :class:`~pos_terminal.common.failures.FailureKind`)."""
        if failure is None:
            return ReversalReason.NO_ANSWER
        if isinstance(failure, CommunicationFailure):
            return ReversalReason.NO_ANSWER if failure.kind is FailureKind.NO_RESPONSE else \
                ReversalReason.ANSWER_REFUSED
        return ReversalReason.OTHER

    def read_answer(self, response: Message) -> HostAnswer:
        """The code, RRN and approval code. An approved refund (0230) says ``credit_status`` ``not-reported``: the
        CUP POS messages carry no credit channel or date and have no status inquiry, so the terminal can never
        learn when the money reaches the card, and does not show it as pending for ever (docs/protocol.md)."""
        code = str(response[39])
        data = {"credit_status": CREDIT_NOT_REPORTED} if response.mti == "0230" and self.is_approved(code) else {}
        return HostAnswer(code, _text(response, 37), _text(response, 38), data)

    # ------------------------------------------------------------------ message security and checks

    def sign(self, message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
        return apply_mac(message, keys.request_mac_key, dialect)

    def verify_answer(self, response: Message, raw: bytes, dialect: Dialect, keys: MessageKeys) -> None:
        if 64 not in response:
            if self.is_approved(str(response.get(39))):
                raise MacVerificationError(f"{response.mti} response: an approval without DE 64")
            return
        try:
            verify_frame_mac(raw, keys.response_mac_key)
        except MacVerificationError:
            raise MacVerificationError(f"{response.mti} response: MAC in DE 64 does not verify") from None

    def check_answer(self, request: Message, response: Message) -> None:
        """What every answer must be (:meth:`ProtocolProfile.check_answer`), and the request's TPDU addresses swapped."""
        super().check_answer(request, response)
        try:
            answered = CupHeader.parse(response.header).tpdu
            expected_tpdu = CupHeader.parse(request.header).tpdu.response()
        except Iso8583Error as error:
            raise CommunicationFailure(f"response rejected: {error}", FailureKind.WRONG_ANSWER) from None
        if answered != expected_tpdu:
            raise CommunicationFailure(
                f"response rejected: TPDU {answered.destination:04X}/{answered.source:04X}, expected the request's "
                f"addresses swapped ({expected_tpdu.destination:04X}/{expected_tpdu.source:04X})",
                FailureKind.WRONG_ANSWER)

    def note_answer(self, response: Message, keyring: TerminalKeyring) -> None:
        """A header with processing request 3 asks for a new sign-on: the working keys are dropped."""
        try:
            header = CupHeader.parse(response.header)
        except Iso8583Error:
            return
        if header.message.processing_request == RESIGN_ON_REQUEST and self.signed_on(keyring, KeyScheme.MKSK):
            log.info("the host asks for a new sign-on (processing request 3): working keys dropped")
            _drop_keys(keyring)

    def observe(
        self, direction: MessageDirection, message: Message, raw: bytes, dialect: Dialect, keys: MessageKeys | None
    ) -> ExchangeRecord:
        verified: bool | None = None
        if keys is not None and 64 in message:
            try:
                verify_frame_mac(raw, keys.request_mac_key)
                verified = True
            except (CryptoError, CupFieldError):
                verified = False
        return ExchangeRecord(direction, message, raw, verified)

    # ------------------------------------------------------------------ settlement

    def reconcile(self, engine: EngineLink, batch: int, totals: BatchTotals) -> Step[Reconciliation]:
        """0500 with the DE 48 totals; the groups the 0510 finds unbalanced are uploaded; the upload is ended.

        Unsigned, as the CUP field description sends them; MACed (DE 64, answers verified) with
        ``cup_batch_mac = true``.
        """
        journal, config = engine.journal, engine.config
        records = journal.transactions(batch=batch)
        keys = (yield NeedKeys()) if config.cup_batch_mac else None
        request = requests.settlement_request(journal.next_stan(), config, batch, settlement_totals(records))
        response = yield Send(request, keys, None, "settlement")
        code = str(response[39])
        if not self.is_approved(code):
            return Reconciliation(code, False, False)
        try:
            answered = SettlementTotals.decode(response.get(48))
        except CupFieldError as error:
            raise CommunicationFailure(f"garbled settlement answer: {error}", FailureKind.GARBLED) from None
        groups = [CardGroup.DOMESTIC] if answered.domestic.result is not ReconciliationResult.BALANCED else []
        if answered.foreign is not None and answered.foreign.result is not ReconciliationResult.BALANCED:
            groups.append(CardGroup.FOREIGN)
        plan = upload_plan(records, groups)
        for sales in plan.sale_lists:
            yield from _upload(requests.sales_upload_request(journal.next_stan(), config, batch, sales), keys, None)
        for refund in plan.refunds:
            original = journal.get(refund.original_id) if refund.original_id else None
            yield from _upload(requests.refund_upload_request(refund, original, config), keys, refund.id)
        yield from _upload(requests.upload_end_request(journal.next_stan(), config, batch, plan.count,
                                                          balanced=not groups), keys, None)
        return Reconciliation(code, True, bool(groups))


def _upload(request: Message, keys: MessageKeys | None, txn_id: int | None) -> Step[None]:
    """One 0320 (MACed under ``keys``, unsigned without), which must be answered 00."""
    response = yield Send(request, keys, txn_id, "upload")
    if response[39] != "00":
        raise CommunicationFailure(f"batch upload ({request.get(60)}) refused: {response[39]}", FailureKind.NOT_APPLIED)


def _text(message: Message, number: int) -> str | None:
    value = message.get(number)
    return value if isinstance(value, str) and value.strip() else None
