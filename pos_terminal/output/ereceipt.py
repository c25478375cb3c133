"""Electronic receipts: every completed transaction's customer receipt kept in the data folder,
and, when the cashier or the command line asks, an e-mail message with it in the outbox.

``DATA/receipts/txn-000012-refund-inv000007.txt`` holds the customer copy as printed (40 columns),
``.json`` beside it the same transaction as ``possim txn status --json`` describes it plus the
receipt lines. ``DATA/outbox/*.eml`` is an RFC 5322 message (:mod:`email`, text and HTML parts)
addressed to an e-mail address, or, for a phone number, to ``<number>@sms.possim.invalid`` (the
e-mail-to-SMS gateway convention; ``.invalid`` guarantees nothing is ever delivered: possim only
writes the message, a test or a mail relay of the user's picks it up). Receipts hold the masked
PAN only, as the journal does. Files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pos_terminal.state.config import TerminalConfig
from pos_terminal.journal import Journal
from protocols.money import format_amount
from pos_terminal.output.receipt import CUSTOMER_COPY, render_receipt
from pos_terminal.state.records import TransactionRecord
from pos_terminal.output.views import transaction_view

__all__ = ["EReceiptError", "ReceiptArchive", "RECEIPT_WIDTH", "recipient_address"]

RECEIPT_WIDTH = 40
SMS_DOMAIN = "sms.possim.invalid"
SENDER_DOMAIN = "possim.invalid"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
_PHONE = re.compile(r"\+?[0-9]{6,15}")


class EReceiptError(ValueError):
    """An e-receipt recipient that is neither an e-mail address nor a phone number."""


def recipient_address(to: str) -> str:
    """The e-mail address an e-receipt for ``to`` (an address or a phone number) goes to."""
    compact = to.replace(" ", "").replace("-", "")
    if _EMAIL.fullmatch(to):
        return to
    if _PHONE.fullmatch(compact):
        return f"{compact.lstrip('+')}@{SMS_DOMAIN}"
    raise EReceiptError(f"e-receipt recipient {to[:40]!r}: expected an e-mail address or a phone number "
                        "(6 to 15 digits, optional leading +)")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class ReceiptArchive:
    """The data folder's receipts and outbox for one terminal."""

    data_dir: Path
    config: TerminalConfig
    journal: Journal

    def _stem(self, record: TransactionRecord) -> str:
        return f"txn-{record.id:06d}-{record.txn_type.value}-inv{record.invoice:06d}"

    def _lines(self, record: TransactionRecord) -> list[str]:
        view = transaction_view(self.journal, record)
        return render_receipt(record, self.config, CUSTOMER_COPY, width=RECEIPT_WIDTH, view=view)

    def file(self, record: TransactionRecord) -> Path:
        """Write the customer receipt of ``record`` (text and JSON) and return the text file's path."""
        lines = self._lines(record)
        stem = self.data_dir / "receipts" / self._stem(record)
        text_path = stem.with_suffix(".txt")
        _write_atomically(text_path, ("\n".join(lines) + "\n").encode("utf-8"))
        payload = {**transaction_view(self.journal, record).to_json(), "merchant": self.config.merchant_name,
                   "terminal_id": self.config.terminal_id, "receipt": lines}
        _write_atomically(stem.with_suffix(".json"), (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
        return text_path

    def send(self, record: TransactionRecord, to: str) -> Path:
        """Write an e-mail message with the customer receipt of ``record`` for ``to`` into the outbox."""
        address = recipient_address(to)
        lines = self._lines(record)
        message = EmailMessage()
        message["From"] = f"{self.config.merchant_name} <receipts@{SENDER_DOMAIN}>"
        message["To"] = address
        message["Subject"] = (f"Your receipt: {record.txn_type.value.upper()} "
                              f"{format_amount(record.amount, record.currency)} at {self.config.merchant_name}")
        message["Date"] = formatdate(record.transmitted_at.timestamp(), usegmt=True)
        message["Message-ID"] = make_msgid(idstring=self._stem(record), domain=SENDER_DOMAIN)
        message.set_content("\n".join(lines) + "\n")
        body = html.escape("\n".join(lines))
        message.add_alternative(
            "<!DOCTYPE html><html><body>"
            f"<h1>{html.escape(self.config.merchant_name)}</h1>"
            f"<pre style=\"font-family: monospace\">{body}</pre></body></html>\n",
            subtype="html",
        )
        path = self.data_dir / "outbox" / f"{self._stem(record)}-{address.split('@')[0][:20]}.eml"
        _write_atomically(path, bytes(message))
        return path
