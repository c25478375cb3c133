"""Every date in a JSON answer is ISO 8601, though the host's tags carry YYYYMMDD."""

from __future__ import annotations

from pos_terminal.common.results import Outcome, TxnResult


def test_the_hosts_credit_dates_are_iso_8601_in_the_json_answer() -> None:
    result = TxnResult("refund", Outcome.COMPLETED, host_data={"credit_channel": "BT", "credit_date": "20261209",
                                                               "credit_posted_date": "20261210"})
    host = result.to_json()["host"]
    assert (host["credit_date"], host["credit_posted_date"], host["credit_channel"]) == (
        "2026-12-09", "2026-12-10", "BT")


def test_the_journal_keeps_the_wire_format() -> None:
    result = TxnResult("refund", Outcome.COMPLETED, host_data={"credit_date": "20261209"})
    result.to_json()
    assert result.host_data["credit_date"] == "20261209"
