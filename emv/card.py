"""A simulated EMV chip card: GENERATE AC and EXTERNAL AUTHENTICATE from its own keys.

The card derives its ICC master key from the issuer master key it was personalised with
(EMV 4.4 Book 2 A1.4.1 Option A; a real card stores the derived key, the result is the
same), keeps an Application Transaction Counter incremented on every GENERATE AC, and
answers with the Book 3 section 6.5.5 data: CID '9F27', ATC '9F36', AC '9F26' and Issuer
Application Data '9F10' (Visa format 0/1/3 with the CVR, :mod:`emv.iad`).

Card action analysis (Book 3 section 6.5.5.4, Book 4 section 6.3.7): a card never returns
a cryptogram "higher" than the one asked for. Asked AAC it returns AAC; asked TC it returns
TC (only when configured to approve offline) or ARQC; asked ARQC it returns ARQC, or AAC
when the application is blocked.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from emv.acdata import ac_input
from emv.cryptogram import (
    CryptogramType,
    CryptogramVersion,
    ac_key,
    arpc_method_1,
    arpc_method_2,
    compute_ac,
)
from emv.errors import CardError
from emv.iad import Cvr, build_iad
from emv.keyderivation import derive_icc_master_key
from emv.masking import luhn_valid, mask_pan
from emv.terminal_data import TerminalData
from emv.tlv import Tlv

MAX_ATC = 0xFFFF
DEFAULT_AIP = bytes.fromhex("5C00")
"""SDA, cardholder verification, terminal risk management and issuer authentication supported."""
VISA_CREDIT_AID = bytes.fromhex("A0000000031010")


@dataclass(frozen=True)
class CardResponse:
    """The answer to one GENERATE AC (Book 3 section 6.5.5.4)."""

    cryptogram_type: CryptogramType
    cryptogram: bytes
    atc: bytes
    issuer_application_data: bytes

    @property
    def cid(self) -> bytes:
        """Cryptogram Information Data '9F27': the type in bits 8-7, no advice bits."""
        return bytes([self.cryptogram_type])

    def tlvs(self) -> list[Tlv]:
        """The response data objects in template '77' order: 9F27, 9F36, 9F26, 9F10."""
        return [
            Tlv.primitive("9F27", self.cid),
            Tlv.primitive("9F36", self.atc),
            Tlv.primitive("9F26", self.cryptogram),
            Tlv.primitive("9F10", self.issuer_application_data),
        ]


@dataclass(frozen=True)
class _PendingArqc:
    arqc: bytes
    atc: bytes
    key: bytes
    """The AC key the ARQC was made under (the ARPC's key too, Book 2 8.2): derived once per transaction."""


@dataclass(repr=False)
class SimulatedCard:
    """One card. ``pin`` and ``issuer_master_key`` never appear in its repr; the PAN is masked.

    ``always_fail`` makes every cryptogram wrong (for declined-cryptogram tests);
    ``blocked`` makes the card refuse to go online (AAC); ``approve_offline`` lets it
    accept a TC request instead of going online.
    """

    pan: str
    psn: str
    expiry: str
    service_code: str
    pin: str
    issuer_master_key: bytes
    cvn: CryptogramVersion = CryptogramVersion.CVN18
    atc: int = 0
    aip: bytes = DEFAULT_AIP
    aid: bytes = VISA_CREDIT_AID
    dki: int = 0x01
    track2_discretionary: str = ""
    always_fail: bool = False
    blocked: bool = False
    approve_offline: bool = False
    issuer_authentication_failed: bool = field(default=False, init=False)
    _pending: _PendingArqc | None = field(default=None, init=False)
    _derived: tuple[tuple[bytes, str, str], bytes] | None = field(default=None, init=False, compare=False)
    """The ICC master key and the (IMK, PAN, PSN) it was derived from: derived again only when they change."""
    _iads: dict[tuple[CryptogramVersion, CryptogramType, int], bytes] = field(default_factory=dict, init=False,
                                                                             compare=False)
    """The Issuer Application Data of a first GENERATE AC by (CVN, cryptogram type, DKI): the same few values for
    every transaction, so each is built once."""

    def __post_init__(self) -> None:
        if not (self.pan.isdigit() and 12 <= len(self.pan) <= 19 and luhn_valid(self.pan)):
            raise CardError(f"PAN {mask_pan(self.pan)}: expected 12..19 digits passing the Luhn check")
        if not (self.psn.isdigit() and len(self.psn) == 2):
            raise CardError("PAN sequence number: expected 2 digits")
        if not (self.expiry.isdigit() and len(self.expiry) == 4 and 1 <= int(self.expiry[2:]) <= 12):
            raise CardError("expiry: expected YYMM")
        if not (self.service_code.isdigit() and len(self.service_code) == 3):
            raise CardError("service code: expected 3 digits")
        if not (self.pin.isdigit() and 4 <= len(self.pin) <= 12):
            raise CardError("PIN: expected 4..12 digits")
        if len(self.issuer_master_key) != 16:
            raise CardError(f"issuer master key: {len(self.issuer_master_key)} bytes, expected 16")
        if not 0 <= self.atc <= MAX_ATC:
            raise CardError(f"ATC {self.atc} is outside 0..{MAX_ATC}")
        if not self.track2_discretionary.isdigit() and self.track2_discretionary:
            raise CardError("track 2 discretionary data: digits only")
        self.cvn = CryptogramVersion(self.cvn)

    def __repr__(self) -> str:
        return (
            f"SimulatedCard(pan={mask_pan(self.pan)!r}, psn={self.psn!r}, cvn={self.cvn.name}, "
            f"atc={self.atc}, always_fail={self.always_fail})"
        )

    @property
    def masked_pan(self) -> str:
        """First 6 and last 4 digits of the PAN."""
        return mask_pan(self.pan)

    @property
    def track2(self) -> bytes:
        """Track 2 Equivalent Data '57': PAN 'D' YYMM service code discretionary, 'F'-padded."""
        digits = f"{self.pan}D{self.expiry}{self.service_code}{self.track2_discretionary}"
        return bytes.fromhex(digits + "F" * (len(digits) % 2))

    @property
    def psn_bcd(self) -> bytes:
        """The PAN sequence number as tag '5F34' carries it (n 2, one byte)."""
        return bytes.fromhex(self.psn)

    def _icc_master_key(self) -> bytes:
        source = (self.issuer_master_key, self.pan, self.psn)
        derived = self._derived
        if derived is not None and derived[0] == source:
            return derived[1]
        key = derive_icc_master_key(*source)
        self._derived = (source, key)
        return key

    def _decide(self, requested: CryptogramType) -> CryptogramType:
        if requested is CryptogramType.AAC or self.blocked:
            return CryptogramType.AAC
        if requested is CryptogramType.TC and self.approve_offline:
            return CryptogramType.TC
        return CryptogramType.ARQC

    def generate_ac(self, requested: CryptogramType, cdol1_data: TerminalData) -> CardResponse:
        """First GENERATE AC: increment the ATC, decide the type, compute the cryptogram."""
        requested = CryptogramType(requested)
        if self.atc >= MAX_ATC:
            raise CardError("ATC exhausted: the application is blocked")
        self.atc += 1
        atc = self.atc.to_bytes(2, "big")
        kind = self._decide(requested)
        cvn = self.cvn
        iad = self._iads.get((cvn, kind, self.dki)) or self._first_ac_iad(kind)
        values = cdol1_data.tag_values()
        values["82"], values["9F36"], values["9F10"] = self.aip, atc, iad
        key = ac_key(cvn, self._icc_master_key(), atc)
        cryptogram = compute_ac(key, ac_input(cvn, values), cvn.padding)
        if self.always_fail:
            cryptogram = bytes(byte ^ 0xFF for byte in cryptogram)
        self._pending = _PendingArqc(cryptogram, atc, key) if kind is CryptogramType.ARQC else None
        return CardResponse(kind, cryptogram, atc, iad)

    def _first_ac_iad(self, kind: CryptogramType) -> bytes:
        """The IAD (format 0/1/3, :func:`~emv.iad.build_iad`) of a first GENERATE AC answered with ``kind``, kept."""
        iad = self._iads[(self.cvn, kind, self.dki)] = build_iad(self.cvn, Cvr(first_ac=kind), self.dki)
        return iad

    def external_authenticate(self, arpc: bytes, arc: bytes, proprietary: bytes = b"") -> bool:
        """Verify the issuer's ARPC for the last ARQC (Book 3 section 6.5.4, Book 2 8.2).

        ``arc`` is the 2-byte Authorisation Response Code for CVN 10 (ARPC method 1 under
        the ICC master key), the 4-byte Card Status Update for CVN 18 (method 2 under the
        session key, with optional ``proprietary`` authentication data). The result is
        recorded in :attr:`issuer_authentication_failed`; the pending ARQC is consumed.
        """
        pending = self._pending
        if pending is None:
            raise CardError("no ARQC pending: EXTERNAL AUTHENTICATE needs a preceding GENERATE AC returning ARQC")
        self._pending = None
        key = pending.key
        if self.cvn is CryptogramVersion.CVN10:
            expected = arpc_method_1(key, pending.arqc, arc)
        else:
            expected = arpc_method_2(key, pending.arqc, arc, proprietary)
        ok = hmac.compare_digest(expected, bytes(arpc))
        self.issuer_authentication_failed = not ok
        return ok
