"""The CUP POS transaction-type table: what identifies each transaction on the wire.

A CUP POS transaction is identified by its MTI, processing code (DE 3), POS condition code
(DE 25) and transaction type code (60.1); network management messages add 60.3. The financial
rows are the table of the CUP POS terminal field description (中国银联 POS 终端消息域说明,
2002, section 1, "确定交易类型的要素列表", published at m.31ppt.com/p-2398641.html and
www.renrendoc.com/p-13821646.html), including its "是否引发冲正" column (``reversible``: a
failed or unanswered request is reversed with a 0400 carrying the same 60.1). The network
management rows (sign-on, sign-off, echo, IC key and parameter download, settlement, batch upload) carry no
DE 3 or DE 25; their 60.3 codes are those of the CUP POS specification as the direct-connect terminals use
them (:mod:`protocols.cup.icdownload` for the 370-382 download exchanges).
The batch upload sends sales as lists in DE 48 (60.3 = 201), each refund alone (0320 with the
refund's DE 3 and 60.1 = 25), and ends with 60.3 = 202 after totals that did not balance, 207
after totals that did (the terminal uploads nothing then but still ends the upload).

A refund (退货, 0220, 60.1 = 25) is never reversed: an unanswered refund is sent again, as the
same 0220, until the host answers.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass

REVERSAL_MTI = "0400"


@dataclass(frozen=True)
class TransactionType:
    """One row of the table. ``network_code`` is 60.3 (network management messages only)."""

    name: str
    label: str
    mti: str
    response_mti: str
    processing_code: str | None
    condition_code: str | None
    type_code: str
    network_code: str | None = None
    reversible: bool = False

    @property
    def reversal_mti(self) -> str | None:
        """``0400`` for the transactions a failure reverses, else None."""
        return REVERSAL_MTI if self.reversible else None


_ROWS = (
    # name, label, MTI, response MTI, DE 3, DE 25, 60.1, 60.3, reversible
    TransactionType("balance_inquiry", "查询 balance inquiry", "0200", "0210", "310000", "00", "01"),
    TransactionType("pre_authorization", "预授权 pre-authorization", "0100", "0110", "030000", "06", "10",
                    reversible=True),
    TransactionType("pre_authorization_void", "预授权撤消 pre-authorization void", "0100", "0110", "200000", "06",
                    "11", reversible=True),
    TransactionType("pre_authorization_completion", "预授权完成 pre-authorization completion", "0200", "0210",
                    "000000", "06", "20", reversible=True),
    TransactionType("pre_authorization_completion_void", "预授权完成撤消 completion void", "0200", "0210", "200000",
                    "06", "21", reversible=True),
    TransactionType("sale", "消费 sale", "0200", "0210", "000000", "00", "22", reversible=True),
    TransactionType("void", "消费撤销 void", "0200", "0210", "200000", "00", "23", reversible=True),
    TransactionType("refund", "退货 refund", "0220", "0230", "200000", "00", "25"),
    TransactionType("offline_settlement", "离线结算 offline settlement", "0220", "0230", "000000", "00", "30"),
    TransactionType("settlement_adjustment", "结算调整 settlement adjustment", "0220", "0230", "000000", "00", "32"),
    TransactionType("tip_adjustment", "结算调整(追加小费) tip adjustment", "0220", "0230", "000000", "00", "34"),
    TransactionType("sign_on_single_des", "签到 sign-on, single-length keys", "0800", "0810", None, None, "00", "001"),
    TransactionType("sign_on", "签到 sign-on, double-length keys", "0800", "0810", None, None, "00", "003"),
    TransactionType("sign_on_with_track_key", "签到 sign-on, double-length keys and track key", "0800", "0810",
                    None, None, "00", "004"),
    TransactionType("sign_off", "签退 sign-off", "0820", "0830", None, None, "00", "002"),
    TransactionType("echo_test", "回响测试 echo test", "0820", "0830", None, None, "00", "301"),
    TransactionType("ic_key_query", "IC卡公钥查询 CA public key status query", "0820", "0830", None, None, "00", "372"),
    TransactionType("ic_key_download", "IC卡公钥下载 CA public key download", "0800", "0810", None, None, "00", "370"),
    TransactionType("ic_key_download_end", "IC卡公钥下载结束 end of CA key download", "0800", "0810", None, None,
                    "00", "371"),
    TransactionType("ic_parameter_query", "IC卡参数查询 IC parameter status query", "0820", "0830", None, None, "00",
                    "382"),
    TransactionType("ic_parameter_download", "IC卡参数下载 IC parameter download", "0800", "0810", None, None, "00",
                    "380"),
    TransactionType("ic_parameter_download_end", "IC卡参数下载结束 end of IC parameter download", "0800", "0810", None,
                    None, "00", "381"),
    TransactionType("settlement", "批结算 settlement", "0500", "0510", None, None, "00", "201"),
    TransactionType("batch_upload", "批上送 batch upload", "0320", "0330", None, None, "00", "201"),
    TransactionType("batch_upload_end", "批上送结束 end of batch upload", "0320", "0330", None, None, "00", "202"),
    TransactionType("batch_upload_end_balanced", "批上送结束 end of batch upload, totals balanced", "0320", "0330",
                    None, None, "00", "207"),
    TransactionType("refund_upload", "退货批上送 batch upload of a refund", "0320", "0330", "200000", "00", "25"),
)

TRANSACTION_TYPES: Mapping[str, TransactionType] = types.MappingProxyType({row.name: row for row in _ROWS})
"""Every row by name (``sale``, ``void``, ``refund``, ``sign_on``, ``settlement``...)."""


def transaction_type(name: str) -> TransactionType:
    """The row called ``name``; a ValueError listing the names for an unknown one."""
    try:
        return TRANSACTION_TYPES[name]
    except KeyError:
        raise ValueError(f"unknown CUP transaction {name!r} (known: {', '.join(TRANSACTION_TYPES)})") from None


def identify(mti: str, processing_code: str | None, type_code: str,
             network_code: str | None = None) -> TransactionType | None:
    """The row a request matches (MTI, DE 3, 60.1 and, for network management, 60.3), or None.

    Only the first two digits of DE 3 (the transaction type) take part: the account type
    digits vary by card.
    """
    for row in _ROWS:
        if row.mti != mti or row.type_code != type_code:
            continue
        if row.processing_code is not None:
            if processing_code is None or processing_code[:2] != row.processing_code[:2]:
                continue
        elif row.network_code != network_code:
            continue
        return row
    return None
