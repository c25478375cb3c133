"""The MORE menu: settlement, sign-on, echo, reprint, the journal browser and the settings pages."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pos_terminal.device.events import Key
from pos_terminal.device.flow import Flow
from pos_terminal.device.history import history_rows
from pos_terminal.device.screen import LINES, WIDTH, pair
from pos_terminal.device.status import Beep
from pos_terminal.protocol import response_text
from pos_terminal.receipt import CUSTOMER_COPY
from pos_terminal.records import TransactionRecord, TxnStatus
from pos_terminal.results import Outcome, TxnResult

if TYPE_CHECKING:
    from pos_terminal.device.model import DeviceModel

__all__ = ["MoreFlow", "MoreStep"]

HISTORY_LIMIT = 200
"""How many of the newest transactions the history browser and the reprint look at."""

MENU_ROWS = ["F1 SETTLE  F2 SIGN-ON", "F3 ECHO    F4 REPRINT", "1 HISTORY  2 SETTINGS", "CANCEL: BACK"]
HISTORY_PAGE = LINES - 1
PRINTABLE = (TxnStatus.APPROVED, TxnStatus.DECLINED, TxnStatus.OFFLINE)


class MoreStep(StrEnum):
    MENU = "more.menu"
    HISTORY = "more.history"
    SETTINGS = "more.settings"


def network_rows(title: str, result: TxnResult) -> list[str]:
    """The result screen of a sign-on, an echo or a settlement."""
    if result.approved:
        return [title, "OK", f"RC {result.response_code}", ""]
    if result.outcome is Outcome.COMPLETED:
        code = result.response_code or "--"
        return [title, "FAILED", f"RC {code} {response_text(code)}", ""]
    if result.outcome is Outcome.REFUSED:
        return [title, "NOT ALLOWED", (result.error or "").upper(), ""]
    return [title, "FAILED", "NO HOST RESPONSE", ""]


class MoreFlow(Flow):
    """MENU -> a network function (result notice) | reprint | HISTORY pages | SETTINGS pages."""

    def __init__(self, device: DeviceModel) -> None:
        super().__init__(device)
        self._step = MoreStep.MENU
        self.page = 0
        self._history: list[str] = []

    @property
    def step(self) -> MoreStep:
        return self._step

    # ------------------------------------------------------------------ display

    def render(self) -> list[str]:
        if self._step is MoreStep.MENU:
            return MENU_ROWS
        if self._step is MoreStep.HISTORY:
            return self._history_page()
        return self._settings_page()

    def _history_page(self) -> list[str]:
        total = len(self._history)
        if total == 0:
            return ["HISTORY", "NO TRANSACTIONS"]
        first = self.page * HISTORY_PAGE
        rows = self._history[first:first + HISTORY_PAGE]
        return [pair("HISTORY", f"{first + 1}-{first + len(rows)}/{total}"), *rows]

    def _settings_pages(self) -> list[list[str]]:
        config = self.device.config
        url = config.host_url
        return [
            [f"TID {config.terminal_id}", f"MID {config.merchant_id}", f"KEYS {config.key_scheme.value.upper()}",
             f"DIALECT {config.dialect}"],
            ["HOST URL", *[url[i:i + WIDTH] for i in range(0, len(url), WIDTH)][: LINES - 1]],
        ]

    def _settings_page(self) -> list[str]:
        return self._settings_pages()[self.page]

    # ------------------------------------------------------------------ keys

    async def on_key(self, key: Key) -> None:
        if self._step is MoreStep.MENU:
            await self._menu_key(key)
        elif self._step is MoreStep.HISTORY:
            self._page_key(key, max(len(self._history) - 1, 0) // HISTORY_PAGE)
        else:
            self._page_key(key, len(self._settings_pages()) - 1)

    def _page_key(self, key: Key, last_page: int) -> None:
        """ENTER: next (older) page; CLEAR: previous page; MENU: back to the menu."""
        if key is Key.MENU:
            self._step, self.page = MoreStep.MENU, 0
        elif key is Key.ENTER and self.page < last_page:
            self.page += 1
        elif key is Key.CLEAR and self.page > 0:
            self.page -= 1
        else:
            self.device.beep(Beep.ERROR)

    async def _menu_key(self, key: Key) -> None:
        device = self.device
        engine = device.engine
        if key is Key.F1:
            await self._settle()
        elif key is Key.F2:
            device.finish(network_rows("SIGN-ON", await device.online("SIGN-ON", engine.sign_on, connecting=True)))
        elif key is Key.F3:
            device.finish(network_rows("ECHO TEST", await device.online("ECHO TEST", engine.echo, connecting=True)))
        elif key is Key.F4:
            self._reprint()
        elif key is Key.D1:
            self._history = history_rows(device.journal.recent_transactions(HISTORY_LIMIT))
            self._step, self.page = MoreStep.HISTORY, 0
        elif key is Key.D2:
            self._step, self.page = MoreStep.SETTINGS, 0
        elif key is Key.MENU:
            device.go_idle()
        else:
            device.beep(Beep.ERROR)

    async def _settle(self) -> None:
        device = self.device
        settle = getattr(device.engine, "settle", None)
        if settle is None:
            device.finish(["SETTLEMENT", "NOT AVAILABLE"], Beep.ERROR)
            return
        result: TxnResult = await device.online("SETTLEMENT", settle, connecting=True)
        report = self._report_lines(result)
        if report:
            device.print_lines(report)
        rows = network_rows("SETTLEMENT", result)
        settlement = getattr(result, "settlement", None)
        if result.approved:
            rows[1] = "BATCH CLOSED"
            if isinstance(settlement, dict) and isinstance(settlement.get("batch"), int):
                rows[3] = f"BATCH {settlement['batch']:06d}"
        device.finish(rows, Beep.SUCCESS if result.approved else Beep.FAILURE)

    def _report_lines(self, result: TxnResult) -> list[str]:
        """The settlement report to print: the engine's lines, else rendered from its report data."""
        if result.receipt:
            return list(result.receipt)
        settlement = getattr(result, "settlement", None)
        if not isinstance(settlement, dict):
            return []
        try:
            from pos_terminal.settlement import report_lines
        except ImportError:
            return []
        return report_lines(settlement, self.device.config.currency, self.device.receipt_width)

    def _reprint(self) -> None:
        record = self._last_printable()
        if record is None:
            self.device.finish(["REPRINT", "NO RECEIPT"], Beep.ERROR)
            return
        self.device.print_record(record, CUSTOMER_COPY, duplicate=True)
        self.device.finish(["REPRINT", f"INV {record.invoice:06d}", "PRINTED"])

    def _last_printable(self) -> TransactionRecord | None:
        """The newest transaction that printed a receipt (the host or the terminal decided it)."""
        journal = self.device.journal
        last = journal.last_transaction()
        if last is None or last.status in PRINTABLE:
            return last
        recent = journal.recent_transactions(HISTORY_LIMIT)
        return next((record for record in reversed(recent) if record.status in PRINTABLE), None)
