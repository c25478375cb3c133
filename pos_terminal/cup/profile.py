"""The defaults of the ``cup-pos`` profile, in one record the terminal and the host share.

The terminal's own configuration default stays USD (840) for the other dialects; a terminal
or host running ``--dialect cup-pos`` takes its currency and key scheme from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iso8583.cup_header import CupMessageHeader
from iso8583.dialects.cup_pos import DEFAULT_CURRENCY, DEFAULT_CURRENCY_EXPONENT
from iso8583.dialects.cup_pos import NAME as DIALECT_NAME
from keys.mac import MacAlgorithm
from pos_terminal.cup.fields import SecurityControl
from pos_terminal.cup.signon_keys import SignOnKeyScheme


@dataclass(frozen=True)
class CupPosProfile:
    """Dialect, currency (CNY 156, in fen), MAC, sign-on key scheme, DE 53 and message header."""

    dialect_name: str = DIALECT_NAME
    currency: str = DEFAULT_CURRENCY
    currency_exponent: int = DEFAULT_CURRENCY_EXPONENT
    mac_algorithm: MacAlgorithm = MacAlgorithm.CUP_ECB
    sign_on_scheme: SignOnKeyScheme = SignOnKeyScheme.DOUBLE_LENGTH
    security_control: SecurityControl = field(default_factory=SecurityControl)
    message_header: CupMessageHeader = field(default_factory=CupMessageHeader)


CUP_POS_PROFILE = CupPosProfile()
"""The profile as shipped: CNY, double-length keys (60.3 = 003), DE 53 ``2600000000000000``."""
