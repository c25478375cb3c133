"""The ``cup-pos`` host protocol: the :class:`~simulator.host.protocols.base.HostProtocol` steps for CUP.

The pipeline (:class:`simulator.host.pipeline.HostPipeline`) runs them; what is common (the
message journal, decoding, rules bookkeeping, the card directory, the key ring, the ledger) is the
host's shared services. The steps:

* The header: a TPDU ID other than 0x60 (or a header that does not parse), or a TPDU addressed to another
  NII than host.toml's ``tpdu`` -> 30; no DE 42 -> 30.
* The terminal (DE 41, DE 42 its merchant): unknown -> 03, unsigned.
* The request's transaction (:mod:`simulator.host.protocols.cup.classify`): not in the CUP table -> 12.
* Network management (0800, 0820) carries no MAC. Settlement and batch upload (0500, 0320) carry none
  either in the CUP field description; ``cup_batch_mac`` (host.toml): "accept" (the default) takes them
  unsigned, but one that carries DE 64 must verify, as a sale's does (A0 otherwise, nothing journaled),
  and is answered MACed; "require" refuses an unsigned one with A0, so a peer that knows a terminal ID
  cannot journal a settlement of its batch (docs/protocol.md, "Settlement and batch upload"). Either
  way an upload is taken only inside a settlement the terminal asked for (:mod:`.batch`).
  A sign-on (60.3 = 001, 003 or 004) gets new working keys: a PIK and a MAK (and for 004 a TDK), kept in the host key store
  like the possim-87 session keys and journaled as a session (DE 62 as sent, check values),
  returned in DE 62 enciphered under the terminal's TMK with their check values. Since anyone
  can send a sign-on, the host (``cup_sign_on = "hardened"``, the default) keeps the terminal's
  current keys in force and makes the new ones current only when a request first verifies under
  them (until then a sign-on gets the same new keys again): a sign-on from a peer without the TMK
  cannot lock the terminal out (docs/protocol.md).
  ``cup_sign_on = "standard"``: the new keys replace the current ones at once, as the CUP field
  description has it. At most one new set of keys per terminal per ``cup_sign_on_interval_seconds``.
* Sales, voids, refunds and reversals need the working keys and a DE 64 that verifies (the CUP
  ECB MAC over the frame as received); otherwise A0, unsigned, with processing request 3 in the
  header: sign on again.
  Their answers carry DE 64 (declines too).
* A repeat (same terminal, voucher DE 11, batch 60.2 and message class) gets the stored answer,
  re-MACed, and no second movement: a refund whose answer was lost is credited once. A repeat is
  the same content: every field but the MAC (DE 64) and a reversal's reason (DE 39) must be the
  same, card data included (DE 2, 14, 22, 23, 26, 35, 36, 52, 53, 55) whenever both requests carry
  it (a refund repeated after the terminal restarted carries none). Anything else under a used key
  is 94: another card or amount, and also another read of the same card (a chip card's DE 55 holds
  a new ARQC and ATC for every transaction), which two devices sharing one terminal ID would
  otherwise turn into a phantom approval. A request whose reversal came first -> 94.
* Rules (:mod:`simulator.host.rules`): ``respond`` answers instead of processing (journaled and
  stored, no money); delay, drop, disconnect and corrupt_mac apply after processing.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta

import simulator.host.protocols.cup.batch as batch
import simulator.host.protocols.cup.icdownload as icdownload
from iso8583 import Message, encode
from iso8583.cup_header import CupHeader
from iso8583.errors import Iso8583Error
from keys.errors import CryptoError
from protocols.cup.errors import CupFieldError
from protocols.cup.mac import apply_mac, verify_frame_mac
from protocols.cup.signon_keys import SignOnKeyScheme, WorkingKeys, wrap_working_keys
from protocols.iso87 import ResponseCode, response_mti
from protocols.security import MessageKeys
from simulator.host.config import CupBatchMac, CupSignOn
from simulator.host.decision import Delivery, HostDecision
from simulator.host.exchange import Exchange, FormatError, check_tpdu_destination, field_text, require_field
from simulator.host.journal import Status
from simulator.host.keyring import NEXT
from simulator.host.protocols.base import Handling, HostProtocol, RepeatKey
from simulator.host.protocols.cup.answers import MAC_ERROR, answer, answer_header
from simulator.host.protocols.cup.classify import CANONICAL_CODES, CupRequest, classify
from simulator.host.protocols.cup.money import CupMoney
from simulator.host.rules import Rule
from simulator.host.services import HostServices

__all__ = ["CupHost"]

log = logging.getLogger(__name__)

_CARD_FIELDS = frozenset({2, 14, 22, 23, 26, 35, 36, 52, 53, 55})
"""The card read and the PIN: compared only when both requests carry them (a refund repeated after the
terminal restarted has none: the terminal journals no card data)."""
_NOT_COMPARED = frozenset({39, 64})
"""A reversal's reason (DE 39) may change between its repeats; the MAC (DE 64) changes with the keys."""
_CARD_SEPARATOR = "."
"""Between the content digest and the card digest of a stored cup-pos request (neither contains it)."""
_FORMAT_ERROR_FIELDS = (11, 41, 42)


def _working(stored: bytes) -> bytes:
    """A working key as DE 62 carries it: 8 bytes for a single-length key the key ring keeps as K || K."""
    return stored[:8] if stored[:8] == stored[8:] else stored


def _scheme_of(keys: MessageKeys, track_key: bytes | None) -> SignOnKeyScheme:
    """The 60.3 scheme ``keys`` (and ``track_key``) were issued for."""
    if track_key is not None:
        return SignOnKeyScheme.DOUBLE_LENGTH_WITH_TRACK_KEY
    return SignOnKeyScheme.SINGLE_DES if len(_working(keys.pin_key)) == 8 else SignOnKeyScheme.DOUBLE_LENGTH


def _kind(exchange: Exchange) -> CupRequest:
    kind = exchange.kind
    assert isinstance(kind, CupRequest)
    return kind


class CupHost(HostProtocol):
    """The ``cup-pos`` steps (see the module docstring) over the host's shared services."""

    name = "cup-pos"

    def __init__(self, services: HostServices) -> None:
        super().__init__(services)
        self.journal = services.journal
        self.money = CupMoney(services)
        """The money-moving handlers (sale, void, refund, reversal)."""
        self.ic_directory = icdownload.IcDirectory.shipped(services.cards)
        """The CA public keys and AID parameters terminals download (60.3 = 370-382)."""

    # -- identify, route, verify ----------------------------------------------------------

    def identify(self, exchange: Exchange) -> str | None:
        """The request's row of the CUP table, then the terminal and its working keys; 03 (unsigned) if unknown."""
        exchange.kind = classify(exchange.request)
        if not self._terminal(exchange):
            exchange.sign = False
            return ResponseCode.INVALID_MERCHANT
        return None

    def _terminal(self, exchange: Exchange) -> bool:
        """The request's terminal and working keys; FormatError (30) for a header that is not a transaction's
        (TPDU ID other than 0x60) or no DE 42; False for an unknown terminal or merchant."""
        request = exchange.request
        try:
            header = CupHeader.parse(request.header)
        except Iso8583Error as exc:
            raise FormatError(f"message header: {exc}") from None
        check_tpdu_destination(header.tpdu, self.services.config.tpdu)
        merchant = require_field(request, 42)
        terminal = self.services.config.terminals.get(field_text(request, 41) or "")
        if terminal is None or merchant != terminal.merchant_id:
            return False
        exchange.terminal = terminal
        exchange.keys = self.services.keyring.session_keys(terminal.terminal_id)
        return True

    def handling(self, exchange: Exchange) -> Handling:
        kind = _kind(exchange)
        if kind.row is None:
            return Handling.REFUSE
        if kind.is_network:
            return Handling.OPEN
        if kind.is_batch:
            return Handling.VERIFIED if self._batch_mac_checked(exchange) else Handling.OPEN
        return Handling.STORED

    def _batch_mac_checked(self, exchange: Exchange) -> bool:
        """Whether a 0500 / 0320 goes through the MAC check: always under ``cup_batch_mac = "require"``; under
        "accept" (the CUP field description sends them unsigned) only when it carries DE 64, which must verify."""
        required = self.services.config.cup_batch_mac is CupBatchMac.REQUIRE
        return required or 64 in exchange.request

    def verify(self, exchange: Exchange) -> bool:
        """DE 64 present and the CUP ECB MAC of the request's MTI..DE 63, over the bytes as received, under the MAK.

        Under the current working keys, else under the next ones a hardened sign-on issued
        (``cup_sign_on = "hardened"``): those become current with this request (journal commit).
        False without working keys. A request built in memory (no frame) is encoded first.
        """
        request, terminal = exchange.request, exchange.terminal
        if not isinstance(request.get(64), bytes):
            if exchange.keys is not None:
                self.services.events.report("MAC failure", "terminal %s: %s without DE 64", field_text(request, 41),
                                            request.mti)
            return False
        try:
            frame = exchange.frame if exchange.frame is not None else encode(request, self.dialect)
        except Exception as exc:  # noqa: BLE001 - an unencodable request cannot carry a valid MAC
            log.debug("cannot encode %s for its MAC: %s", request.mti, exc)
            return False
        failure = None
        if exchange.keys is not None:
            failure = self._mac_failure(frame, exchange.keys.request_mac_key)
            if failure is None:
                return True
        upcoming = self.services.keyring.next_keys(terminal.terminal_id) if terminal is not None else None
        if upcoming is not None and terminal is not None:
            if self._mac_failure(frame, upcoming.request_mac_key) is None:
                exchange.keys = upcoming
                self.services.keyring.promote(terminal.terminal_id, upcoming)
                return True
            failure = failure or "the MAC does not verify under the working keys"
        if failure is not None:
            self.services.events.report("MAC failure", "terminal %s: %s request: %s", field_text(request, 41),
                                        request.mti, failure)
        return False

    @staticmethod
    def _mac_failure(frame: bytes, mac_key: bytes) -> str | None:
        """None when ``frame``'s DE 64 verifies under ``mac_key``, else why not."""
        try:
            verify_frame_mac(frame, mac_key)
        except (CryptoError, CupFieldError) as exc:
            return str(exc)
        return None

    def security_refusal(self, exchange: Exchange) -> Message:
        """A0, unsigned, with processing request 3 in the header: sign on again."""
        exchange.sign = False
        return answer(exchange.request, MAC_ERROR, exchange.now, sign_on_again=True)

    # -- retransmissions ------------------------------------------------------------------

    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        """Terminal, voucher (DE 11), batch (60.2) and the response MTI."""
        assert exchange.terminal is not None
        request = exchange.request
        return RepeatKey(exchange.terminal.terminal_id, require_field(request, 11), _kind(exchange).batch,
                         response_mti(request.mti))

    def digest(self, request: Message) -> str:
        """``CONTENT.CARD``: keyed digests of every field a repeat must carry unchanged, and of the card read
        (:data:`_CARD_FIELDS`; empty when the request carries no card data)."""
        content, card = [request.mti[:3]], []
        for number in sorted(request.fields):
            if number in _NOT_COMPARED:
                continue
            value = request.fields[number]
            text = f"{number}={value.hex() if isinstance(value, bytes) else value}"
            (card if number in _CARD_FIELDS else content).append(text)
        card_digest = self.services.keyring.keyed_digest("repeat card", *card) if card else ""
        return f"{self.services.keyring.keyed_digest(*content)}{_CARD_SEPARATOR}{card_digest}"

    def same_request(self, stored_digest: str, digest: str) -> bool:
        """The same content, and the same card when both requests carry card data (docs/protocol.md, cup-pos)."""
        stored_content, _, stored_card = stored_digest.partition(_CARD_SEPARATOR)
        content, _, card = digest.partition(_CARD_SEPARATOR)
        if not hmac.compare_digest(stored_content, content):
            return False
        return not (stored_card and card) or hmac.compare_digest(stored_card, card)

    # -- dispatch and answers -------------------------------------------------------------

    def dispatch(self, exchange: Exchange) -> Message:
        kind = _kind(exchange)
        assert kind.row is not None
        if kind.is_network:
            exchange.sign = False
            return self._network(exchange, kind)
        if kind.is_batch:
            handler = batch.settle if kind.row.name == "settlement" else batch.upload
            with self.journal.atomic():
                return handler(self.journal, exchange, kind)
        if kind.reversal:
            return self.money.reversal(exchange, kind)
        handlers = {"sale": self.money.sale, "void": self.money.void, "refund": self.money.refund}
        handler = handlers.get(kind.row.name)
        if handler is None:
            return answer(exchange.request, ResponseCode.INVALID_TRANSACTION, exchange.now)
        return handler(exchange, kind)

    def _network(self, exchange: Exchange, kind: CupRequest) -> Message:
        request, terminal = exchange.request, exchange.terminal
        assert terminal is not None and kind.row is not None
        if kind.row.name.startswith("sign_on"):
            assert kind.row.network_code is not None
            return self._sign_on(exchange, SignOnKeyScheme(kind.row.network_code))
        if kind.row.name in icdownload.ROW_NAMES:
            return icdownload.serve(self.ic_directory, self.journal, exchange, kind.row.name,
                                    ask=self.services.config.cup_ic_download)
        return answer(request, ResponseCode.APPROVED, exchange.now)

    def _sign_on(self, exchange: Exchange, scheme: SignOnKeyScheme) -> Message:
        """Working keys of ``scheme`` (60.3: 001 single-length PIK and MAK, 003 double-length, 004 double-length
        and a track data key) in DE 62 under the TMK (63 without a TMK).

        Hardened (``cup_sign_on``): new keys are the terminal's next keys; while no request has used them,
        every sign-on of the same scheme gets the same next keys again (the same DE 62), so a sign-on from a
        peer without the TMK can neither replace the keys in force nor the ones a terminal just received.
        Rate limit (``cup_sign_on_interval_seconds``): within the interval after keys were issued, a sign-on
        gets the terminal's current keys again, or 12 when it asks for another scheme: no new keys.
        """
        request, terminal = exchange.request, exchange.terminal
        assert terminal is not None
        if terminal.tmk is None:
            self.services.events.report("sign-on refused", "sign-on of %s refused: no terminal master key "
                                        "(tmk) in host.toml", terminal.terminal_id)
            return answer(request, ResponseCode.SECURITY_VIOLATION, exchange.now)
        keyring, terminal_id = self.services.keyring, terminal.terminal_id
        hardened = self.services.config.cup_sign_on is CupSignOn.HARDENED
        recent = self._recently_issued(terminal_id, exchange.now)
        keys = keyring.next_keys(terminal_id) if hardened else None
        track_key = keyring.track_key(terminal_id, NEXT) if keys is not None else None
        if keys is None and recent:
            keys, track_key = keyring.session_keys(terminal_id), keyring.track_key(terminal_id)
        if keys is not None and _scheme_of(keys, track_key) is not scheme:
            if recent:
                interval = self.services.config.cup_sign_on_interval_seconds
                self.services.events.report("sign-on refused", "sign-on of %s asking for keys %s refused: other "
                                            "keys were issued less than %d s ago", terminal_id, scheme.value, interval)
                return answer(request, ResponseCode.INVALID_TRANSACTION, exchange.now)
            keys = None
        issue = keys is None
        if issue:
            delivery = keyring.new_session(terminal, until_first_use=hardened,
                                           single_length=scheme is SignOnKeyScheme.SINGLE_DES,
                                           track_key=scheme is SignOnKeyScheme.DOUBLE_LENGTH_WITH_TRACK_KEY)
            keys, track_key = delivery.keys, delivery.track_key
        assert keys is not None
        exchange.keys = keys
        wrapped = wrap_working_keys(terminal.tmk, WorkingKeys(_working(keys.pin_key), _working(keys.request_mac_key),
                                                              track_key))
        if issue:
            self.journal.record_session(
                time=exchange.now, terminal_id=terminal_id, pin_key_block=wrapped.pik.hex().upper(),
                pin_key_kcv=wrapped.pik_check_value.hex().upper(), mac_key_block=wrapped.mak.hex().upper(),
                mac_key_kcv=wrapped.mak_check_value.hex().upper(), request_stan=field_text(request, 11),
            )
        pending = (self.ic_directory.pending(self.journal, terminal_id)
                   if self.services.config.cup_ic_download else None)
        return answer(request, ResponseCode.APPROVED, exchange.now, {62: wrapped.encode()},
                      processing_request=pending.processing_request if pending else None)

    def _recently_issued(self, terminal_id: str, now: datetime) -> bool:
        """Whether the terminal's last keys were issued less than ``cup_sign_on_interval_seconds`` ago."""
        interval = self.services.config.cup_sign_on_interval_seconds
        last = self.journal.last_session(terminal_id) if interval else None
        if last is None:
            return False
        return now - datetime.fromisoformat(last["time"]) < timedelta(seconds=interval)

    def answer(self, exchange: Exchange, code: str) -> Message:
        return answer(exchange.request, code, exchange.now)

    def sign(self, exchange: Exchange, response: Message) -> HostDecision:
        """MAC (when the request carried one, the keys are known and ``exchange.sign``) and encode ``response``."""
        if exchange.sign and exchange.keys is not None and 64 in exchange.request:
            response = apply_mac(response, exchange.keys.response_mac_key, self.dialect)
        return HostDecision(Delivery.RESPOND, response, encode(response, self.dialect))

    def error_answer(self, request: Message, now: datetime, code: str) -> HostDecision:
        """``code`` echoing DE 11, 41, 42, unsigned (its MAC was never checked)."""
        fields = {n: v for n, v in request.fields.items() if n in _FORMAT_ERROR_FIELDS}
        response = Message(response_mti(request.mti), {**fields, 39: str(code)}, answer_header(request.header))
        return HostDecision(Delivery.RESPOND, response, encode(response, self.dialect))

    # -- rules ----------------------------------------------------------------------------

    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        """A rule's fixed answer: no processing, no money; journaled, stored and MACed like any answer."""
        request = exchange.request
        kind = exchange.kind = classify(request)
        if not self._terminal(exchange) or kind.row is None or kind.is_network:
            exchange.sign = False
            return self.sign(exchange, answer(request, code, exchange.now))
        if kind.is_batch:
            with self.journal.atomic():
                response = batch.scripted_settlement(self.journal, exchange, kind, code) \
                    if kind.row.name == "settlement" else answer(request, code, exchange.now)
            return self.sign(exchange, response)
        return self._scripted_financial(exchange, kind, code, rule)

    def _scripted_financial(self, exchange: Exchange, kind: CupRequest, code: str, rule: Rule) -> HostDecision:
        request, terminal = exchange.request, exchange.terminal
        assert terminal is not None and kind.row is not None
        amount = field_text(request, 4)
        with self.journal.atomic():
            self.money.record(exchange, kind, code, Status.APPROVED if code == ResponseCode.APPROVED else Status.DECLINED,
                              canonical=CANONICAL_CODES.get(kind.row.name, field_text(request, 3) or ""),
                              mti="0400" if kind.reversal else "0200",
                              amount=int(amount) if amount and amount.isdigit() else None, note=f"rule: {rule.name}")
            decision = self.sign(exchange, answer(request, code, exchange.now))
            key = RepeatKey(terminal.terminal_id, field_text(request, 11) or "", kind.batch,
                            response_mti(request.mti))
            self.store(key, self.digest(request), decision, exchange.now)
        return decision
