"""The result screen of a transaction: what the cashier reads once the host (or the terminal) decided."""

from __future__ import annotations

from pos_terminal.device.screen import WIDTH, pair, wrap
from protocols.iso87 import response_text
from pos_terminal.output.receipt import format_amount
from pos_terminal.common.results import Outcome, TxnResult

__all__ = ["result_rows"]


def result_rows(title: str, result: TxnResult, *, offline: bool = False) -> list[str]:
    """Four rows: the function and amount, the verdict, the response code, the invoice or the reason."""
    head = pair(title, format_amount(result.amount, result.currency)) if result.amount and result.currency else title
    invoice = f"INV {result.invoice:06d}" if result.invoice is not None else ""
    if result.outcome is Outcome.COMPLETED:
        code = result.response_code or "--"
        if result.approved:
            verdict = "APPROVED OFFLINE" if offline else "APPROVED"
            if result.dcc:  # the cardholder's side of a DCC transaction, where the invoice would be
                invoice = pair("CARD", format_amount(int(result.dcc["amount"]), str(result.dcc["currency"])))
            return [head, verdict, pair(f"RC {code}", f"AUTH {result.auth_code}" if result.auth_code else ""), invoice]
        return [head, *_declined_rows(code, invoice)]
    if result.outcome is Outcome.REFUSED:
        return [head, "NOT ALLOWED", *(result.screen or wrap((result.error or "").upper(), None))]
    reversal = result.reversal
    if reversal is None:
        note = "NOTHING SENT" if result.stan is None else ""
    else:
        note = {"acked": "REVERSAL SENT", "refused": "HOST KEPT IT"}.get(reversal.status, "REVERSAL PENDING")
    return [head, "NO HOST RESPONSE", note, invoice]


def _declined_rows(code: str, invoice: str) -> list[str]:
    """Three rows under the title: the verdict, the code and its meaning (never cut), the invoice if it fits."""
    line = f"RC {code} {response_text(code)}"
    if len(line) <= WIDTH:
        return ["DECLINED", line, invoice]
    meaning = wrap(response_text(code), None)
    return [f"DECLINED  RC {code}", *meaning, invoice][:3]
