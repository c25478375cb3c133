"""The issuer side: verify the cryptogram in field 55 and produce the ARPC.

The issuer derives the card's ICC master key from its issuer master key and the PAN and
PSN of the request (EMV 4.4 Book 2 A1.4.1), reads the CVN from the Issuer Application
Data '9F10', rebuilds the MAC input from field 55 exactly as the card did
(:mod:`emv.acdata`) and compares the cryptogram (Book 2 section 8.1). For an ARQC it can
then answer with an ARPC (Book 2 section 8.2) in Issuer Authentication Data '91'.

Field 55 problems are results, not exceptions: the host declines with a reason. Bad
arguments (a key of the wrong length) raise :class:`emv.errors.EmvError`. A caller that sees the
same card often may pass its ICC master key (``icc_master_key``, derived once by
:func:`emv.keyderivation.derive_icc_master_key`) instead of having it derived on every call.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from emv import tlv
from emv.acdata import ac_input
from emv.cryptogram import (
    ArpcMethod,
    CryptogramType,
    CryptogramVersion,
    ac_key,
    arpc_method_1,
    arpc_method_2,
    compute_ac,
)
from emv.errors import CryptogramError, EmvError, TlvError
from emv.iad import Cvr, IssuerApplicationData, parse_iad
from emv.keyderivation import derive_icc_master_key

APPROVED_ARC = b"00"
"""ARC '3030' ("00" in ASCII, as tag '8A' carries it): approved."""
DECLINED_ARC = b"05"
"""ARC '3035' ("05", do not honour)."""
CSU_APPROVED = bytes.fromhex("00800000")
"""Card Status Update with only "issuer approves online transaction" (byte 2 b8) set (VIS)."""
CSU_DECLINED = bytes(4)
_CRYPTOGRAM_TYPES: dict[int, CryptogramType] = {kind.value: kind for kind in CryptogramType}
"""'9F27' b8-b7 (the byte masked with 0xC0) to its type; the reserved '11' is absent (read-only)."""


@dataclass(frozen=True)
class CryptogramCheck:
    """The outcome of :func:`verify_cryptogram`. ``reason`` is None exactly when ``ok``."""

    ok: bool
    cryptogram_type: CryptogramType | None = None
    cvn: CryptogramVersion | None = None
    atc: int | None = None
    reason: str | None = None
    ac_session_key: bytes | None = field(default=None, repr=False)
    """The key the cryptogram was checked with (ICC MK for CVN 10, AC session key for CVN 18), when it
    verified: the same key answers an ARQC's ARPC (:func:`issuer_authentication_data_values`'s ``key``)."""


def _required(values: dict[str, bytes], tag: str, length: int) -> bytes:
    value = values.get(tag)
    if value is None:
        raise CryptogramError(f"missing tag {tag}")
    if len(value) != length:
        raise CryptogramError(f"tag {tag}: {len(value)} bytes, expected {length}")
    return value


def _iad(values: dict[str, bytes]) -> IssuerApplicationData:
    raw = values.get("9F10")
    if raw is None:
        raise CryptogramError("missing tag 9F10")
    return parse_iad(raw)


def verify_cryptogram(field55: bytes, imk: bytes, pan: str, psn: str, *,
                      icc_master_key: bytes | None = None) -> CryptogramCheck:
    """Recompute the ARQC, TC or AAC in ``field55`` and compare it with '9F26'.

    Reasons on failure: "malformed TLV: ...", "missing tag XXXX", "tag XXXX: n bytes,
    expected m", "unsupported cryptogram version number N", "9F27 announces X but the CVR
    records Y", "cryptogram mismatch".
    """
    if len(imk) != 16:
        raise CryptogramError(f"issuer master key: {len(imk)} bytes, expected 16")
    try:
        values = tlv.decode_flat(field55)
    except TlvError as error:
        return CryptogramCheck(False, reason=f"malformed TLV: {error}")
    return verify_cryptogram_values(values, imk, pan, psn, icc_master_key=icc_master_key)


def verify_cryptogram_values(values: dict[str, bytes], imk: bytes, pan: str, psn: str, *,
                             icc_master_key: bytes | None = None) -> CryptogramCheck:
    """:func:`verify_cryptogram` of field 55 already decoded and flattened (:func:`emv.tlv.flatten`), for a
    host that reads field 55 once for both the check and the ARPC."""
    if len(imk) != 16:
        raise CryptogramError(f"issuer master key: {len(imk)} bytes, expected 16")
    icc_mk = icc_master_key or derive_icc_master_key(imk, pan, psn)
    kind: CryptogramType | None = None
    cvn: CryptogramVersion | None = None
    atc_value: int | None = None
    try:
        cid = _required(values, "9F27", 1)[0]
        kind = _CRYPTOGRAM_TYPES.get(cid & 0xC0)  # '11' (0xC0) is reserved: None
        if kind is None:
            raise CryptogramError("tag 9F27: reserved cryptogram type")
        cryptogram = _required(values, "9F26", 8)
        atc = _required(values, "9F36", 2)
        atc_value = int.from_bytes(atc, "big")
        iad = _iad(values)
        cvn = CryptogramVersion.from_number(iad.cvn)
        recorded = Cvr.first_ac_of(iad.cvr) if iad.cvr is not None else kind
        if recorded is not kind:
            recorded_name = "RFU" if recorded is None else recorded.name
            raise CryptogramError(f"9F27 announces {kind.name} but the CVR records {recorded_name}")
        key = ac_key(cvn, icc_mk, atc)
        expected = compute_ac(key, ac_input(cvn, values, iad), cvn.padding)  # '9F10' read once
    except EmvError as error:
        return CryptogramCheck(False, kind, cvn, atc_value, str(error))
    if not hmac.compare_digest(expected, cryptogram):
        return CryptogramCheck(False, kind, cvn, atc_value, "cryptogram mismatch")
    return CryptogramCheck(True, kind, cvn, atc_value, ac_session_key=key)


def generate_arpc(
    method: ArpcMethod | int,
    key: bytes,
    arqc: bytes,
    *,
    arc: bytes | None = None,
    csu: bytes | None = None,
    proprietary: bytes = b"",
) -> bytes:
    """ARPC by method 1 (needs ``arc``, 2 bytes) or method 2 (needs ``csu``, 4 bytes, and
    optional ``proprietary`` data up to 8 bytes), Book 2 sections 8.2.1 and 8.2.2."""
    chosen = ArpcMethod(method)
    if chosen is ArpcMethod.METHOD_1:
        if arc is None:
            raise CryptogramError("ARPC method 1 needs an ARC")
        return arpc_method_1(key, arqc, arc)
    if csu is None:
        raise CryptogramError("ARPC method 2 needs a CSU")
    return arpc_method_2(key, arqc, csu, proprietary)


def arpc_key(imk: bytes, pan: str, psn: str, cvn: CryptogramVersion, atc: bytes, *,
             icc_master_key: bytes | None = None) -> bytes:
    """The key the card checks the ARPC with: ICC MK (CVN 10) or AC session key (CVN 18)."""
    return ac_key(cvn, icc_master_key or derive_icc_master_key(imk, pan, psn), atc)


def issuer_authentication_data(field55: bytes, imk: bytes, pan: str, psn: str, approved: bool, *,
                               icc_master_key: bytes | None = None) -> bytes:
    """The value of tag '91' answering the ARQC in ``field55``, by the method of its CVN.

    Method 1: ARPC (8) || ARC (2). Method 2: ARPC (4) || CSU (4). Raises
    :class:`CryptogramError` when field 55 lacks what is needed.
    """
    return issuer_authentication_data_values(tlv.decode_flat(field55), imk, pan, psn, approved,
                                             icc_master_key=icc_master_key)


def issuer_authentication_data_values(values: dict[str, bytes], imk: bytes, pan: str, psn: str, approved: bool, *,
                                      icc_master_key: bytes | None = None, key: bytes | None = None,
                                      cvn: CryptogramVersion | None = None) -> bytes:
    """:func:`issuer_authentication_data` of field 55 already decoded and flattened.

    ``key``: the ARPC key when the caller has it already: the :attr:`CryptogramCheck.ac_session_key` of the
    check of this same field 55 (the card checks the ARPC with the key it made the ARQC with), so it is not
    derived a second time. ``cvn``: that check's :attr:`CryptogramCheck.cvn`, so '9F10' is not read again.
    """
    arqc = _required(values, "9F26", 8)
    atc = _required(values, "9F36", 2)
    if cvn is None:
        cvn = CryptogramVersion.from_number(_iad(values).cvn)
    if key is None:
        key = arpc_key(imk, pan, psn, cvn, atc, icc_master_key=icc_master_key)
    if cvn.arpc_method is ArpcMethod.METHOD_1:
        arc = APPROVED_ARC if approved else DECLINED_ARC
        return arpc_method_1(key, arqc, arc) + arc
    csu = CSU_APPROVED if approved else CSU_DECLINED
    return arpc_method_2(key, arqc, csu) + csu
