"""The MORE menu: settlement, sign-on, sign-off, echo, reprint, the journal browser, settings and the admin unlock.

Settlement is a supervisor function: F1 asks the supervisor password first (wrong ones count
toward the lockout like a refund's or a void's), and settles with the supervisor's grant.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pos_terminal.device.events import Key
from pos_terminal.device.flow import Flow
from pos_terminal.device.entry import DigitEntry
from pos_terminal.device.history import HistoryBrowser
from pos_terminal.device.prompts import PASSWORD_MAX, PasswordPrompt, locked_rows
from pos_terminal.device.screen import LINES, WIDTH, right, wrap
from pos_terminal.device.status import Beep
from protocols.iso87 import response_text
from pos_terminal.output.receipt import CUSTOMER_COPY
from pos_terminal.state.records import TransactionRecord, TxnStatus
from pos_terminal.common.results import Outcome, TxnResult

if TYPE_CHECKING:
    from pos_terminal.device.services import DeviceServices
    from pos_terminal.rules.supervisor import Grant

__all__ = ["MoreFlow", "MoreStep"]

HISTORY_LIMIT = 200
"""How many of the newest transactions the reprint looks at."""

MENU_ROWS = ["F1 SETTLE  F2 SIGN-ON", "F3 ECHO    F4 REPRINT", "1 HISTORY  2 SETTINGS", "3 UNLOCK  4 SIGN-OFF"]
PRINTABLE = (TxnStatus.APPROVED, TxnStatus.DECLINED, TxnStatus.OFFLINE)


class MoreStep(StrEnum):
    MENU = "more.menu"
    HISTORY = "more.history"
    SETTINGS = "more.settings"
    UNLOCK = "more.unlock"
    SETTLE_PASSWORD = "more.settle-password"


def network_rows(title: str, result: TxnResult) -> list[str]:
    """The result screen of a sign-on, an echo or a settlement."""
    if result.approved:
        return [title, "OK", f"RC {result.response_code}", ""]
    if result.outcome is Outcome.COMPLETED:
        code = result.response_code or "--"
        return [title, "FAILED", f"RC {code} {response_text(code)}", ""]
    if result.outcome is Outcome.REFUSED:
        return [title, "NOT ALLOWED", *(result.screen or wrap((result.error or "").upper(), None))]
    return [title, "FAILED", "NO HOST RESPONSE", ""]


class MoreFlow(Flow):
    """MENU -> a network function (result notice) | reprint | HISTORY pages | SETTINGS pages."""

    def __init__(self, device: DeviceServices) -> None:
        super().__init__(device)
        self._step = MoreStep.MENU
        self.page = 0
        self.history: HistoryBrowser | None = None
        self.admin = DigitEntry(PASSWORD_MAX, secret=True)
        self.settle_prompt = PasswordPrompt(self, "SETTLEMENT", "settle")

    @property
    def step(self) -> MoreStep:
        return self._step

    # ------------------------------------------------------------------ display

    def render(self) -> list[str]:
        if self._step is MoreStep.MENU:
            return MENU_ROWS
        if self._step is MoreStep.HISTORY:
            assert self.history is not None
            return self.history.render()
        if self._step is MoreStep.UNLOCK:
            return ["ADMIN UNLOCK", "ADMIN PASSWORD", right(self.admin.shown), ""]
        if self._step is MoreStep.SETTLE_PASSWORD:
            return self.settle_prompt.render()
        return self._settings_page()

    @property
    def hint(self) -> str:
        if self._step is MoreStep.HISTORY and self.history is not None:
            return self.history.hint
        if self._step is MoreStep.UNLOCK:
            return "ENTER OK  CLEAR DELETE  CANCEL BACK"
        if self._step is MoreStep.SETTLE_PASSWORD:
            return PasswordPrompt.hint
        if self._step is MoreStep.SETTINGS:
            return "ENTER NEXT  CLEAR PREVIOUS  MENU BACK"
        return "F1-F4 OR 1-4: CHOOSE\nMENU OR CANCEL: BACK"

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
            assert self.history is not None
            if not await self.history.on_key(key):
                self._step, self.history = MoreStep.MENU, None
        elif self._step is MoreStep.UNLOCK:
            await self._unlock_key(key)
        elif self._step is MoreStep.SETTLE_PASSWORD:
            grant = await self.settle_prompt.on_key(key)
            if grant is not None:
                await self._settle(grant)
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
            await self._ask_settle()
        elif key is Key.F2:
            self._network_result("SIGN-ON", await device.online("SIGN-ON", engine.sign_on, connecting=True))
        elif key is Key.F3:
            self._network_result("ECHO TEST", await device.online("ECHO TEST", engine.echo, connecting=True))
        elif key is Key.F4:
            self._reprint()
        elif key is Key.D1:
            self.history = HistoryBrowser(device)
            self._step = MoreStep.HISTORY
        elif key is Key.D2:
            self._step, self.page = MoreStep.SETTINGS, 0
        elif key is Key.D3:
            self._step = MoreStep.UNLOCK
        elif key is Key.D4:
            self._network_result("SIGN-OFF", await device.online("SIGN-OFF", engine.sign_off, connecting=True))
        elif key is Key.MENU:
            device.go_idle()
        else:
            device.beep(Beep.ERROR)

    def _network_result(self, title: str, result: TxnResult) -> None:
        """A sign-on's or an echo's result, with its own beep: a good echo replaces an earlier failure's."""
        self.device.finish(network_rows(title, result), Beep.SUCCESS if result.approved else Beep.FAILURE)

    async def _unlock_key(self, key: Key) -> None:
        """The merchant admin password lifts the supervisor lockout."""
        if key is not Key.ENTER:
            self.type_into(self.admin, key)
            return
        password = self.admin.digits
        self.admin.wipe()
        if not password:
            self.device.beep(Beep.ERROR)
            return
        verdict = await self.device.supervisor.unlock(password)
        if verdict.unlocked:
            self.device.finish(["ADMIN UNLOCK", "SUPERVISOR FUNCTIONS", "UNLOCKED", ""], Beep.SUCCESS)
        elif verdict.locked:
            self.device.finish(["ADMIN UNLOCK", "TOO MANY WRONG", "ADMIN PASSWORDS", "UNLOCK LOCKED"], Beep.FAILURE)
        else:
            tries = "1 TRY LEFT" if verdict.tries_left == 1 else f"{verdict.tries_left} TRIES LEFT"
            self.device.finish(["ADMIN UNLOCK", "WRONG ADMIN PASSWORD", "STILL LOCKED"
                                if self.device.supervisor.locked_until() else "", tries], Beep.FAILURE)

    def wipe(self) -> None:
        self.admin.wipe()
        self.settle_prompt.wipe()

    async def _ask_settle(self) -> None:
        """F1: refused at once while locked (journaled), else the supervisor password step."""
        device = self.device
        if getattr(device.engine, "settle", None) is None:
            device.finish(["SETTLEMENT", "NOT AVAILABLE"], Beep.ERROR)
            return
        if device.supervisor.refusal_while_locked("settle") is not None:  # journals the refusal in the audit trail
            device.finish(locked_rows("SETTLEMENT", device.supervisor), Beep.FAILURE)
            return
        self.settle_prompt.message = ""
        self._step = MoreStep.SETTLE_PASSWORD

    async def _settle(self, grant: Grant) -> None:
        device = self.device
        result: TxnResult = await device.online("SETTLEMENT", lambda: device.engine.settle(grant=grant),
                                                connecting=True)
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
            from pos_terminal.output.batch_totals import report_lines
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
