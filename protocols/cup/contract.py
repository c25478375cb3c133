"""The defaults of the ``cup-pos`` profile, in one record the terminal and the host share.

The terminal's own configuration default stays USD (840) for the other dialects; a terminal
or host running ``--dialect cup-pos`` takes its currency and key scheme from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iso8583.cup_header import CupHeader, CupMessageHeader
from iso8583.dialects.cup_pos import DEFAULT_CURRENCY, DEFAULT_CURRENCY_EXPONENT
from iso8583.dialects.cup_pos import NAME as DIALECT_NAME
from iso8583.tpdu import Tpdu
from keys.mac import MacAlgorithm
from protocols.cup.fields import SecurityControl
from protocols.cup.signon_keys import SignOnKeyScheme


@dataclass(frozen=True)
class CupContract:
    """Dialect, currency (CNY 156, in fen), MAC, sign-on key scheme, DE 53, header and the terminal's
    constants: the TPDU it addresses the host with (destination NII 1, source 0), the operator of
    DE 63 (``01 ``, operator 01 and a space) and DE 26 (``12``: PINs of up to 12 digits)."""

    dialect_name: str = DIALECT_NAME
    currency: str = DEFAULT_CURRENCY
    currency_exponent: int = DEFAULT_CURRENCY_EXPONENT
    mac_algorithm: MacAlgorithm = MacAlgorithm.CUP_ECB
    sign_on_scheme: SignOnKeyScheme = SignOnKeyScheme.DOUBLE_LENGTH
    security_control: SecurityControl = field(default_factory=SecurityControl)
    message_header: CupMessageHeader = field(default_factory=CupMessageHeader)
    tpdu: Tpdu = Tpdu(0x0001, 0x0000)
    operator: str = "01 "
    pin_capture_code: str = "12"

    @property
    def request_header(self) -> bytes:
        """The 11 header bytes of the terminal's requests."""
        return CupHeader(self.tpdu, self.message_header).build()


CUP_CONTRACT = CupContract()
"""The profile as shipped: CNY, double-length keys (60.3 = 003), DE 53 ``2600000000000000``."""
