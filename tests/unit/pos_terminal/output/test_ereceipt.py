"""Electronic receipts (pos_terminal.output.ereceipt): recipients, receipt files and outbox messages."""

from __future__ import annotations

import email
import json
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from pos_terminal.output.ereceipt import (
    RECEIPT_WIDTH,
    EReceiptError,
    OutboxLinked,
    ReceiptArchive,
    recipient_address,
)
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.records import TxnType
from tests.unit.pos_terminal.journal_fake import FakeJournal, txn


@pytest.fixture(scope="module")
def config() -> TerminalConfig:
    return TerminalConfig()


@pytest.fixture
def archive(tmp_path: Path, config: TerminalConfig) -> ReceiptArchive:
    return ReceiptArchive(tmp_path, config, FakeJournal([txn(12, invoice=7, kind=TxnType.REFUND, amount=1234)]))


def test_an_email_address_is_its_own_recipient() -> None:
    assert recipient_address("jane.doe+shop@example.com") == "jane.doe+shop@example.com"


def test_a_phone_number_goes_to_the_sms_gateway_address_without_plus_spaces_or_dashes() -> None:
    assert recipient_address("+1 555-123-4567") == "15551234567@sms.possim.invalid"


@pytest.mark.parametrize("to", ["jane", "12345", "jane@localhost", "+1234567890123456"])
def test_anything_else_is_refused(to: str) -> None:
    with pytest.raises(EReceiptError, match="expected an e-mail address or a phone number"):
        recipient_address(to)


def test_a_receipt_file_holds_the_customer_copy_and_a_json_twin(archive: ReceiptArchive) -> None:
    path = archive.file(archive.journal.get(12))
    assert path.name == "txn-000012-refund-inv000007.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and all(len(line) <= RECEIPT_WIDTH for line in lines)
    twin = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert (twin["type"], twin["invoice"], twin["amount"], twin["receipt"]) == ("refund", 7, 1234, lines)


def test_an_outbox_message_is_addressed_and_carries_the_receipt_as_text_and_html(
        archive: ReceiptArchive, config: TerminalConfig) -> None:
    path = archive.send(archive.journal.get(12), "+1 555 123 4567")
    assert path.parent.name == "outbox" and path.suffix == ".eml"
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "15551234567@sms.possim.invalid"
    assert message["Subject"] == f"Your receipt: REFUND USD 12.34 at {config.merchant_name}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "12.34" in text and "<pre" in html


def test_an_outbox_message_to_a_bad_recipient_writes_nothing(archive: ReceiptArchive, tmp_path: Path) -> None:
    with pytest.raises(EReceiptError):
        archive.send(archive.journal.get(12), "nobody")
    assert not (tmp_path / "outbox").exists()


def test_files_are_renamed_into_place_leaving_no_temporary_files(archive: ReceiptArchive, tmp_path: Path) -> None:
    archive.file(archive.journal.get(12))
    assert sorted(p.name for p in (tmp_path / "receipts").iterdir()) == [
        "txn-000012-refund-inv000007.json", "txn-000012-refund-inv000007.txt"]


@pytest.mark.parametrize("to", ["a@b.com", "jane.doe@example.com", "12ab3456"])
def test_a_phone_recipient_must_be_digits_with_an_optional_leading_plus(to: str) -> None:
    with pytest.raises(EReceiptError, match="expected a phone number"):
        recipient_address(to, "phone")


def test_an_email_recipient_must_be_an_email_address() -> None:
    with pytest.raises(EReceiptError, match="expected an e-mail address"):
        recipient_address("+15551234567", "email")


def test_an_outbox_that_is_a_symbolic_link_is_refused_naming_it(archive: ReceiptArchive, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "outbox").symlink_to(elsewhere)
    with pytest.raises(OutboxLinked, match=r"outbox is a symbolic link"):
        archive.send(archive.journal.get(12), "+15551234567", "phone")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", ["JOE'S CAFE, BAR", 'SAY "HI" SHOP', "DR. SMITH <CLINIC>"])
def test_the_from_display_name_is_quoted_so_the_merchant_name_reads_back_whole(tmp_path: Path, name: str) -> None:
    archive = ReceiptArchive(tmp_path, TerminalConfig(merchant_name=name),
                             FakeJournal([txn(12, invoice=7, kind=TxnType.REFUND, amount=1234)]))
    path = archive.send(archive.journal.get(12), "jane@example.com", "email")
    sender = email.message_from_bytes(path.read_bytes(), policy=default)["From"].addresses
    assert len(sender) == 1 and sender[0].display_name == name
    assert sender[0].addr_spec == "receipts@possim.invalid"
