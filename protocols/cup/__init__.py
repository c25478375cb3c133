"""China UnionPay POS protocol knowledge shared by the terminal and the host (``cup-pos``).

Pure encoders and decoders, no I/O:

* :mod:`protocols.cup.fields`: DE 60 (:class:`Field60`), DE 61 (:class:`Field61`), DE 53
  (:class:`SecurityControl`), DE 48 settlement totals (:class:`SettlementTotals`);
* :mod:`protocols.cup.signon_keys`: DE 62 of the sign-on answer (:class:`SignOnKeys`) and
  the wrapping of working keys under the terminal master key;
* :mod:`protocols.cup.transactions`: the transaction-type table;
* :mod:`protocols.cup.mac`: DE 64 over a ``cup-pos`` frame;
* :mod:`protocols.cup.contract`: the profile's defaults (CNY 156...).

The wire layout itself is the ``cup-pos`` dialect (:mod:`iso8583.dialects.cup_pos`) and its
header helper (:mod:`iso8583.cup_header`); the MAC algorithm is :mod:`keys.cup_mac`.
"""

from __future__ import annotations

from protocols.cup.errors import CheckValueError, CupFieldError
from protocols.cup.fields import (
    CardTotals,
    Field60,
    Field61,
    PinBlockMethod,
    PinEncryption,
    ReconciliationResult,
    SecurityControl,
    SettlementTotals,
)
from protocols.cup.mac import apply_mac, mac_block, verify_frame_mac
from protocols.cup.contract import CUP_CONTRACT, CupContract
from protocols.cup.signon_keys import (
    SignOnKeys,
    SignOnKeyScheme,
    WorkingKeys,
    check_value,
    unwrap_working_keys,
    wrap_working_keys,
)
from protocols.cup.transactions import TRANSACTION_TYPES, TransactionType, identify, transaction_type

__all__ = [
    "CUP_CONTRACT", "CardTotals", "CheckValueError", "CupFieldError", "CupContract", "Field60", "Field61",
    "PinBlockMethod", "PinEncryption", "ReconciliationResult", "SecurityControl", "SettlementTotals",
    "SignOnKeyScheme", "SignOnKeys", "TRANSACTION_TYPES", "TransactionType", "WorkingKeys", "apply_mac",
    "check_value", "identify", "mac_block", "transaction_type", "unwrap_working_keys", "verify_frame_mac",
    "wrap_working_keys",
]
