"""Printed receipts: one journaled transaction rendered as the lines a 32- or 40-column printer prints.

A receipt shows only what the journal holds, so it never sees a full PAN (the
record carries the masked PAN). The merchant copy of a refund carries a
signature line: the merchant signs for the money going back to the card.

Amounts are shown with :func:`protocols.money.format_amount`, like the device
display, so both show them identically.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from pos_terminal.state.config import TerminalConfig
from protocols.money import Currency, currency, format_amount
from protocols.dcc import rate_text
from protocols.iso87 import ProcessingCode, response_text
from protocols.possim87.additional_data import REFUND_REASONS
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType
from pos_terminal.output.views import TransactionView

__all__ = [
    "CUSTOMER_COPY",
    "MERCHANT_COPY",
    "RECEIPT_WIDTHS",
    "Currency",
    "currency",
    "format_amount",
    "funds_line",
    "render_receipt",
]

MERCHANT_COPY = "MERCHANT COPY"
CUSTOMER_COPY = "CUSTOMER COPY"
RECEIPT_WIDTHS = (32, 40)


_ENTRY_TEXT = {"chip": "CHIP", "contactless": "CONTACTLESS", "swipe": "SWIPE", "manual": "MANUAL"}


def _iso_date(yyyymmdd: str) -> str:
    if len(yyyymmdd) == 8 and yyyymmdd.isdigit():
        return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
    return yyyymmdd


def funds_line(host_data: dict[str, object]) -> str | None:
    """When the refund reaches the cardholder, as the host reported it (DE 63 CC/CD); None if unreported."""
    channel, date = host_data.get("credit_channel"), host_data.get("credit_date")
    if not isinstance(date, str):
        return None
    if channel == "RT":
        return f"FUNDS: REAL-TIME {_iso_date(date)}"
    if channel == "BT":
        return f"FUNDS EXPECTED BY {_iso_date(date)}"
    if channel == "XB":
        return f"FUNDS ABROAD BY {_iso_date(date)}"
    return None


def _status_text(record: TransactionRecord) -> list[str]:
    code = record.response_code
    if record.status is TxnStatus.APPROVED:
        return ["APPROVED"]
    if record.status is TxnStatus.OFFLINE:
        return ["APPROVED OFFLINE"]
    if record.status is TxnStatus.DECLINED:
        return ["DECLINED", response_text(code)] if code else ["DECLINED"]
    if record.status is TxnStatus.REVERSED:
        return ["REVERSED", "NO FUNDS MOVED"]
    return ["NOT COMPLETED"]


class _Lines:
    """Accumulates receipt lines of one width."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def center(self, text: str) -> None:
        self.lines.append(text[: self.width].center(self.width).rstrip())

    def pair(self, label: str, value: str | None) -> None:
        """``label`` left and ``value`` right; omitted when there is no value."""
        if value is None:
            return
        gap = max(self.width - len(label) - len(value), 1)
        self.lines.append((label + " " * gap + value)[: self.width])

    def text(self, text: str) -> None:
        self.lines.append(text[: self.width])

    def blank(self) -> None:
        self.lines.append("")

    def extend_centered(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.center(text)


def _original_lines(out: _Lines, view: TransactionView, money: str) -> None:
    """ORIGINAL RRN / INVOICE / DATE / AMOUNT of a refund's sale, and what is left to refund of it."""
    original = view.original
    assert original is not None
    out.pair("ORIGINAL RRN", original.rrn)
    out.pair("ORIGINAL INVOICE", f"{original.invoice:06d}" if original.invoice is not None else None)
    out.pair("ORIGINAL DATE", original.date)
    out.pair("ORIGINAL AMOUNT", format_amount(original.amount, money) if original.amount is not None else None)
    if view.original_remaining is not None:
        out.pair("LEFT TO REFUND", format_amount(view.original_remaining, money))


def dcc_disclosure(record: TransactionRecord) -> str:
    """The cardholder's DCC disclosure: what was chosen, at what rate and markup, by whom (the text card schemes
    require on a DCC receipt: both amounts, the rate, the markup, the choice)."""
    assert record.dcc is not None
    alpha = currency(record.dcc.currency).alpha
    if record.txn_type is TxnType.SALE:
        return (f"I WAS OFFERED A CHOICE OF CURRENCIES AND CHOSE TO PAY IN {alpha}. THE RATE INCLUDES A "
                f"{record.dcc.markup_percent}% MARKUP OVER THE REFERENCE RATE. CONVERSION BY {record.dcc.provider}.")
    return f"REFUNDED IN {alpha}, THE CURRENCY THE CARDHOLDER PAID IN. CONVERSION BY {record.dcc.provider}."


def _dcc_lines(out: _Lines, record: TransactionRecord) -> None:
    """The conversion: the cardholder's amount, the rate (per 1 unit of the merchant's currency), the markup,
    the provider and the disclosure text."""
    dcc = record.dcc
    assert dcc is not None
    label = "CARDHOLDER PAYS" if record.txn_type is TxnType.SALE else "CARDHOLDER GETS"
    out.pair(label, format_amount(dcc.amount, dcc.currency))
    out.pair("RATE", f"1 {currency(record.currency).alpha} = {rate_text(dcc.rate)} {currency(dcc.currency).alpha}")
    out.pair("MARKUP", f"{dcc.markup_percent}%")
    out.pair("DCC PROVIDER", dcc.provider)
    for line in textwrap.wrap(dcc_disclosure(record), out.width):
        out.text(line)


def _title(record: TransactionRecord) -> str:
    return {TxnType.SALE: "SALE", TxnType.REFUND: "REFUND", TxnType.VOID: "VOID"}[record.txn_type]


def render_receipt(record: TransactionRecord, config: TerminalConfig, copy: str, *, width: int = 32,
                   duplicate: bool = False, view: TransactionView | None = None) -> list[str]:
    """The lines of one receipt copy (``MERCHANT_COPY`` or ``CUSTOMER_COPY``) of ``record``.

    ``width`` is the printer's columns (32 or 40); ``duplicate`` marks a reprint. ``view``
    (:func:`pos_terminal.output.views.transaction_view`) adds what the journal knows around the record:
    a refund's original sale and what is left to refund of it, a void's original.
    Lines are at most ``width`` characters, right-trimmed.
    """
    if width not in RECEIPT_WIDTHS:
        raise ValueError(f"width must be one of {RECEIPT_WIDTHS}, got {width}")
    out = _Lines(width)
    out.center(config.merchant_name)
    out.center(config.merchant_city)
    out.blank()
    out.pair("TERMINAL ID", config.terminal_id)
    out.pair("MERCHANT ID", config.merchant_id)
    moment = record.transmitted_at
    out.pair(f"DATE {moment:%Y-%m-%d}", f"TIME {moment:%H:%M:%S}")
    out.blank()
    out.center(_title(record))
    if duplicate:
        out.center("*** DUPLICATE ***")
    out.blank()
    out.pair("CARD", record.masked_pan)
    out.pair("ENTRY", _ENTRY_TEXT.get(record.entry_mode, record.entry_mode.upper()))
    out.pair("INVOICE", f"{record.invoice:06d}")
    out.pair("BATCH", f"{record.batch:06d}")
    out.pair("STAN", f"{record.stan:06d}")
    out.pair("RRN", record.rrn)
    out.pair("AUTH CODE", record.auth_code)
    if record.txn_type is TxnType.VOID:
        out.pair("VOID OF", "REFUND" if record.processing_code == ProcessingCode.VOID_REFUND else "SALE")
        if view is not None and view.original is not None and view.original.invoice is not None:
            out.pair("ORIGINAL INVOICE", f"{view.original.invoice:06d}")
    out.blank()
    out.pair("AMOUNT", format_amount(record.amount, record.currency))
    if record.dcc is not None:
        _dcc_lines(out, record)
    elif record.host_data.get("cross_border") == "Y":
        out.text("CARD ISSUED ABROAD")
    if record.txn_type is TxnType.REFUND:
        out.blank()
        out.pair("REFUND REF", record.rrn)
        if record.reason_code:
            out.pair("REASON", f"{record.reason_code} {REFUND_REASONS.get(record.reason_code, '')}".strip())
        if view is not None and view.original is not None:
            _original_lines(out, view, record.currency)
        funds = funds_line(record.host_data)
        if funds is not None:
            out.text(funds)
    out.blank()
    out.extend_centered(_status_text(record))
    out.pair("RESPONSE CODE", record.response_code)
    if copy == MERCHANT_COPY and record.txn_type is TxnType.REFUND and record.status is not TxnStatus.DECLINED:
        out.blank()
        out.blank()
        out.text("X" + "_" * (width - 1))
        out.center("MERCHANT SIGNATURE")
    out.blank()
    out.center(copy)
    return out.lines
