"""The journal browser: one row per transaction with its status, and a detail view of each.

The list shows three transactions a page, newest first (``S000001    20.00 APPR``: Sale / Refund /
Void, invoice, amount, status). ENTER shows older ones, CLEAR newer ones, 1-3 opens the detail of
a row. The detail pages come from :func:`pos_terminal.output.views.transaction_view` (the same view as
``possim txn status``): amount, status, RRN and date; a sale's refunded amount and remainder; a
refund's original and when its money arrives. On a refund, F1 asks the host where the money is
(the 0600 status inquiry) and shows its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pos_terminal.device.events import Key
from pos_terminal.device.screen import LINES, pair
from pos_terminal.device.status import Beep
from protocols.money import format_amount
from protocols.iso87 import response_text
from pos_terminal.state.records import TransactionRecord, TxnType
from pos_terminal.common.results import Outcome
from pos_terminal.output.views import TransactionView, transaction_view

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices

__all__ = ["HistoryBrowser", "detail_pages", "history_row", "history_rows", "status_word"]

HISTORY_LIMIT = 200
"""How many of the newest transactions the browser looks at."""
PAGE = LINES - 1
_KIND = {TxnType.SALE: "S", TxnType.REFUND: "R", TxnType.VOID: "V"}
_WORDS = {
    "approved": "APPR", "declined": "DECL", "voided": "VOID", "reversed": "REVD",
    "reversal-pending": "RPND", "offline-pending": "OFFL",
}
_ROW_KEYS = {Key.D1: 0, Key.D2: 1, Key.D3: 2}


def status_word(view: TransactionView) -> str:
    """APPR, DECL, VOID (approved, then voided), REVD (reversed), RPND (reversal owed), OFFL (advice owed)."""
    return _WORDS.get(view.status, view.status.upper()[:4])


def history_row(view: TransactionView) -> str:
    """``S000001    20.00 APPR``: kind, invoice, amount, status; 21 characters."""
    record = view.record
    amount = format_amount(record.amount, record.currency, with_code=False)
    return f"{_KIND[record.txn_type]}{record.invoice:06d} {amount:>8} {status_word(view)}"


def history_rows(views: Sequence[TransactionView]) -> list[str]:
    """Rows for ``views`` in the order given."""
    return [history_row(view) for view in views]


def detail_pages(view: TransactionView) -> list[list[str]]:
    """The detail of one transaction, page by page (4 rows of at most 21 characters)."""
    record = view.record
    money = record.currency
    pages = [[f"{view.type.upper()} INV {record.invoice:06d}", pair("AMOUNT", format_amount(record.amount, money)),
              pair("STATUS", view.status.upper()[:14]), pair("RRN", record.rrn or "-")],
             [pair("DATE", view.date), pair("TIME", f"{record.transmitted_at:%H:%M:%S}"), record.masked_pan,
              pair("RC", f"{record.response_code or '--'} {response_text(record.response_code or '--')}"[:17])]]
    if view.refunded is not None:
        pages.append([pair("REFUNDED", format_amount(view.refunded, money)),
                      pair("LEFT", format_amount(view.refundable_remaining or 0, money)), "", ""])
    original = view.original
    if original is not None:
        pages.append([pair("ORIG INV", f"{original.invoice:06d}" if original.invoice is not None else "-"),
                      pair("ORIG RRN", original.rrn or "-"), pair("ORIG DATE", original.date or "-"),
                      pair("LEFT", format_amount(view.original_remaining, money))
                      if view.original_remaining is not None else ""])
    credit = view.credit
    if credit is not None:
        channel = {"RT": "REAL-TIME", "BT": "BATCH", "XB": "CROSS-BORDER"}.get(credit.channel or "", "OFFLINE")
        pages.append([pair("FUNDS", channel), pair("EXPECTED", credit.expected_date or "-"),
                      pair("CREDIT", credit.status.upper()), "F1 ASK THE HOST"])
    return pages


class HistoryBrowser:
    """The list and detail screens of the journal browser, inside the MORE menu."""

    def __init__(self, device: DeviceServices) -> None:
        self.device = device
        self.page = 0
        self.views = [transaction_view(device.journal, record)
                      for record in reversed(device.journal.recent_transactions(HISTORY_LIMIT))]
        self.detail: TransactionView | None = None
        self.detail_page = 0
        self.note = ""

    def render(self) -> list[str]:
        if self.detail is not None:
            pages = detail_pages(self.detail)
            rows = pages[self.detail_page]
            # the host's answer replaces "F1 ASK THE HOST" on the funds page only, never another page's line 4
            on_funds_page = self.detail.credit is not None and self.detail_page == len(pages) - 1
            return [*rows[:3], self.note] if self.note and on_funds_page else rows
        total = len(self.views)
        if total == 0:
            return ["HISTORY", "NO TRANSACTIONS"]
        first = self.page * PAGE
        rows = history_rows(self.views[first:first + PAGE])
        return [pair(f"HIST {first + 1}-{first + len(rows)}/{total}", "1-3 VIEW"), *rows]

    @property
    def hint(self) -> str:
        if self.detail is not None:
            return "ENTER NEXT  CLEAR BACK  F1 ASK HOST" if self.detail.credit else "ENTER NEXT  CLEAR BACK"
        return "ENTER OLDER  CLEAR NEWER\n1-3 DETAIL  MENU BACK"

    async def on_key(self, key: Key) -> bool:
        """Handle ``key``; False when the browser is done (MENU on the list)."""
        if self.detail is not None:
            await self._detail_key(key)
            return True
        if key is Key.MENU:
            return False
        last_page = max(len(self.views) - 1, 0) // PAGE
        index = self.page * PAGE + _ROW_KEYS.get(key, PAGE)
        if key is Key.ENTER and self.page < last_page:
            self.page += 1
        elif key is Key.CLEAR and self.page > 0:
            self.page -= 1
        elif key in _ROW_KEYS and index < len(self.views):
            self.detail, self.detail_page, self.note = self.views[index], 0, ""
        else:
            self.device.beep(Beep.ERROR)
        return True

    async def _detail_key(self, key: Key) -> None:
        assert self.detail is not None
        pages = len(detail_pages(self.detail))
        if key is Key.ENTER and self.detail_page < pages - 1:
            self.detail_page += 1
        elif key is Key.CLEAR and self.detail_page > 0:
            self.detail_page -= 1
        elif key in (Key.CLEAR, Key.MENU):
            self.detail = None
        elif key is Key.F1 and self.detail.credit is not None:
            await self._ask_host(self.detail.record)
        else:
            self.device.beep(Beep.ERROR)

    async def _ask_host(self, record: TransactionRecord) -> None:
        """The status inquiry: the journal learns the host's answer; the credit page shows it."""
        device = self.device
        result = await device.online("REFUND STATUS", lambda: device.engine.inquire_status(record), connecting=True)
        self.detail = transaction_view(device.journal, device.journal.get(record.id))
        self.detail_page = len(detail_pages(self.detail)) - 1
        if result.outcome is Outcome.COMPLETED and result.approved:
            self.note = "HOST: " + (self.detail.credit.status.upper() if self.detail.credit else "OK")
        elif result.outcome is Outcome.COMPLETED:
            self.note = f"HOST: RC {result.response_code}"
        else:
            self.note = "NO HOST RESPONSE"
        device.beep(Beep.SUCCESS if result.approved else Beep.FAILURE)
