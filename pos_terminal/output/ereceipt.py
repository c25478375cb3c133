"""Electronic receipts: every completed transaction's customer receipt kept in the data folder,
and, when the cashier or the command line asks, an e-mail message with it in the outbox.

``DATA/receipts/txn-000012-refund-inv000007.txt`` holds the customer copy as printed (40 columns),
``.json`` beside it the same transaction as ``possim txn status --json`` describes it plus the
receipt lines. ``DATA/outbox/*.eml`` is an RFC 5322 message (:mod:`email`, text and HTML parts)
addressed to an e-mail address, or, for a phone number, to ``<number>@sms.possim.invalid`` (the
e-mail-to-SMS gateway convention; ``.invalid`` guarantees nothing is ever delivered: possim only
writes the message, a test or a mail relay of the user's picks it up). Receipts hold the masked
PAN only, as the journal does. Files are written to a temporary name and renamed into place.

Two refusals protect the outbox: ``--phone`` takes a phone number only (digits, an optional
leading +), ``--email`` an e-mail address only; and a ``DATA/outbox`` that is a symbolic link is
refused (:class:`OutboxLinked`), so an e-receipt is never written wherever the link points. The
From header's display name (the merchant's name) is quoted as RFC 5322 requires
(:class:`email.headerregistry.Address`), whatever punctuation the name holds.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pos_terminal.state.config import TerminalConfig
from pos_terminal.journal import Journal
from protocols.money import format_amount
from pos_terminal.output.receipt import CUSTOMER_COPY, render_receipt
from pos_terminal.state.records import TransactionRecord
from pos_terminal.output.views import transaction_view

__all__ = ["EReceiptError", "OutboxLinked", "ReceiptArchive", "RECEIPT_WIDTH", "check_outbox", "recipient_address"]

RECEIPT_WIDTH = 40
SMS_DOMAIN = "sms.possim.invalid"
SENDER_DOMAIN = "possim.invalid"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
_PHONE = re.compile(r"\+?[0-9]{6,15}")


class EReceiptError(ValueError):
    """An e-receipt that cannot be written: a recipient of the wrong kind, an outbox that is a link."""


class OutboxLinked(EReceiptError):
    """``DATA/outbox`` is a symbolic link: e-receipts are not written through it."""


def recipient_address(to: str, kind: str | None = None) -> str:
    """The e-mail address an e-receipt for ``to`` goes to.

    ``kind``: ``"phone"`` accepts a phone number only (6 to 15 digits, an optional leading +, spaces
    and dashes ignored), ``"email"`` an e-mail address only, None either.
    """
    compact = to.replace(" ", "").replace("-", "")
    if kind in (None, "email") and _EMAIL.fullmatch(to):
        return to
    if kind in (None, "phone") and _PHONE.fullmatch(compact):
        return f"{compact.lstrip('+')}@{SMS_DOMAIN}"
    expected = {"phone": "a phone number (6 to 15 digits, optional leading +)", "email": "an e-mail address"}.get(
        kind or "", "an e-mail address or a phone number (6 to 15 digits, optional leading +)")
    raise EReceiptError(f"e-receipt recipient {to[:40]!r}: expected {expected}")


def check_outbox(data_dir: Path) -> Path:
    """``DATA/outbox``, refused (:class:`OutboxLinked`, naming it) when it is a symbolic link."""
    outbox = Path(data_dir) / "outbox"
    if outbox.is_symlink():
        raise OutboxLinked(f"{outbox} is a symbolic link: possim does not write e-receipts through it "
                           "(make it a plain folder)")
    return outbox


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

    def send(self, record: TransactionRecord, to: str, kind: str | None = None) -> Path:
        """Write an e-mail message with the customer receipt of ``record`` for ``to`` (of ``kind``) into the outbox."""
        address = recipient_address(to, kind)
        outbox = check_outbox(self.data_dir)
        lines = self._lines(record)
        message = EmailMessage()
        message["From"] = Address(display_name=self.config.merchant_name, username="receipts", domain=SENDER_DOMAIN)
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
        path = outbox / f"{self._stem(record)}-{address.split('@')[0][:20]}.eml"
        _write_atomically(path, bytes(message))
        return path
