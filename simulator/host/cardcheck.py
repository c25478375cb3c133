"""The issuer's checks of the card: PIN (DE 52) and cryptogram (DE 55), and the ARPC of an approval."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field

from emv import tlv
from emv.cards import TestCard
from emv.cryptogram import CryptogramType, CryptogramVersion
from emv.errors import EmvError, TlvError
from emv.issuer import issuer_authentication_data_values, verify_cryptogram_values
from emv.masking import mask_pan
from iso8583 import Message
from keys.errors import CryptoError
from protocols.iso87 import ResponseCode
from protocols.security import recover_pin
from simulator.host.cards import CardDirectory, request_psn

from simulator.host.exchange import Exchange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardCheck:
    """Outcome of the PIN and cryptogram checks: a decline code or None, and the ARPC context."""

    code: str | None
    arqc_field55: bytes | None = None
    card: TestCard | None = None
    icc_master_key: bytes | None = field(default=None, repr=False)
    arqc_values: dict[str, bytes] | None = field(default=None, repr=False)
    """Field 55 of the ARQC as read once (its tags flattened), for the ARPC."""
    arpc_key: bytes | None = field(default=None, repr=False)
    """The key the ARQC verified under, which answers it (derived once for both)."""
    psn: str | None = None
    """The card sequence number the ARQC was checked with (:func:`request_psn`, read once for both)."""
    cvn: CryptogramVersion | None = None
    """The ARQC's cryptogram version, as its check read it from '9F10' (which fixes the ARPC method)."""


def card_checks(cards: CardDirectory, exchange: Exchange, pan: str) -> CardCheck:
    """PIN (DE 52) and cryptogram (DE 55) checks against the issuer's record of the card."""
    request = exchange.request
    card = cards.get(pan)
    block, field55 = request.get(52), request.get(55)
    if (block is not None or field55 is not None) and card is None:
        log.info("card %s is not a card of this issuer", mask_pan(pan))
        return CardCheck(ResponseCode.INVALID_CARD)
    arqc, icc_key, arqc_values, key, psn, cvn = None, None, None, None, None, None
    if isinstance(field55, bytes):
        assert card is not None
        if card.issuer_master_key is None:
            return CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
        psn = request_psn(request, card)
        try:
            values = tlv.decode_flat(field55)
        except TlvError as exc:
            log.info("cryptogram of %s failed: malformed TLV: %s", mask_pan(pan), exc)
            return CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
        try:
            icc_key = cards.icc_master_key(card, pan, psn)
            check = verify_cryptogram_values(values, card.issuer_master_key, pan, psn, icc_master_key=icc_key)
        except EmvError as exc:
            log.info("cryptogram of %s not checkable: %s", mask_pan(pan), exc)
            return CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
        if not check.ok:
            log.info("cryptogram of %s failed: %s", mask_pan(pan), check.reason)
            return CardCheck(ResponseCode.CRYPTOGRAM_FAILED, card=card)
        if check.cryptogram_type is CryptogramType.ARQC:
            arqc, arqc_values, key, cvn = field55, values, check.ac_session_key, check.cvn
    if isinstance(block, bytes):
        assert card is not None and exchange.keys is not None
        try:
            pin = recover_pin(exchange.keys, block, pan)
        except CryptoError:
            return CardCheck(ResponseCode.INCORRECT_PIN, arqc, card, icc_key, arqc_values, key, psn, cvn)
        if not hmac.compare_digest(pin.encode(), card.pin.encode()):
            return CardCheck(ResponseCode.INCORRECT_PIN, arqc, card, icc_key, arqc_values, key, psn, cvn)
    return CardCheck(None, arqc, card, icc_key, arqc_values, key, psn, cvn)


def arpc(check: CardCheck, pan: str, request: Message, approved: bool) -> dict[int, bytes]:
    """DE 55 with tag 91 (issuer authentication data) answering a verified ARQC."""
    if check.arqc_field55 is None or check.card is None or check.card.issuer_master_key is None:
        return {}
    try:
        values = check.arqc_values if check.arqc_values is not None else tlv.decode_flat(check.arqc_field55)
        data = issuer_authentication_data_values(values, check.card.issuer_master_key, pan,
                                                 check.psn if check.psn is not None
                                                 else request_psn(request, check.card), approved,
                                                 icc_master_key=check.icc_master_key, key=check.arpc_key,
                                                 cvn=check.cvn)
    except EmvError as exc:
        log.info("no ARPC for %s: %s", mask_pan(pan), exc)
        return {}
    return {55: _TAG_91 + tlv.encode_length(len(data)) + data}  # the one object, without a Tlv built for it


_TAG_91 = tlv.encode_tag("91")
"""Issuer Authentication Data's tag (EMV 4.4 Book 3 Annex A), as encoded."""

