"""cup-pos: a second device with the same terminal ID never gets another sale's stored approval.

Tried as a new user would: ``possim host --dialect cup-pos`` in its own process, two terminal data
folders that both default to terminal ``POSSIM01``, ``possim txn`` in each. Both devices count
their vouchers (DE 11) from 1 in batch 1, so the second device's sale arrives under the key of
the first device's sale. The host compares the whole request (docs/protocol.md, "Retransmissions
and duplicates" of the cup-pos profile): another card, another amount, or another read of the
same chip card (DE 55 carries a new ARQC and ATC) is not a repeat: 94, and no money moves; the
sale that was approved is debited once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.host.journal import Direction, HostJournal
from tests.cli_runner import run_possim


def sale(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, folder: Path,
         card: str, pin: str, amount: str) -> dict:
    if not folder.exists():  # the IC download at the first sign-on left aside: both devices count vouchers alike
        folder.mkdir()
        (folder / "terminal.toml").write_text("cup_ic_download = false\n", encoding="utf-8")
    result = run_possim(capsys, "txn", "sale", "--host", url, "--data", str(folder), "--dialect", "cup-pos",
                        "--card", card, "--entry", "chip", "--amount", amount, "--pin-stdin", "--json",
                        stdin=pin + "\n", monkeypatch=monkeypatch)
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def debits(host_folder: Path) -> list[int]:
    journal = HostJournal(host_folder / "host-journal.sqlite3")
    try:
        return [e.amount for e in journal.ledger() if e.direction is Direction.DEBIT and e.counter_of is None]
    finally:
        journal.close()


@pytest.mark.parametrize(("card", "pin", "amount"), [
    ("unionpay_credit", "123456", "10.00"),  # the same card read again: a new ARQC in DE 55
    ("unionpay_debit", "111101", "10.00"),   # another card
    ("unionpay_credit", "123456", "25.00"),  # another amount
], ids=["same-card-new-read", "other-card", "other-amount"])
def test_a_second_device_reusing_the_voucher_gets_94_not_the_first_approval(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cup_host_process: str,
    card: str, pin: str, amount: str,
) -> None:
    first = sale(capsys, monkeypatch, cup_host_process, tmp_path / "shop-a", "unionpay_credit", "123456", "10.00")
    second = sale(capsys, monkeypatch, cup_host_process, tmp_path / "shop-b", card, pin, amount)
    assert first["approved"] and first["response_code"] == "00"
    assert second["stan"] == first["stan"]
    assert (second["response_code"], second["approved"], second["auth_code"]) == ("94", False, None)
    assert debits(tmp_path / "host") == [1000]
