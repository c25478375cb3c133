"""How ``possim txn`` answers in text (without ``--json``): words and money as a person reads them.

Money is shown in the currency's units (``USD 2.00``, ``JPY 1000``), response codes with their
meaning (``55 INCORRECT PIN``), the host's and the settlement's details as labelled lines, never
as Python reprs. Card numbers appear masked only.
"""

from __future__ import annotations

from typing import Any

from protocols.money import currency, format_amount
from protocols.iso87 import response_text
from protocols.possim87.additional_data import REFUND_REASONS
from pos_terminal.common.results import TxnResult
from pos_terminal.output.views import TransactionView

__all__ = ["audit_text", "history_text", "report_text", "result_text", "view_text"]

_LABEL = 16


def _line(label: str, value: object) -> str:
    return f"  {label:<{_LABEL}}{value}"


def _code(code: str | None) -> str:
    return f"{code} {response_text(code)}" if code else "-"


def _credit_text(channel: object, expected: object, status: object = None, posted: object = None) -> str | None:
    if not isinstance(expected, str) or not expected:
        return None if status is None else str(status)
    date = f"{expected[:4]}-{expected[4:6]}-{expected[6:]}" if len(expected) == 8 and expected.isdigit() else expected
    how = {"RT": "real-time channel", "BT": "batch channel", "XB": "cross-border channel"}.get(str(channel), str(channel))
    text = f"{how}, expected {date}"
    if status:
        text += f", {status}"
    if posted:
        text += f" (posted {posted})"
    return text


def _original_text(original: dict[str, Any], money: str) -> str:
    parts = []
    if original.get("rrn"):
        parts.append(f"RRN {original['rrn']}")
    if original.get("invoice") is not None:
        parts.append(f"invoice {original['invoice']:06d}")
    if original.get("date"):
        parts.append(str(original["date"]))
    if original.get("amount") is not None:
        parts.append(format_amount(original["amount"], money))
    text = ", ".join(parts)
    if original.get("refundable_remaining") is not None:
        text += f" (left to refund {format_amount(original['refundable_remaining'], money)})"
    return text


def dcc_text(dcc: dict[str, Any], merchant_currency: str) -> str:
    """A conversion as one line: ``GBP 8.12 at 0.8124750 GBP per USD, markup 3.50 % (POSSIMFX)``."""
    to, by = currency(str(dcc["currency"])).alpha, currency(merchant_currency).alpha
    return (f"{format_amount(int(dcc['amount']), str(dcc['currency']))} at {dcc['rate']} {to} per {by}, "
            f"markup {dcc['markup_percent']} % ({dcc['provider']})")


def result_text(result: TxnResult) -> str:
    """One operation's answer: the verdict, then labelled lines, then any printed report."""
    if result.approved:
        verdict = "APPROVED OFFLINE" if result.offline else "APPROVED"
    elif result.error:
        verdict = result.error
    else:
        verdict = f"DECLINED {_code(result.response_code)}"
    lines = [f"{result.operation}: {verdict}"]
    money = result.currency or "840"
    if result.amount is not None:
        lines.append(_line("amount", format_amount(result.amount, money)))
    if result.response_code:
        lines.append(_line("response", _code(result.response_code)))
    for label, value in (("invoice", f"{result.invoice:06d}" if result.invoice else None), ("rrn", result.rrn),
                         ("stan", f"{result.stan:06d}" if result.stan else None), ("auth code", result.auth_code),
                         ("card", result.masked_pan)):
        if value:
            lines.append(_line(label, value))
    if result.dcc:
        lines.append(_line("cardholder paid", dcc_text(result.dcc, money)))
    if result.cross_border:
        lines.append(_line("cross-border", "card issued in another country"))
    if result.original:
        lines.append(_line("original", _original_text(result.original, money)))
    credit = _credit_text(result.host_data.get("credit_channel"), result.host_data.get("credit_date"),
                          result.host_data.get("credit_status"))
    if credit:
        lines.append(_line("funds", credit))
    if result.reversal is not None:
        reversal = result.reversal
        lines.append(_line("reversal", f"{reversal.status} after {reversal.attempts} attempt(s)"
                           + (f", {_code(reversal.response_code)}" if reversal.response_code else "")))
    for label, value in (("receipt", result.receipt_file), ("e-receipt", result.ereceipt_file)):
        if value:
            lines.append(_line(label, value))
    if result.settlement is not None:
        settlement = result.settlement
        lines.append(_line("batch", f"{settlement['batch']:06d} {settlement['result']}"
                           + (" (after batch upload)" if settlement.get("batch_uploaded") else "")))
    return "\n".join(lines + list(result.receipt))


def view_text(view: TransactionView, host: dict[str, Any] | None = None) -> str:
    """``possim txn status``: one transaction as labelled lines."""
    record = view.record
    money = record.currency
    lines = [f"{view.type} {record.invoice:06d}: {view.status.upper()}",
             _line("amount", format_amount(record.amount, money)),
             _line("date", f"{view.date} {record.transmitted_at:%H:%M:%S} UTC"),
             _line("rrn", record.rrn or "-"),
             _line("card", f"{record.masked_pan} ({record.card_brand})"),
             _line("response", _code(record.response_code)),
             _line("batch", f"{record.batch:06d}")]
    if record.dcc is not None:
        lines.append(_line("cardholder paid", dcc_text(record.dcc.to_json(), money)))
    if record.host_data.get("cross_border") == "Y":
        lines.append(_line("cross-border", "card issued in another country"))
    if view.refunded is not None:
        lines.append(_line("refunded", format_amount(view.refunded, money)))
        lines.append(_line("left to refund", format_amount(view.refundable_remaining or 0, money)))
    if record.reason_code:
        lines.append(_line("reason", f"{record.reason_code} {REFUND_REASONS.get(record.reason_code, '')}".rstrip()))
    if view.original is not None:
        lines.append(_line("original", _original_text({**view.original.to_json(),
                                                       "refundable_remaining": view.original_remaining}, money)))
    if view.credit is not None:
        credit = view.credit
        text = _credit_text(credit.channel, (credit.expected_date or "").replace("-", ""), credit.status,
                            credit.posted_date) or credit.status
        if credit.checked_at:
            text += f" (host asked {credit.checked_at})"
        lines.append(_line("funds", text))
    if view.voided_by_invoice is not None:
        lines.append(_line("voided by", f"invoice {view.voided_by_invoice:06d}"))
    if host is not None:
        lines.append(_line("host", _host_answer(host)))
    return "\n".join(lines)


def _host_answer(host: dict[str, Any]) -> str:
    """What the host said of the transaction: its status (``voided``), not just that the inquiry was answered."""
    if host.get("error"):
        return str(host["error"])
    said = [str(host["host_status"])] if host.get("host_status") else []
    if host.get("credit_status"):
        said.append(f"credit {host['credit_status']}")
    answered = f"answered {_code(host.get('response_code'))}"
    return f"{', '.join(said)} ({answered})" if said else answered


def history_text(views: list[TransactionView]) -> str:
    """``possim txn history``: one line per transaction, newest first."""
    if not views:
        return "no transactions"
    rows = [f"{'DATE':<10} {'TIME':<8} {'TYPE':<6} {'INVOICE':<7} {'STATUS':<16} {'AMOUNT':>14} {'RRN':<12} CARD"]
    for view in views:
        record = view.record
        rows.append(f"{view.date:<10} {record.transmitted_at:%H:%M:%S} {view.type:<6} {record.invoice:06d}  "
                    f"{view.status:<16} {format_amount(record.amount, record.currency):>14} "
                    f"{record.rrn or '-':<12} {record.masked_pan}"
                    + (f"  DCC {format_amount(record.dcc.amount, record.dcc.currency)}" if record.dcc else "")
                    + ("  cross-border" if record.host_data.get("cross_border") == "Y" else ""))
    return "\n".join(rows)


def audit_text(entries: list[dict[str, Any]]) -> str:
    """``possim txn history --type audit``: the supervisor decisions, newest first."""
    if not entries:
        return "no supervisor decisions"
    rows = [f"{'AT':<20} {'OPERATION':<9} {'DECISION':<15} LOCKED UNTIL"]
    rows += [f"{entry['at']:<20} {entry['operation']:<9} {entry['decision']:<15} {entry.get('locked_until') or '-'}"
             for entry in entries]
    return "\n".join(rows)


def report_text(report: dict[str, Any]) -> str:
    """``possim txn report``: the merchant's statistics as a short table."""
    money = report["currency"]

    def amount(bucket: dict[str, int]) -> str:
        return f"{bucket['count']:>5}  {format_amount(bucket['amount'], money):>16}"

    period = report["period"]
    lines = [f"report {period['from'] or 'start'} .. {period['to'] or 'today'} ({currency(money).alpha})",
             f"  {'sales':<24}{amount(report['sales'])}",
             f"  {'refunds':<24}{amount(report['refunds'])}"]
    for group, title in (("by_reason", "reason"), ("by_brand", "brand"), ("by_channel", "channel")):
        for key, bucket in report["refunds"][group].items():
            name = f"{key} {REFUND_REASONS.get(key, '')}".rstrip() if group == "by_reason" else key
            lines.append(f"    {title + ' ' + name:<22}{amount(bucket)}")
    lines.append(f"  {'voided sales':<24}{amount(report['voided']['sales'])}")
    lines.append(f"  {'voided refunds':<24}{amount(report['voided']['refunds'])}")
    for kind, bucket in report["reversed"].items():
        lines.append(f"  {'reversed ' + kind + 's':<24}{amount(bucket)}")
    declined = ", ".join(f"{count} {kind}s" for kind, count in report["declined"].items())
    lines.append(f"  {'declined':<24}{declined}")
    rate = report["refund_rate"]
    if rate["amount"] is not None:
        lines.append(f"  {'refund rate':<24}{rate['amount']:.2%} of the amount sold, {rate['count']:.2%} of the sales")
    arrival = report["days_to_arrival"]
    if arrival["min"] is not None:
        lines.append(f"  {'days to arrival':<24}min {arrival['min']}, median {arrival['median']}, max {arrival['max']}")
    for billing, dcc in report.get("dcc_refunds", {}).items():
        lines.append(f"  {'DCC refunds in ' + currency(billing).alpha:<24}{dcc['count']:>5}  "
                     f"{format_amount(dcc['amount'], money):>16} = {format_amount(dcc['billing_amount'], billing)}")
    by_currency = report.get("by_currency", {})
    if len(by_currency) > 1:
        for code, figures in by_currency.items():
            lines.append(f"  {'in ' + currency(code).alpha + ': sales':<24}{figures['sales']['count']:>5}  "
                         f"{format_amount(figures['sales']['amount'], code):>16}")
            lines.append(f"  {'in ' + currency(code).alpha + ': refunds':<24}{figures['refunds']['count']:>5}  "
                         f"{format_amount(figures['refunds']['amount'], code):>16}")
    for side, label in (("domestic", "domestic refunds"), ("cross_border", "cross-border refunds")):
        for code, bucket in report.get("cross_border", {}).get(side, {}).items():
            lines.append(f"  {label:<24}{bucket['count']:>5}  {format_amount(bucket['amount'], code):>16}")
    return "\n".join(lines)
